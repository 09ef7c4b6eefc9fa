// Reading kube-proxy's rules back from the kernel (docs/binary-target-network.md#what-kube-proxy-writes): the nat
// table of the node namespace as `iptables-save` prints it, parsed into one entry per Service port: its ClusterIP
// rule in KUBE-SERVICES, its KUBE-SVC chain and, in order, each endpoint's KUBE-SEP chain with the `statistic
// --mode random --probability` it is chosen with (pkg/proxy/iptables/proxier.go writeServiceToEndpointRules: rule i
// of n carries 1/(n-i) as "%0.10f", the last none; iptables-save prints the kernel's 32-bit fixed point back, so
// 1/3 reads 0.33333333349). The readiness wait for a Service uses it too.
import { pollUntil } from '../../../core/poll.ts';
import { run } from './hostTools.ts';

export interface ServiceRules {
  /** namespace/name:port, kube-proxy's ServicePortName. */
  servicePort: string;
  clusterIp: string;
  port: number;
  svcChain: string;
  endpoints: EndpointRule[];
}

export interface EndpointRule {
  /** ip:port, as in the rule's comment. */
  endpoint: string;
  sepChain: string;
  /** As iptables-save prints it; undefined for the last (unconditional) rule. */
  probability: string | undefined;
  /** The DNAT target of the KUBE-SEP chain. */
  dnatTo: string | undefined;
}

export async function natTable(namespace: string): Promise<string> {
  return run('ip', ['netns', 'exec', namespace, 'iptables-save', '-t', 'nat']);
}

const CLUSTER_IP_RULE = /^-A KUBE-SERVICES -d (\S+)\/32 -p tcp -m comment --comment "([^"]+) cluster IP" -m tcp --dport (\d+) -j (KUBE-SVC-\S+)$/;
const SVC_TO_SEP = /^-A (KUBE-SVC-\S+) -m comment --comment "([^"]+) -> ([^"]+)"(?: -m statistic --mode random --probability (\S+))? -j (KUBE-SEP-\S+)$/;
const SEP_DNAT = /^-A (KUBE-SEP-\S+) -p tcp -m comment --comment "[^"]+" -m tcp -j DNAT --to-destination (\S+)$/;

/** Every TCP ClusterIP Service port in an `iptables-save -t nat` output, by ServicePortName. */
export function serviceRules(save: string): Map<string, ServiceRules> {
  const lines = save.split('\n');
  const dnat = new Map<string, string>();
  for (const line of lines) {
    const m = SEP_DNAT.exec(line);
    if (m) dnat.set(m[1]!, m[2]!);
  }
  const byChain = new Map<string, ServiceRules>();
  for (const line of lines) {
    const m = CLUSTER_IP_RULE.exec(line);
    if (m) byChain.set(m[4]!, { servicePort: m[2]!, clusterIp: m[1]!, port: Number(m[3]), svcChain: m[4]!, endpoints: [] });
  }
  for (const line of lines) {
    const m = SVC_TO_SEP.exec(line);
    const service = m && byChain.get(m[1]!);
    if (service) service.endpoints.push({ endpoint: m[3]!, sepChain: m[5]!, probability: m[4], dnatTo: dnat.get(m[5]!) });
  }
  return new Map([...byChain.values()].map((s) => [s.servicePort, s]));
}

/** Waits until kube-proxy has programmed `servicePort` with exactly these endpoints (ip:port, any order). */
export async function waitForServiceRules(namespace: string, servicePort: string, endpoints: string[], timeoutMs = 30_000): Promise<ServiceRules> {
  const want = [...endpoints].sort().join(',');
  const rules = await pollUntil(
    async () => serviceRules(await natTable(namespace)).get(servicePort),
    (s) =>
      s !== undefined &&
      s.endpoints
        .map((e) => e.endpoint)
        .sort()
        .join(',') === want,
    { timeoutMs, intervalMs: 200, what: `kube-proxy's rules for ${servicePort} -> ${want}` },
  );
  return rules!;
}
