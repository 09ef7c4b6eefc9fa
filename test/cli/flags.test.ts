// Every command's flag problems (README.md#exit-codes, scripts/cli/runCommand.ts): an unknown option or command, an
// invalid or missing value, a missing or extra argument exits 2 before anything runs, with exactly one line on stderr
// that says what is wrong and what is allowed. Each command is run as a user runs it (a child process).
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs an entry point; `.mjs` files register tsx themselves. */
function run(entry: string, args: string[]) {
  const loader = entry.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  return execa(process.execPath, [...loader, entry, ...args], { cwd: ROOT, reject: false, timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0' } });
}

type Case = [args: string[], line: RegExp];

const COMMANDS: Record<string, { entry: string; cases: Case[] }> = {
  scenario: {
    entry: 'scripts/scenario.ts',
    cases: [
      [
        ['hot-client', '--bogus'],
        /^npm run scenario: error: unknown option '--bogus'; options: --modes, --seed, --duration, .*--target.* \(--help explains each\)$/,
      ],
      [
        ['hot-client', '--modes', 'l77'],
        /^npm run scenario: error: option '--modes <list>' argument 'l77' is invalid\. unknown mode "l77" \(known: direct, l7, passthrough, goaway\)$/,
      ],
      [['hot-client', '--seed', 'abc'], /argument 'abc' is invalid\. must be an integer from 0 to 4294967295$/],
      [
        ['hot-client', '--duration', 'abc'],
        /^npm run scenario: error: option '--duration <d>' argument 'abc' is invalid\. must be a duration of at least 500ms, e\.g\. 5s/,
      ],
      [['hot-client', '--seed'], /^npm run scenario: error: option '--seed <n>' argument missing \(--seed <n>: seed for every random choice/],
    ],
  },
  gate: {
    entry: 'scripts/gate.ts',
    cases: [
      [['--bogus'], /^npm run gate: error: unknown option '--bogus'; options: --out, --duration, --fail-on-self-check, --fail-on-inconclusive, /],
      [['--duration', 'abc'], /argument 'abc' is invalid\. must be a duration of at least 500ms/],
      [['--target', 'nowhere'], /argument 'nowhere' is invalid\. Allowed choices are local, kind, cluster/],
    ],
  },
  sim: {
    entry: 'scripts/sim.ts',
    cases: [
      [['--bogus'], /^npm run sim: error: unknown option '--bogus'; options: --mode, --scenario, /],
      [['--mode', 'l77'], /argument 'l77' is invalid\. Allowed choices are direct, l7, passthrough, goaway\.$/],
      [['--seed', 'abc'], /argument 'abc' is invalid\. must be an integer from 0 to 4294967295$/],
      [['--interval', '10ms'], /argument '10ms' is invalid\. must be a duration of at least 200ms/],
    ],
  },
  report: {
    entry: 'scripts/report.ts',
    cases: [
      [['x.json', '--bogus'], /^npm run report: error: unknown option '--bogus'; options: --out, --help/],
      [[], /^npm run report: error: missing required argument 'results\.json' Usage: npm run report -- \[options\] <results\.json>$/],
      [['a.json', 'b.json'], /error: too many arguments\. Expected 1 argument but got 2\. Usage: npm run report -- /],
    ],
  },
  compare: {
    entry: 'scripts/compare.ts',
    cases: [
      [['a.json', 'b.json', '--bogus'], /^npm run compare: error: unknown option '--bogus'; options: --fail-on, --json, --help/],
      [['a.json'], /error: missing required argument 'b\.json' Usage: npm run compare -- /],
    ],
  },
  bench: {
    entry: 'scripts/bench.ts',
    cases: [
      [
        ['--only', 'gatewy'],
        /argument 'gatewy' is invalid\. unknown: gatewy \(known: gateway, apiserver, loadgen, webhook, scale, seed-scale, startup, binary, scenario, gate, gate-repeat\)$/,
      ],
      [['sideways'], /^npm run bench: error: argument 'sideways' is invalid\. unknown: sideways \(known: gateway, /],
      [['gate-repeat', '--runs', '0'], /argument '0' is invalid\. must be an integer from 1 to 100$/],
      [['--bogus'], /unknown option '--bogus'; options: --only, --out, --runs, --scenarios, --help/],
    ],
  },
  'cluster:up': {
    entry: 'scripts/kindCluster.ts',
    cases: [
      [
        ['up', '--workers', '99'],
        /^npm run cluster:up\|cluster:down up: error: option '--workers <n>' argument '99' is invalid\. must be an integer from 0 to 10$/,
      ],
      [
        ['up', '--max-pods', '251'],
        /^npm run cluster:up\|cluster:down up: error: option '--max-pods <n>' argument '251' is invalid\. must be an integer from 10 to 250 \(kind gives each node a \/24 of pod addresses\)$/,
      ],
      [['up', '--kube-proxy-mode', 'nft'], /Allowed choices are iptables, ipvs\.$/],
      [['up', '--bogus'], /unknown option '--bogus'; options: --name, --workers, /],
    ],
  },
  'cluster:down': {
    entry: 'scripts/kindCluster.ts',
    cases: [
      [['down', '--bogus'], /^npm run cluster:up\|cluster:down down: error: unknown option '--bogus'; options: /],
      [['sideways'], /error: unknown command 'sideways'; commands: up, down/],
    ],
  },
  webhook: {
    entry: 'webhook/cli.ts',
    cases: [
      [['serve', '--tls-cert', 'c', '--tls-key', 'k', '--bogus'], /^error: serve: unknown option '--bogus'; options: --kubeconfig, --context, /],
      [['manifests', '--namespace', 'g', '--image', 'i', '--replicas', '0'], /argument '0' is invalid\. expected an integer from 1 to 10, got "0"$/],
      [['bogus'], /^error: unknown command 'bogus'; commands: certs, serve, manifests$/],
    ],
  },
  'apiserver-lb': {
    entry: 'scripts/bin.mjs',
    cases: [
      [['scenario', 'hot-client', '--seed', 'x'], /^apiserver-lb scenario: error: option '--seed <n>' argument 'x' is invalid\./],
      [['nope'], /^apiserver-lb: error: unknown command 'nope'; commands: scenario, gate, report, compare, sim, binaries, calibrate, cluster, bench, webhook$/],
      [['bench', 'sideways'], /^apiserver-lb bench: error: argument 'sideways' is invalid\. unknown: sideways \(known: gateway, /],
      // The webhook's own bad-input errors (webhook/cli.ts UsageError) exit 2 under the binary too, not 3.
      [
        ['webhook', 'manifests', '--namespace', 'garden', '--image', 'x'],
        /^apiserver-lb: error: give --ca-bundle <base64> \(printed by `certs`\) or --tls-dir <dir>/,
      ],
    ],
  },
};

describe.concurrent('flag problems: exit 2 and one line saying what is wrong and what is allowed', () => {
  for (const [command, { entry, cases }] of Object.entries(COMMANDS)) {
    it(`${command}`, async () => {
      for (const [args, line] of cases) {
        const res = await run(entry, args);
        const lines = res.stderr.trim().split('\n');
        expect({ args, exitCode: res.exitCode, lines }).toEqual({ args, exitCode: 2, lines: [expect.stringMatching(line)] });
        expect(res.stdout, args.join(' ')).toBe('');
      }
    }, 180_000);
  }
});
