// The binaries command's failures, each with the exit code of the documented scheme (scripts/core/exitCodes.ts):
// a missing or too old toolchain, or an unreachable registry, is a missing prerequisite (2); a build that fails for
// another reason could not be completed (3).
import { EXIT_BAD_INPUT, EXIT_RUNTIME } from '../core/exitCodes.ts';

export class BinariesProblem extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const missingPrerequisite = (message: string) => new BinariesProblem(message, EXIT_BAD_INPUT);
export const buildFailed = (message: string) => new BinariesProblem(message, EXIT_RUNTIME);

/** What the go command or pip prints when the registry cannot be reached (DNS, TCP, TLS, proxy). */
const UNREACHABLE =
  /dial tcp|no such host|connection refused|i\/o timeout|network is unreachable|TLS handshake timeout|proxyconnect|Temporary failure in name resolution|Could not fetch URL|NewConnectionError|Max retries exceeded/i;

export function isUnreachableRegistry(output: string): boolean {
  return UNREACHABLE.test(output);
}

/** The first line of a tool's output that says what went wrong (or the last non-empty line). */
export function firstErrorLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /error|cannot|refused|not found|no such|failed|invalid/i.test(l)) ?? lines.at(-1) ?? '(no output)';
}
