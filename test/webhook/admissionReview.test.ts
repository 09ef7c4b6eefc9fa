// Parsing AdmissionReviews (v1, v1beta1) and building answers; decoding the Pod like a typed decoder would.
import { describe, expect, it } from 'vitest';
import { allowedResponse, deniedResponse, erroredResponse, parseAdmissionReview } from '../../webhook/admissionReview.ts';
import { decodePod } from '../../webhook/podDecoding.ts';
import { pod, review } from '../../scripts/webhookRig/pods.ts';

describe('parseAdmissionReview', () => {
  it.each(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'])('accepts %s and keeps the version and uid', (apiVersion) => {
    const parsed = parseAdmissionReview(JSON.stringify(review(pod(), { apiVersion, uid: 'u-1' })));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.apiVersion).toBe(apiVersion);
      expect(parsed.request.uid).toBe('u-1');
    }
  });

  it.each([
    ['malformed JSON', '{"apiVersion":', /couldn't decode the AdmissionReview/],
    ['a JSON array', '[]', /must be a JSON AdmissionReview object/],
    ['JSON null', 'null', /must be a JSON AdmissionReview object/],
    [
      'an unknown version',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview', request: { uid: 'x' } }),
      /unsupported AdmissionReview apiVersion "admission.k8s.io\/v2"/,
    ],
    ['no apiVersion', JSON.stringify({ kind: 'AdmissionReview', request: { uid: 'x' } }), /unsupported AdmissionReview apiVersion undefined/],
    ['a wrong kind', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'Pod', request: { uid: 'x' } }), /expected kind AdmissionReview, got "Pod"/],
    ['a missing request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), /has no request/],
    ['a request that is a string', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: 'x' }), /has no request/],
    ['a missing uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} }), /has no uid/],
    ['a numeric uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 7 } }), /has no uid/],
  ])('rejects %s with a clear message', (_, text, message) => {
    const parsed = parseAdmissionReview(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.status.code).toBe(400);
      expect(parsed.status.message).toMatch(message);
    }
  });

  it('cuts a huge apiVersion short in the message', () => {
    const parsed = parseAdmissionReview(JSON.stringify({ apiVersion: 'x'.repeat(10_000), kind: 'AdmissionReview' }));
    expect(!parsed.ok && parsed.status.message.length).toBeLessThan(300);
  });
});

describe('responses', () => {
  it('allowed without a patch has no patchType', () => {
    expect(allowedResponse('admission.k8s.io/v1beta1', 'u')).toEqual({
      apiVersion: 'admission.k8s.io/v1beta1',
      kind: 'AdmissionReview',
      response: { uid: 'u', allowed: true },
    });
    expect(allowedResponse('admission.k8s.io/v1', 'u', [])).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u', allowed: true },
    });
  });
  it('allowed with a patch carries base64 JSONPatch', () => {
    const ops = [{ op: 'add' as const, path: '/metadata/labels', value: { a: 'b' } }];
    const r = allowedResponse('admission.k8s.io/v1', 'u', ops).response;
    expect(r.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(r.patch!, 'base64').toString())).toEqual(ops);
  });
  it('denied and errored carry the status', () => {
    expect(
      deniedResponse('admission.k8s.io/v1', 'u', { code: 404, reason: 'NotFound', message: 'm', details: { name: 'n', kind: 'services' } }).response,
    ).toEqual({
      uid: 'u',
      allowed: false,
      status: { metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'm', details: { name: 'n', kind: 'services' } },
    });
    expect(erroredResponse('admission.k8s.io/v1', 'u', 413, 'too big').response.status).toMatchObject({
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: 'too big',
    });
  });
});

describe('decodePod', () => {
  it('accepts a Pod and a Pod with null fields', () => {
    expect(decodePod(pod(), { group: '', version: 'v1', kind: 'Pod' }).ok).toBe(true);
    expect(decodePod({ metadata: { labels: null }, spec: { volumes: null, hostAliases: null } }, undefined).ok).toBe(true);
  });
  it.each([
    [
      'a ConfigMap request',
      { apiVersion: 'v1', kind: 'ConfigMap', data: {} },
      { group: '', version: 'v1', kind: 'ConfigMap' },
      /expected a request for core\/v1 Pod, got core\/v1 ConfigMap/,
    ],
    ['an apps group request', pod(), { group: 'apps', version: 'v1', kind: 'Pod' }, /got apps\/v1 Pod/],
    ['an object of another kind', { kind: 'Secret' }, undefined, /unable to decode kind "Secret" into \*v1.Pod/],
    ['an object of another apiVersion', { apiVersion: 'v2', kind: 'Pod' }, undefined, /apiVersion "v2"/],
    ['a null object', null, undefined, /no content to decode \(request.object is null\)/],
    ['an array object', [], undefined, /an array/],
    [
      'labels as a list',
      { metadata: { labels: ['a'] } },
      undefined,
      /cannot unmarshal array into Go struct field Pod.metadata.labels of type map\[string\]string/,
    ],
    [
      'a numeric label value',
      { metadata: { labels: { a: 1 } } },
      undefined,
      /cannot unmarshal number into Go struct field Pod.metadata.labels of type string \(key "a"\)/,
    ],
    ['volumes as an object', { spec: { volumes: {} } }, undefined, /Pod.spec.volumes of type \[\]v1.Volume/],
    ['hostAliases as a string', { spec: { hostAliases: 'x' } }, undefined, /Pod.spec.hostAliases of type \[\]v1.HostAlias/],
    ['spec as a string', { spec: 'x' }, undefined, /Pod.spec of type v1.PodSpec/],
  ])('rejects %s', (_, object, kind, message) => {
    const decoded = decodePod(object, kind);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.message).toMatch(message);
  });
});
