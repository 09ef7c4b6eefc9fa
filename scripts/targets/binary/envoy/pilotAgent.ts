// What Istio's pilot-agent does around Envoy in a gateway pod, which the binary target does itself
// (docs/binary-target-envoy.md#bootstrap): Envoy's command-line flags (istio/istio pkg/envoy/proxy.go (*envoy).args;
// ProxyConfig drainDuration 45s, pkg/config/mesh/mesh.go DefaultProxyConfig) and the termination of a pod
// (pkg/envoy/agent.go terminate, pkg/envoy/admin.go DrainListeners): on SIGTERM a graceful drain of every listener
// (a gateway drains all, a sidecar only inbound), which with `--drain-strategy immediate` sends every HTTP/2
// client a GOAWAY and HTTP/1.1 clients `Connection: close` at once, then terminationDrainDuration (5 s) of grace
// for requests in flight before Envoy is stopped.
import http from 'node:http';

/** pilot-agent's flags besides -c, --concurrency and --disable-hot-restart (which envoyProcess.ts passes). */
export const PILOT_AGENT_ENVOY_ARGS = [
  '--drain-time-s',
  '45',
  '--drain-strategy',
  'immediate',
  '--local-address-ip-version',
  'v4',
  '--file-flush-interval-msec',
  '1000',
  '--allow-unknown-static-fields',
];

/** ProxyConfig terminationDrainDuration default. */
export const TERMINATION_DRAIN_MS = 5_000;

/** POST /drain_listeners?graceful on Envoy's admin interface (what DrainListeners sends for a gateway). */
export function drainListeners(adminAddress: string, agent?: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(`http://${adminAddress}/drain_listeners?graceful`, { method: 'POST', timeout: 2_000, agent }, (response) => {
      response.resume();
      response.on('end', () =>
        response.statusCode === 200 ? resolve() : reject(new Error(`POST /drain_listeners?graceful on ${adminAddress}: HTTP ${response.statusCode}`)),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`POST /drain_listeners?graceful on ${adminAddress} timed out`)));
    request.on('error', reject);
    request.end();
  });
}
