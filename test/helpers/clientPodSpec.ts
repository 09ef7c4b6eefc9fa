// A client-go pod spec for tests that drive sim/clients directly: one pod reaching `server` (a public name that its
// host alias maps to `aliasIp`), with a fast client-go profile unless the test overrides it.
import type { ClientPodSpec } from '../../scripts/core/clientPod.ts';

export interface TestPodPath {
  /** The pod's own IP (the source address it binds). */
  ip: string;
  /** Where the host alias sends api.test.example. */
  aliasIp: string;
  server: string;
  caPem: string;
  token: string;
}

export function testClientPod(path: TestPodPath, overrides: Partial<ClientPodSpec> = {}, index = 0): ClientPodSpec {
  return {
    name: `pod-${index}`,
    group: 'test',
    namespace: 'clients',
    ip: path.ip,
    labels: {},
    hostAliases: [{ ip: path.aliasIp, hostnames: ['api.test.example'] }],
    kubeconfig: { server: path.server, caPem: path.caPem, token: path.token },
    profile: 'client-go',
    qps: 1000,
    burst: 1000,
    rate: 100,
    arrival: 'constant',
    mix: [{ verb: 'get', resource: 'leases', weight: 1, objects: 2 }],
    watches: [],
    http1: { connections: 4 },
    maxRetries: 10,
    ...overrides,
  };
}
