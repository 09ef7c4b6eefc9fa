// The webhook image copies only some source folders (webhook/Dockerfile, webhook/Dockerfile.dockerignore). No
// Docker here, so this pins offline what a build would find out: every module the webhook CLI loads is copied.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Repository-relative paths of every local module reachable from `entry` through value imports. */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    // `import type` is erased by tsx and needs no file at run time.
    const statics = source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.{1,2}\/[^']+)'/gm);
    const dynamics = source.matchAll(/\bimport\('(\.{1,2}\/[^']+)'\)/g);
    for (const match of [...statics, ...dynamics]) visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!)));
  };
  visit(entry);
  return [...seen].sort();
}

function copiedSources(): string[] {
  const dockerfile = readFileSync(path.join(ROOT, 'webhook/Dockerfile'), 'utf8');
  return [...dockerfile.matchAll(/^COPY (?!--from)(\S+) \S+$/gm)].map((m) => m[1]!);
}

function allowedByDockerignore(file: string): boolean {
  const lines = readFileSync(path.join(ROOT, 'webhook/Dockerfile.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let allowed = true;
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    const matches =
      pattern === '*' ||
      file === pattern ||
      (pattern.endsWith('/') && file.startsWith(pattern)) ||
      (pattern.endsWith('*') && file.startsWith(pattern.slice(0, -1)));
    if (matches) allowed = negated;
  }
  return allowed;
}

describe('webhook image', () => {
  it('copies every module the webhook CLI imports, and the build context includes them', () => {
    const modules = importClosure('webhook/cli.ts');
    expect(modules).toContain('webhook/server.ts');
    const sources = copiedSources();
    for (const file of modules) {
      expect(
        sources.some((src) => (src.endsWith('/') ? file.startsWith(src) : file === src)),
        `${file} is not copied by webhook/Dockerfile`,
      ).toBe(true);
      expect(allowedByDockerignore(file), `${file} is excluded by webhook/Dockerfile.dockerignore`).toBe(true);
    }
  });
});
