// Messages between the host and a component running in a worker thread (sim/runtime/serveInWorker.ts and
// sim/runtime/startComponent.ts are the only two places that speak it).
import type { ThreadHealth } from '../../scripts/core/componentStats.ts';

export interface SerializedError {
  message: string;
  name?: string;
  code?: string;
  stack?: string;
}

export type HostMessage = { type: 'call'; id: number; method: string; args: unknown[] } | { type: 'health'; id: number; reset: boolean } | { type: 'close' };

export type WorkerMessage =
  | { type: 'ready'; info: unknown; methods: string[] }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; value?: unknown; error?: SerializedError }
  | { type: 'health'; id: number; value: ThreadHealth }
  | { type: 'event'; event: string; data: unknown }
  | { type: 'closed' };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return { message: error.message, name: error.name, code: (error as NodeJS.ErrnoException).code, stack: error.stack };
  }
  return { message: String(error) };
}

export function deserializeError(error: SerializedError, context: string): Error {
  const result = new Error(`${context}: ${error.message}`);
  if (error.code) (result as NodeJS.ErrnoException).code = error.code;
  if (error.stack) result.stack = `${result.message}\n--- in worker ---\n${error.stack}`;
  return result;
}
