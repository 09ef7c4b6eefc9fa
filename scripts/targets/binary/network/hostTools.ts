// The programs of this machine that build the binary target's network (docs/binary-target-network.md#what-it-needs):
// `ip` (iproute2) for namespaces, the bridge, veths, addresses and routes; `iptables` and `iptables-save` (kube-proxy
// runs them, the tests read the rules); `sysctl` (procps) inside the run's namespaces; `conntrack` (the open
// connections per replica, connectionTable.ts); and root, since every one of them changes the kernel. `run()` executes one
// with a one-line error that names the command and its first line of stderr.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

export const HOST_TOOLS = {
  ip: { debianPackage: 'iproute2', what: 'network namespaces, the bridge, veth pairs, addresses and routes' },
  iptables: { debianPackage: 'iptables', what: 'the rules kube-proxy writes (iptables mode)' },
  'iptables-save': { debianPackage: 'iptables', what: "reading kube-proxy's rules back" },
  'iptables-restore': { debianPackage: 'iptables', what: 'how kube-proxy writes its rules' },
  sysctl: { debianPackage: 'procps', what: "turning IPv6 off inside the run's namespaces" },
  conntrack: { debianPackage: 'conntrack', what: 'counting the open connections to each replica (kube-proxy clears stale entries with it too)' },
} as const;

export type HostToolName = keyof typeof HOST_TOOLS;

/** Searched after $PATH: these live in sbin, which a non-root PATH may lack. */
const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** $PATH plus the sbin directories: the PATH the network's child processes (kube-proxy) get. */
export function pathWithSbin(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = (env.PATH ?? '/usr/bin:/bin').split(path.delimiter).filter(Boolean);
  return [...dirs, ...SBIN_DIRS.filter((d) => !dirs.includes(d))].join(path.delimiter);
}

/** The absolute path of a tool, or undefined. */
export function findHostTool(name: HostToolName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of pathWithSbin(env).split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * What keeps the network from being built here, one line each (empty: nothing). Not root: namespaces and iptables
 * need CAP_NET_ADMIN and CAP_SYS_ADMIN in the machine's own namespaces, which a rootless user namespace does not give
 * over the real /run/netns and /etc/netns.
 */
export function networkProblems(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('the binary target builds network namespaces, veth pairs and iptables rules: run it as root (e.g. sudo)');
  for (const name of Object.keys(HOST_TOOLS) as HostToolName[]) {
    if (!findHostTool(name))
      problems.push(`${name} not found (${HOST_TOOLS[name].what}); install it with: apt-get install -y ${HOST_TOOLS[name].debianPackage}`);
  }
  if (!fs.existsSync('/proc/self/ns/net')) problems.push('this kernel has no network namespaces (/proc/self/ns/net is missing)');
  return problems;
}

/** The tool's path, or an error that says how to install it. */
export function requireHostTool(name: HostToolName): string {
  const found = findHostTool(name);
  if (!found) throw new Error(`${name} not found (${HOST_TOOLS[name].what}); install it with: apt-get install -y ${HOST_TOOLS[name].debianPackage}`);
  return found;
}

/** Runs a tool to completion (bounded); rejects with `<command line>: <first stderr line>`. Resolves with stdout. */
export async function run(name: HostToolName, args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const result = await execa(requireHostTool(name), args, { reject: false, timeout: options.timeoutMs ?? 15_000, env: { PATH: pathWithSbin() } });
  if (result.exitCode !== 0 || result.timedOut) {
    const reason = result.timedOut
      ? `timed out after ${options.timeoutMs ?? 15_000} ms`
      : (result.stderr.split('\n').find((l) => l.trim()) ?? `exit code ${result.exitCode}`);
    throw new Error(`${name} ${args.join(' ')}: ${reason}`);
  }
  return result.stdout;
}

/** `ip netns exec <namespace>`: what a process is prefixed with to run inside a namespace (ManagedProcess `prefix`). */
export function enterNamespace(namespace: string): string[] {
  return [requireHostTool('ip'), 'netns', 'exec', namespace];
}
