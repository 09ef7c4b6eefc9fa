// Ctrl-C and SIGTERM: run every registered clean-up (close clusters, kill child processes) once, then exit 130.
// A second Ctrl-C exits at once. Worker threads die with the process in any case; this makes listeners and child
// processes go away in order and prints what happened.
import { EXIT_INTERRUPTED } from '../cli/exitCodes.ts';

const cleanups = new Set<() => Promise<void>>();
let installed = false;
let interrupted = false;

export function onInterrupt(cleanup: () => Promise<void>): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function install(): void {
  if (installed) return;
  installed = true;
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    process.stderr.write(`\n${signal}: cleaning up (press Ctrl-C again to exit at once)\n`);
    const timeout = setTimeout(() => process.exit(EXIT_INTERRUPTED), 5000);
    timeout.unref();
    Promise.allSettled([...cleanups].map((c) => c())).finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Called when a command has finished: the process should now exit on its own. If something still holds it open (a
 * worker thread that cannot exit), exit anyway after a grace period, with the exit code already set.
 */
export function exitWhenDone(graceMs = 3000): void {
  setTimeout(() => {
    process.stderr.write('warning: something still held the process open after the run; exiting anyway\n');
    process.exit(process.exitCode ?? 0);
  }, graceMs).unref();
}
