// What a `docker build` of one of the project's images would find out, checked offline (no Docker here): the
// modules an entry loads at run time, what the Dockerfile COPYs, and what the .dockerignore lets into the context.
// Used by the webhook image test and the load-client image test.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Repository-relative paths of every local module reachable from `entry` through value imports (static and dynamic). */
export function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    // `import type` is erased by tsx and needs no file at run time.
    const statics = source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.{1,2}\/[^']+)'/gm);
    const dynamics = source.matchAll(/\bimport\('(\.{1,2}\/[^']+)'\)/g);
    for (const match of [...statics, ...dynamics]) visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!)));
  };
  visit(entry);
  return [...seen].sort();
}

/** The repository-relative Dockerfile's text. */
export function readDockerfile(dockerfile: string): string {
  return fs.readFileSync(path.join(ROOT, dockerfile), 'utf8');
}

/** Whether `file` survives the .dockerignore's patterns (later lines win; `!` re-includes). */
export function allowedByDockerignore(file: string, patterns: string[]): boolean {
  let allowed = true;
  for (const line of patterns) {
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

/** Asserts that every module is COPYed by `dockerfile` and let into the build context by `<dockerfile>.dockerignore`. */
export function expectImageHoldsModules(dockerfile: string, modules: string[]): void {
  const sources = [...readDockerfile(dockerfile).matchAll(/^COPY (?!--from)(\S+) \S+$/gm)].map((m) => m[1]!);
  const ignore = fs
    .readFileSync(path.join(ROOT, `${dockerfile}.dockerignore`), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const file of modules) {
    expect(
      sources.some((src) => (src.endsWith('/') ? file.startsWith(src) : file === src)),
      `${file} is not copied by ${dockerfile}`,
    ).toBe(true);
    expect(allowedByDockerignore(file, ignore), `${file} is excluded by ${dockerfile}.dockerignore`).toBe(true);
  }
}
