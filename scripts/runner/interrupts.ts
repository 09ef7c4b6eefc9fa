// Ctrl-C and SIGTERM: run every registered clean-up (close clusters, kill child processes) once, then exit 130.
// A second Ctrl-C exits at once. Worker threads die with the process in any case; this makes listeners and child
// processes go away in order and prints what happened. Each clean-up says how long it may take (a real cluster's
// close() makes kubectl calls, docs/kind.md#ctrl-c); the process waits for the longest, 5 s at least.
import { EXIT_INTERRUPTED } from '../core/exitCodes.ts';

/** How long clean-ups get when none asks for more. */
export const DEFAULT_CLEANUP_GRACE_MS = 5000;
const cleanups = new Map<() => Promise<void>, number>();
let installed = false;
let interrupted = false;

/** Registers a clean-up that may take up to `graceMs`; returns the function that unregisters it. */
export function onInterrupt(cleanup: () => Promise<void>, graceMs = DEFAULT_CLEANUP_GRACE_MS): () => void {
  install();
  cleanups.set(cleanup, graceMs);
  return () => cleanups.delete(cleanup);
}

function install(): void {
  if (installed) return;
  installed = true;
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    const graceMs = Math.max(DEFAULT_CLEANUP_GRACE_MS, ...cleanups.values());
    process.stderr.write(`\n${signal}: cleaning up, for up to ${Math.round(graceMs / 1000)} s (press Ctrl-C again to exit at once)\n`);
    const timeout = setTimeout(() => process.exit(EXIT_INTERRUPTED), graceMs);
    timeout.unref();
    Promise.allSettled([...cleanups.keys()].map((c) => c())).finally(() => process.exit(EXIT_INTERRUPTED));
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
