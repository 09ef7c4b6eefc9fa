// A pod's view of the network, for the client profiles: where a host name resolves and which source address the
// pod's connections carry. In the simulator (simulatedPodNetwork) a name resolves as it would in a pod, hostAliases
// first and then cluster DNS (sim/network/resolver.ts), privileged ports are mapped, and connections bind the pod's
// own loopback IP so kube-proxy and network policy see the pod. A client running in a real pod uses the system
// resolver (which reads the pod's /etc/hosts, where the kubelet wrote the hostAliases) and the pod's own address.
import { mapPrivilegedPort } from '../../scripts/core/endpoint.ts';
import { resolveForPod } from '../network/resolver.ts';

export type PodAddressResolution = { ip: string; port: number } | { error: string };

export interface PodNetwork {
  /** Where `host:port` leads for this pod (a DNS error is `{ error }`). */
  resolve(pod: ClientPodSpec, host: string, port: number): PodAddressResolution | Promise<PodAddressResolution>;
  /** The source address to bind for connections the pod opens, or undefined for the system's choice. */
  sourceAddress(pod: ClientPodSpec): string | undefined;
}

export function simulatedPodNetwork(services: readonly ServiceRecord[], privilegedPortOffset: number): PodNetwork {
  return {
    resolve(pod, host, port) {
      const resolved = resolveForPod(host, pod, services);
      if (resolved.via === 'nxdomain')
        return { error: `dial tcp: lookup ${host}: no such host (pod ${pod.namespace}/${pod.name}, tried ${resolved.tried.join(', ')})` };
      return { ip: resolved.ip, port: mapPrivilegedPort(port, privilegedPortOffset) };
    },
    sourceAddress: (pod) => pod.ip,
  };
}

/**
 * A client running in a real pod: names resolve through the system resolver (getaddrinfo), which reads the pod's
 * /etc/hosts first, where the kubelet wrote the pod's hostAliases (so the webhook's alias for the public API name
 * applies), then cluster DNS with the pod's search domains (so `kube-apiserver` finds the Service of its namespace),
 * as Go's resolver does for client-go. Connections leave from the pod's own address, so no source is bound.
 */
export function systemPodNetwork(lookup: typeof systemLookup = systemLookup): PodNetwork {
  return {
    async resolve(pod, host, port) {
      if (isIP(host) !== 0) return { ip: host, port };
      try {
        const { address } = await lookup(host);
        return { ip: address, port };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const reason = code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'EAI_NODATA' ? 'no such host' : ((error as Error).message ?? String(code));
        return { error: `dial tcp: lookup ${host}: ${reason} (pod ${pod.namespace}/${pod.name})` };
      }
    },
    sourceAddress: () => undefined,
  };
}

function systemLookup(host: string): Promise<{ address: string }> {
  return dnsLookup(host, { verbatim: true });
}

import { isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import type { ClientPodSpec } from '../../scripts/core/clientPod.ts';
import type { ServiceRecord } from '../../scripts/core/service.ts';
