// How kube-proxy picks a backend for a NEW connection to a Service VIP (docs/kube-proxy.md#iptables-mode, #ipvs-mode):
// - iptables mode: each Service chain has rules `-m statistic --mode random --probability 1/(n-i)`, i.e. a
//   uniform random endpoint per new connection (kubernetes pkg/proxy/iptables/proxier.go).
// - ipvs mode: the default scheduler is "rr" (pkg/proxy/ipvs/proxier.go `defaultScheduler`), decided per node; the
//   simulator has one node, so it is a single round-robin sequence per Service.
// Established connections never move: that is the whole hotspot.
import type { Rng } from '../../scripts/core/random.ts';

export type KubeProxyMode = 'iptables' | 'ipvs';

export interface BackendChooser {
  /** Index into the ready endpoints, or undefined when there are none. */
  choose(readyCount: number): number | undefined;
}

export function createBackendChooser(mode: KubeProxyMode, rng: Rng): BackendChooser {
  if (mode === 'iptables') {
    return { choose: (n) => (n === 0 ? undefined : rng.int(n)) };
  }
  let next = 0;
  return {
    choose(n) {
      if (n === 0) return undefined;
      const index = next % n;
      next = (next + 1) % n;
      return index;
    },
  };
}
