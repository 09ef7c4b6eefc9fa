// The translation of the kind target's Istio objects into Envoy config (docs/binary-target-envoy.md), checked field by
// field against what istiod 1.29 generates for Gardener's gateway (/work/shared/reference/istio-to-envoy.md tables),
// and checked by the real Envoy binary itself (`envoy --mode validate` parses every field and builds every filter).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../../scenarios/loader.ts';
import { issueCertificates, issuedPems } from '../../../../scripts/cluster/certificates.ts';
import { MODES } from '../../../../scripts/cluster/modes.ts';
import { planCluster } from '../../../../scripts/cluster/plan.ts';
import { gatewayBootstrap } from '../../../../scripts/targets/binary/envoy/bootstrap.ts';
import { EndpointFiles } from '../../../../scripts/targets/binary/envoy/endpointFiles.ts';
import { renderGatewayObjects, type GatewayControlPlane } from '../../../../scripts/targets/binary/envoy/istioObjects.ts';
import { protoMerge, toProtoFieldNames, type JsonObject } from '../../../../scripts/targets/binary/envoy/protoMerge.ts';
import { translateGateway } from '../../../../scripts/targets/binary/envoy/translate.ts';
import { MISDIRECTED_REQUESTS_LUA, TLS_TERMINATION_LUA } from '../../../../scripts/targets/kind/manifests/istio.ts';
import type { KubeManifest } from '../../../../scripts/targets/kind/steps.ts';
import { binaryPath, itWithBinaries } from '../../../helpers/binaries.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function controlPlanes(scenarioName: string, mode: 'l7' | 'passthrough'): Promise<GatewayControlPlane[]> {
  const { scenario } = loadScenarioFile(scenarioName);
  const plan = planCluster(scenario.topology, MODES[mode], 1, { clientGroups: scenario.clients });
  return Promise.all([plan, ...plan.neighbours].map(async (p) => ({ plan: p, pems: issuedPems(await issueCertificates(p.certificates)) })));
}

function translate(cps: GatewayControlPlane[], objects: KubeManifest[] = renderGatewayObjects(cps)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-translate-'));
  dirs.push(dir);
  const files = new EndpointFiles(dir);
  const translation = translateGateway({
    objects,
    namespace: cps[0]!.plan.istioNamespace,
    bind: (port) => ({ ip: '127.0.0.1', port: port + 10_000 }),
    edsConfig: (c) => files.configSource(c),
  });
  for (const c of translation.clusters) files.write(c.name as string, [{ ip: '127.0.0.1', port: 30_443 }]);
  return { translation, dir };
}

/** Walks a path of keys and array indexes through the JSON config. */
function at(value: unknown, ...keys: (string | number)[]): unknown {
  return keys.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], value);
}

const clusterName = (ns: string, suffix = '') => `outbound|443||kube-apiserver${suffix}.${ns}.svc.cluster.local`;

describe('the Istio objects → Envoy config', () => {
  it('L7: one listener 0.0.0.0_9443 with an OPTIONAL_MUTUAL chain for the public host, Istio HCM fields and the EnvoyFilters applied', async () => {
    const cps = await controlPlanes('hot-client', 'l7');
    const { plan, pems } = cps[0]!;
    const { listeners } = translate(cps).translation;
    expect(listeners).toHaveLength(1);
    const listener = listeners[0] as JsonObject;
    expect(listener).toMatchObject({
      name: '0.0.0.0_9443',
      address: { socket_address: { address: '127.0.0.1', port_value: 19_443 } },
      per_connection_buffer_limit_bytes: 32768,
    });
    expect(listener.socket_options).toEqual([
      { level: 1, name: 9, int_value: 1, state: 'STATE_LISTENING' },
      { level: 6, name: 4, int_value: 55, state: 'STATE_LISTENING' },
      { level: 6, name: 5, int_value: 55, state: 'STATE_LISTENING' },
    ]);
    const chain = at(listener, 'filter_chains', 0) as JsonObject;
    expect(chain.filter_chain_match).toEqual({ server_names: [plan.publicHost] });
    const tls = at(chain, 'transport_socket', 'typed_config') as JsonObject;
    expect(tls.require_client_certificate).toBe(false);
    expect(at(tls, 'common_tls_context', 'alpn_protocols')).toEqual(['h2', 'http/1.1']);
    expect(at(tls, 'common_tls_context', 'validation_context', 'trusted_ca', 'inline_string')).toBe(pems.authority('ca-client'));
    expect(at(tls, 'common_tls_context', 'tls_certificates', 0, 'certificate_chain', 'inline_string')).toBe(pems.keyPair('kube-apiserver').certPem);
    const hcm = at(chain, 'filters', 0, 'typed_config') as JsonObject;
    expect(hcm).toMatchObject({
      stat_prefix: 'outbound_0.0.0.0_9443',
      use_remote_address: true,
      forward_client_cert_details: 'SANITIZE_SET',
      stream_idle_timeout: '0s',
    });
    expect(hcm.http2_protocol_options).toEqual({
      max_concurrent_streams: plan.topology.gateway.maxConcurrentStreams,
      initial_stream_window_size: 65536,
      initial_connection_window_size: 1048576,
    });
    const filters = hcm.http_filters as JsonObject[];
    expect(filters.map((f) => f.name)).toEqual([
      'envoy.filters.http.grpc_stats',
      'envoy.filters.http.fault',
      'envoy.filters.http.cors',
      'envoy.filters.http.lua.apiserver-tls-termination',
      'envoy.filters.http.lua.misdirected-requests',
      'envoy.filters.http.router',
    ]);
    // One copy of the Lua: the kind target's constants, carried by its rendered EnvoyFilters.
    expect(filters.slice(3, 5).map((f) => at(f, 'typed_config', 'default_source_code', 'inline_string'))).toEqual([
      TLS_TERMINATION_LUA,
      MISDIRECTED_REQUESTS_LUA,
    ]);
  });

  it('L7: routes mTLS (dynamic metadata from the Lua filter) → connection-upgrade (spdy and websocket) → default, with Istio route defaults', async () => {
    const cps = await controlPlanes('hot-client', 'l7');
    const ns = cps[0]!.plan.namespace;
    const { listeners } = translate(cps).translation;
    const routeConfig = at(listeners[0], 'filter_chains', 0, 'filters', 0, 'typed_config', 'route_config') as JsonObject;
    expect(routeConfig).toMatchObject({ name: `https.443.tls.kube-apiserver.${ns}`, validate_clusters: false, ignore_port_in_host_matching: true });
    const vhost = at(routeConfig, 'virtual_hosts', 0) as JsonObject;
    expect(vhost).toMatchObject({ name: `${cps[0]!.plan.publicHost}:443`, domains: [cps[0]!.plan.publicHost] });
    const routes = vhost.routes as JsonObject[];
    expect(routes.map((r) => at(r, 'route', 'cluster'))).toEqual([clusterName(ns, '-mtls'), clusterName(ns, '-connection-upgrade'), clusterName(ns)]);
    expect(at(routes[0], 'match', 'dynamic_metadata', 0)).toEqual({
      filter: 'envoy.filters.http.lua',
      path: [{ key: 'authenticated-kube-apiserver-host' }],
      value: { string_match: { exact: cps[0]!.plan.publicHost } },
    });
    expect(at(routes[1], 'match')).toEqual({
      prefix: '/',
      case_sensitive: true,
      headers: [
        { name: 'Connection', string_match: { exact: 'Upgrade' } },
        { name: 'Upgrade', present_match: true },
      ],
    });
    expect(at(routes[1], 'route', 'upgrade_configs')).toEqual([{ upgrade_type: 'spdy/3.1' }, { upgrade_type: 'websocket' }]);
    expect(at(routes[2], 'route')).toMatchObject({
      timeout: '0s',
      retry_policy: { num_retries: 2, retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes' },
    });
  });

  it('L7: three EDS clusters with LEAST_REQUEST, useClientProtocol, 86400s, keepalives and upstream TLS; MUTUAL presents the front-proxy certificate', async () => {
    const cps = await controlPlanes('hot-client', 'l7');
    const { plan, pems } = cps[0]!;
    const { clusters } = translate(cps).translation;
    const byName = new Map(clusters.map((c) => [c.name as string, c]));
    expect([...byName.keys()].sort()).toEqual(
      [clusterName(plan.namespace), clusterName(plan.namespace, '-connection-upgrade'), clusterName(plan.namespace, '-mtls')].sort(),
    );
    for (const cluster of clusters) {
      expect(cluster).toMatchObject({
        type: 'EDS',
        lb_policy: 'LEAST_REQUEST',
        connect_timeout: '10s',
        upstream_connection_options: { tcp_keepalive: { keepalive_time: 7200, keepalive_interval: 75 } },
      });
      expect(cluster.outlier_detection).toBeUndefined();
      expect(at(cluster, 'typed_extension_protocol_options', 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions')).toMatchObject({
        common_http_protocol_options: { max_connection_duration: '86400s' },
        use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
      });
      expect(at(cluster, 'transport_socket', 'typed_config', 'sni')).toBe('kubernetes.default.svc.cluster.local');
      expect(at(cluster, 'transport_socket', 'typed_config', 'common_tls_context', 'validation_context', 'trusted_ca', 'inline_string')).toBe(
        pems.authority('ca'),
      );
    }
    const common = (suffix: string) =>
      at(byName.get(clusterName(plan.namespace, suffix)), 'transport_socket', 'typed_config', 'common_tls_context') as JsonObject;
    expect(at(common('-mtls'), 'tls_certificates', 0, 'certificate_chain', 'inline_string')).toBe(pems.keyPair('istio-gateway-client').certPem);
    expect(common('').tls_certificates).toBeUndefined();
    // The CLUSTER MERGE of Gardener's filter: only the upgrade cluster offers http/1.1 by ALPN.
    expect(common('-connection-upgrade').alpn_protocols).toEqual(['http/1.1']);
    expect(common('').alpn_protocols).toBeUndefined();
  });

  it('passthrough: an SNI chain with tcp_proxy (1 day max) to a cluster with locality weighting, panic threshold 0 and no TLS', async () => {
    const cps = await controlPlanes('hot-client', 'passthrough');
    const ns = cps[0]!.plan.namespace;
    const { listeners, clusters } = translate(cps).translation;
    const chain = at(listeners[0], 'filter_chains', 0) as JsonObject;
    expect(chain.transport_socket).toBeUndefined();
    expect(chain.filter_chain_match).toEqual({ server_names: [cps[0]!.plan.publicHost] });
    expect(at(chain, 'filters', 0, 'typed_config')).toMatchObject({ cluster: clusterName(ns), max_downstream_connection_duration: '86400s' });
    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({
      lb_policy: 'LEAST_REQUEST',
      common_lb_config: { locality_weighted_lb_config: {}, healthy_panic_threshold: { value: 0 } },
      outlier_detection: { enforcing_success_rate: 0 },
    });
    expect(clusters[0]!.transport_socket).toBeUndefined();
  });

  it('a shared gateway: one chain, route configuration and set of clusters per control plane, each mTLS route in its own routes only', async () => {
    const cps = await controlPlanes('shared-gateway', 'l7');
    expect(cps).toHaveLength(2);
    const { listeners, clusters } = translate(cps).translation;
    const chains = at(listeners[0], 'filter_chains') as JsonObject[];
    expect(chains.map((c) => at(c, 'filter_chain_match', 'server_names', 0))).toEqual(cps.map((c) => c.plan.publicHost));
    for (const [i, chain] of chains.entries()) {
      const routes = at(chain, 'filters', 0, 'typed_config', 'route_config', 'virtual_hosts', 0, 'routes') as JsonObject[];
      expect(routes.map((r) => at(r, 'route', 'cluster'))).toEqual(['-mtls', '-connection-upgrade', ''].map((s) => clusterName(cps[i]!.plan.namespace, s)));
    }
    expect(clusters).toHaveLength(6);
  });

  it('refuses what it does not implement, naming the object and field, instead of dropping it', async () => {
    const cps = await controlPlanes('hot-client', 'l7');
    const objects = renderGatewayObjects(cps);
    const withRule = (edit: (spec: JsonObject) => void) =>
      objects.map((o) => {
        if (o.kind !== 'DestinationRule' || o.metadata.name !== 'kube-apiserver') return o;
        const spec = structuredClone(o.spec) as JsonObject;
        edit(spec);
        return { ...o, spec };
      });
    expect(() =>
      translate(
        cps,
        withRule((s) => ((s.trafficPolicy as JsonObject).portLevelSettings = [])),
      ),
    ).toThrow(
      `DestinationRule ${cps[0]!.plan.namespace}/kube-apiserver trafficPolicy: field(s) portLevelSettings are not implemented by the Envoy translation`,
    );
    const filter = objects.find((o) => o.kind === 'EnvoyFilter' && o.metadata.name === 'misdirected-requests')!;
    const replaced = structuredClone(filter);
    ((replaced.spec as JsonObject).configPatches as JsonObject[])[0]!.patch = { operation: 'REPLACE', value: {} };
    expect(() =>
      translate(
        cps,
        objects.map((o) => (o === filter ? replaced : o)),
      ),
    ).toThrow(`EnvoyFilter ${cps[0]!.plan.istioNamespace}/misdirected-requests configPatches[0]: HTTP_FILTER REPLACE is not implemented`);
    expect(() =>
      translate(
        cps,
        objects.filter((o) => o.kind !== 'Secret'),
      ),
    ).toThrow(/credentialName .*-kube-apiserver-tls: no Secret/);
  });

  it('merges EnvoyFilter values as Istio does: JSON names accepted, messages merged, lists appended, an Any of another type replaced', () => {
    const patch = toProtoFieldNames({ commonTlsContext: { alpnProtocols: ['http/1.1'] }, '@type': 'x' }) as JsonObject;
    expect(patch).toEqual({ common_tls_context: { alpn_protocols: ['http/1.1'] }, '@type': 'x' });
    expect(protoMerge({ '@type': 'x', sni: 's', common_tls_context: { alpn_protocols: ['h2'] } }, patch)).toEqual({
      '@type': 'x',
      sni: 's',
      common_tls_context: { alpn_protocols: ['h2', 'http/1.1'] },
    });
    expect(protoMerge({ typed_config: { '@type': 'a', keep: 1 } }, { typed_config: { '@type': 'b', other: 2 } })).toEqual({
      typed_config: { '@type': 'b', other: 2 },
    });
  });

  itWithBinaries('envoy')('the real Envoy accepts both bootstraps (envoy --mode validate builds every listener, filter and cluster)', async () => {
    for (const mode of ['l7', 'passthrough'] as const) {
      const cps = await controlPlanes('shared-gateway', mode);
      const { translation, dir } = translate(cps);
      const file = path.join(dir, 'bootstrap.json');
      const bootstrap = gatewayBootstrap({
        pod: { name: 'istio-ingressgateway-0', ip: '127.0.0.1', namespace: cps[0]!.plan.istioNamespace },
        admin: { ip: '127.0.0.1', port: 1 },
        translation,
      });
      fs.writeFileSync(file, JSON.stringify(bootstrap));
      const result = await execa(binaryPath('envoy'), ['--mode', 'validate', '-c', file, '--disable-hot-restart', '--log-level', 'error'], {
        reject: false,
        timeout: 60_000,
      });
      expect(result.exitCode, `${mode}: ${result.stderr.slice(-500)}`).toBe(0);
      expect(result.stdout).toContain(`configuration '${file}' OK`);
      // A field Envoy does not know fails validation: the check above is not vacuous.
      fs.writeFileSync(file, JSON.stringify({ ...bootstrap, no_such_field: 1 }));
      const bad = await execa(binaryPath('envoy'), ['--mode', 'validate', '-c', file, '--disable-hot-restart', '--log-level', 'error'], {
        reject: false,
        timeout: 60_000,
      });
      expect(bad.exitCode).not.toBe(0);
      expect(bad.stderr + bad.stdout).toContain('no_such_field');
    }
  });
});
