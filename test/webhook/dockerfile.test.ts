// The webhook image copies only some source folders (webhook/Dockerfile, webhook/Dockerfile.dockerignore). No
// Docker here, so this pins offline what a build would find out: every module the webhook CLI loads is copied.
import { describe, expect, it } from 'vitest';
import { expectImageHoldsModules, importClosure } from '../helpers/dockerImage.ts';

describe('webhook image', () => {
  it('copies every module the webhook CLI imports, and the build context includes them', () => {
    const modules = importClosure('webhook/cli.ts');
    expect(modules).toContain('webhook/server.ts');
    expectImageHoldsModules('webhook/Dockerfile', modules);
  });
});
