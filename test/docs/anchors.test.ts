// Every `docs/<file>.md#<anchor>` (and every `docs/<file>.md`) cited in the code (sim/, scripts/, webhook/, test/,
// scenarios/) names a file that exists and a heading it has, by GitHub's anchor rules (github-slugger, which github.com
// applies to rendered headings): the heading's text without markup, lower-cased, every character that is not a
// letter, mark, digit, connector (`_`), hyphen or space removed, spaces turned into hyphens, and a repeated heading
// suffixed `-1`, `-2`, ... in order.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CODE_DIRS = ['sim', 'scripts', 'webhook', 'test', 'scenarios'];
const CITATION = /\bdocs\/([A-Za-z0-9_-]+\.md)(?:#([A-Za-z0-9_%-]+))?/g;

/** github-slugger's slug of a heading's rendered text. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML tags
    .replace(/(\*\*|__|\*|~~)/g, ''); // emphasis markers (a lone `_` inside a word stays, as in tcp_nodelay)
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown file's headings (ATX headings outside fenced code), repeated ones numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const fenceMark = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fenceMark) fence = fence === undefined ? fenceMark : fence === fenceMark ? undefined : fence;
    if (fence !== undefined) continue;
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = githubSlug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function codeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) out.push(...codeFiles(rel));
    } else if (/\.(ts|mts|mjs|js|yaml|yml|go|mod|sh|json)$|^Dockerfile/.test(entry.name)) out.push(rel);
  }
  return out;
}

/** Every citation, with where it is (`file:line`). */
function citations(): { where: string; file: string; anchor?: string }[] {
  const found: { where: string; file: string; anchor?: string }[] = [];
  for (const file of CODE_DIRS.flatMap(codeFiles)) {
    fs.readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const m of line.matchAll(CITATION)) found.push({ where: `${file}:${i + 1}`, file: m[1]!, anchor: m[2] });
      });
  }
  return found;
}

describe('GitHub heading anchors', () => {
  it('slug headings as github.com does', () => {
    expect(githubSlug('Options (`KindTargetOptions` in `scripts/targets/kind/options.ts`)')).toBe('options-kindtargetoptions-in-scriptstargetskindoptionsts');
    expect(githubSlug('Metrics (metrics/metrics.go, v1.32)')).toBe('metrics-metricsmetricsgo-v132');
    expect(githubSlug('TCP_NODELAY')).toBe('tcp_nodelay');
    expect(githubSlug('1. `cluster:up` (`planClusterUp` in [plans](x.md))')).toBe('1-clusterup-planclusterup-in-plans');
    expect([...headingAnchors('# A\n## B\n```\n## C\n```\n## B\n## b!\n')]).toEqual(['a', 'b', 'b-1', 'b-2']);
  });
});

describe('documentation citations in the code', () => {
  const all = citations();

  it('finds the citations (the scan is not vacuous)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((c) => c.file === 'kind.md' && c.anchor !== undefined)).toBe(true);
  });

  it('every cited docs/<file>.md exists and has the cited heading', () => {
    const anchors = new Map<string, Set<string> | undefined>();
    const broken: string[] = [];
    for (const c of all) {
      if (!anchors.has(c.file)) {
        const docPath = path.join(ROOT, 'docs', c.file);
        anchors.set(c.file, fs.existsSync(docPath) ? headingAnchors(fs.readFileSync(docPath, 'utf8')) : undefined);
      }
      const headings = anchors.get(c.file);
      if (!headings) broken.push(`${c.where}: docs/${c.file} does not exist`);
      else if (c.anchor !== undefined && !headings.has(decodeURIComponent(c.anchor))) broken.push(`${c.where}: docs/${c.file} has no heading #${c.anchor}`);
    }
    expect(broken).toEqual([]);
  });
});
