// The external programs the project drives, where to find them, and which Debian package provides each: one list
// for the tests (a missing tool skips its tests with that package named, or fails them under CI=true), the
// benchmarks (which install missing peers with apt) and the kind target's prerequisite check.
import fs from 'node:fs';
import path from 'node:path';

export interface ExternalTool {
  command: string;
  /** The Debian package that provides it (apt-get install <package>). */
  debianPackage: string;
  what: string;
}

export const TOOLS = {
  kubectl: { command: 'kubectl', debianPackage: 'kubernetes-client', what: 'a real client-go binary (the machine image ships one)' },
  curl: { command: 'curl', debianPackage: 'curl', what: 'HTTP/1.1 and HTTP/2 requests with full control of headers' },
  h2load: { command: 'h2load', debianPackage: 'nghttp2-client', what: "nghttp2's HTTP/2 load generator (the peer of the bench)" },
  haproxy: { command: 'haproxy', debianPackage: 'haproxy', what: 'the reference L7 balancer of the bench' },
  wrk: { command: 'wrk', debianPackage: 'wrk', what: 'an HTTP/1.1 load generator' },
  chromium: { command: 'chromium', debianPackage: 'chromium', what: 'headless browser for the report and dashboard tests (with playwright-core)' },
} as const satisfies Record<string, ExternalTool>;

export type ToolName = keyof typeof TOOLS;

/** Directories searched besides $PATH: some packages install to sbin, which a non-root PATH may lack. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The absolute path of a tool, or undefined when it is not installed. */
export function findTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, TOOLS[name].command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What to tell a user when a tool is missing. */
export function missingToolMessage(name: ToolName): string {
  const tool = TOOLS[name];
  return `${tool.command} not found (${tool.what}); install it with: apt-get install -y ${tool.debianPackage}`;
}

/** The tool's path, or an error that says how to install it. */
export function requireTool(name: ToolName): string {
  const found = findTool(name);
  if (!found) throw new Error(missingToolMessage(name));
  return found;
}
