import { describe, expect, it } from 'vitest';
import { histogramQuantile, subtractBuckets } from '../../scripts/measure/histogramQuantile.ts';
import { histogramBuckets, parsePrometheusText, PromTextError, sumBy, sumOf } from '../../scripts/measure/promText.ts';
import { isNotLongRunning } from '../../scripts/measure/scrape.ts';

// Shaped like a real kube-apiserver /metrics excerpt (labels as in k8s.io/apiserver/pkg/endpoints/metrics).
const SAMPLE = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"} 12
apiserver_request_total{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="GET",version="v1"} 30
apiserver_request_total{code="429",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"} 3
# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1",le="0.005"} 2
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1",le="0.025"} 10
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1",le="+Inf"} 12
apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"} 0.2
apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"} 12
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="GET",version="v1",le="0.005"} 30
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="GET",version="v1",le="0.025"} 30
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="GET",version="v1",le="+Inf"} 30
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="WATCH",version="v1",le="0.005"} 0
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="WATCH",version="v1",le="0.025"} 0
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="WATCH",version="v1",le="+Inf"} 5
# TYPE apiserver_current_inflight_requests gauge
apiserver_current_inflight_requests{request_kind="mutating"} 1
apiserver_current_inflight_requests{request_kind="readOnly"} 7
escaped_metric{path="a\\"b\\\\c\\nd"} 1.5e+3 1700000000000
`;

describe('Prometheus text parser', () => {
  const metrics = parsePrometheusText(SAMPLE);

  it('keeps every labelled series, with sums, counts and types', () => {
    expect(sumOf(metrics, 'apiserver_request_total')).toBe(45);
    expect(sumBy(metrics, 'apiserver_request_total', 'code')).toEqual({ '200': 42, '429': 3 });
    expect(sumBy(metrics, 'apiserver_request_total', 'verb')).toEqual({ LIST: 12, GET: 30, PUT: 3 });
    expect(sumOf(metrics, 'apiserver_request_duration_seconds_count', { verb: 'LIST' })).toBe(12);
    expect(sumOf(metrics, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' })).toBe(7);
    expect(metrics.types.apiserver_request_duration_seconds).toBe('histogram');
  });

  it('unescapes label values and accepts timestamps and exponents', () => {
    const s = metrics.samples.find((x) => x.name === 'escaped_metric')!;
    expect(s.labels.path).toBe('a"b\\c\nd');
    expect(s.value).toBe(1500);
  });

  it('sums histogram buckets across series', () => {
    expect([...histogramBuckets(metrics, 'apiserver_request_duration_seconds')]).toEqual([
      [0.005, 32],
      [0.025, 40],
      [Infinity, 47],
    ]);
  });

  it('leaves out long-running verbs (WATCH, CONNECT) for per-replica latency, as apiserver SLO queries do', () => {
    expect([...histogramBuckets(metrics, 'apiserver_request_duration_seconds', isNotLongRunning)]).toEqual([
      [0.005, 32],
      [0.025, 40],
      [Infinity, 42],
    ]);
  });

  it('rejects malformed lines with the line number', () => {
    expect(() => parsePrometheusText('ok 1\nbad{x="1" 2\n')).toThrow(PromTextError);
    expect(() => parsePrometheusText('ok 1\nbad{x="1" 2\n')).toThrow(/line 2/);
    expect(() => parsePrometheusText('novalue\n')).toThrow(/missing value/);
  });
});

describe('histogram_quantile', () => {
  const buckets = new Map([
    [0.005, 32],
    [0.025, 40],
    [Infinity, 42],
  ]);
  it('interpolates inside the bucket like PromQL', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.005 * (21 / 32), 12);
    expect(histogramQuantile(0.9, buckets)).toBeCloseTo(0.005 + 0.02 * ((37.8 - 32) / 8), 12);
  });
  it('returns the highest finite bound when the rank is in +Inf, NaN without data', () => {
    expect(histogramQuantile(0.99, buckets)).toBe(0.025);
    expect(
      histogramQuantile(
        0.5,
        new Map([
          [0.005, 0],
          [Infinity, 0],
        ]),
      ),
    ).toBeNaN();
  });
  it('subtracts two scrapes bucket by bucket', () => {
    expect([
      ...subtractBuckets(
        buckets,
        new Map([
          [0.005, 30],
          [0.025, 30],
          [Infinity, 30],
        ]),
      ),
    ]).toEqual([
      [0.005, 2],
      [0.025, 10],
      [Infinity, 12],
    ]);
  });
});
