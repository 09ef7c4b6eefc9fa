// kube-apiserver's MutatingAdmissionWebhook plugin (k8s.io/apiserver/pkg/admission/plugin/webhook/mutating/
// dispatcher.go, generic/webhook.go) for the simulated seed kube-apiserver: MutatingWebhookConfigurations sorted
// by name, their webhooks in order; each applicable webhook (rules, namespaceSelector, objectSelector) is called with
// an AdmissionReview; a JSONPatch answer is applied before the next webhook runs; a denial rejects the request with
// `admission webhook "<name>" denied the request: <message>`; a failed call rejects with 500 (failurePolicy Fail, the
// v1 default) or is skipped (Ignore). reinvocationPolicy IfNeeded is not supported (Never behaviour, documented).
import { randomUUID } from 'node:crypto';
import { applyPatch } from 'rfc6902';
import type { AdmissionAttributes, AdmissionResult, AdmitFunction } from '../admissionHook.ts';
import { findResource } from '../resources.ts';
import { ruleMatches, type RuleWithOperations } from './rules.ts';
import { selectorMatches, type LabelSelector } from './selectors.ts';
import { callWebhook, CallingWebhookError, type ReviewResponse } from './webhookCall.ts';
import type { KubeObject } from '../../../scripts/core/kubeObject.ts';
import type { StatusObject } from '../status.ts';

export interface ServiceReference {
  namespace: string;
  name: string;
  port?: number;
  path?: string;
}

export interface MutatingWebhookAdmissionOptions {
  listWebhookConfigurations(): KubeObject[];
  getNamespace(name: string): KubeObject | undefined;
  /** Maps a clientConfig.service reference to a reachable URL (the simulator knows where the webhook pod listens). */
  resolveServiceUrl(reference: ServiceReference): string | undefined;
  /** Observes every call (tests, logs). */
  onCall?(event: { webhook: string; outcome: 'allowed' | 'patched' | 'denied' | 'failed-closed' | 'failed-open'; detail?: string }): void;
}

interface MutatingWebhook {
  name: string;
  clientConfig: { url?: string; service?: ServiceReference; caBundle?: string };
  rules?: RuleWithOperations[];
  failurePolicy?: 'Fail' | 'Ignore';
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  admissionReviewVersions?: string[];
  timeoutSeconds?: number;
  sideEffects?: string;
}

const SUPPORTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];

export function createMutatingWebhookAdmission(options: MutatingWebhookAdmissionOptions): AdmitFunction {
  return async (attributes: AdmissionAttributes): Promise<AdmissionResult> => {
    let object = attributes.object;
    const configurations = [...options.listWebhookConfigurations()].sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
    for (const configuration of configurations) {
      const webhooks = (configuration.webhooks as MutatingWebhook[] | undefined) ?? [];
      for (const webhook of webhooks) {
        if (!applies(webhook, { ...attributes, object }, options)) continue;
        const result = await invoke(webhook, { ...attributes, object }, options);
        if (result.kind === 'denied') return { allowed: false, status: result.status };
        if (result.kind === 'patched') object = result.object;
      }
    }
    return { allowed: true, object };
  };
}

function applies(webhook: MutatingWebhook, attributes: AdmissionAttributes, options: MutatingWebhookAdmissionOptions): boolean {
  const namespaced = findResource(attributes.group, attributes.version, attributes.resource)?.namespaced ?? attributes.namespace !== '';
  if (!(webhook.rules ?? []).some((rule) => ruleMatches(rule, attributes, namespaced))) return false;
  if (namespaced) {
    // A namespace the store does not know has no labels: only an empty selector matches it.
    const labels = (options.getNamespace(attributes.namespace)?.metadata.labels ?? {}) as Record<string, string>;
    if (!selectorMatches(webhook.namespaceSelector, labels)) return false;
  } else if (attributes.resource === 'namespaces') {
    if (!selectorMatches(webhook.namespaceSelector, attributes.object.metadata.labels)) return false;
  }
  const objectLabels = attributes.object.metadata.labels;
  const oldLabels = attributes.oldObject?.metadata.labels;
  return selectorMatches(webhook.objectSelector, objectLabels) || (attributes.oldObject !== undefined && selectorMatches(webhook.objectSelector, oldLabels));
}

type Invocation = { kind: 'allowed' } | { kind: 'patched'; object: KubeObject } | { kind: 'denied'; status: StatusObject };

async function invoke(webhook: MutatingWebhook, attributes: AdmissionAttributes, options: MutatingWebhookAdmissionOptions): Promise<Invocation> {
  const failOpen = webhook.failurePolicy === 'Ignore';
  const fail = (error: Error): Invocation => {
    options.onCall?.({ webhook: webhook.name, outcome: failOpen ? 'failed-open' : 'failed-closed', detail: error.message });
    if (failOpen) return { kind: 'allowed' };
    return { kind: 'denied', status: internalError(error.message) };
  };
  const version = (webhook.admissionReviewVersions ?? []).find((v) => SUPPORTED_REVIEW_VERSIONS.includes(v));
  if (!version)
    return fail(new CallingWebhookError(webhook.name, `webhook does not accept known AdmissionReview versions (${SUPPORTED_REVIEW_VERSIONS.join(', ')})`));
  const target = resolveTarget(webhook, options);
  if (!target) return fail(new CallingWebhookError(webhook.name, 'failed to resolve the webhook service'));

  const uid = randomUUID();
  const review = {
    apiVersion: `admission.k8s.io/${version}`,
    kind: 'AdmissionReview' as const,
    request: {
      uid,
      kind: attributes.kind,
      resource: { group: attributes.group, version: attributes.version, resource: attributes.resource },
      ...(attributes.subresource ? { subResource: attributes.subresource } : {}),
      requestKind: attributes.kind,
      requestResource: { group: attributes.group, version: attributes.version, resource: attributes.resource },
      name: attributes.name,
      namespace: attributes.namespace,
      operation: attributes.operation,
      userInfo: {
        username: attributes.userInfo.username,
        ...(attributes.userInfo.uid ? { uid: attributes.userInfo.uid } : {}),
        groups: attributes.userInfo.groups,
        ...(attributes.userInfo.extra ? { extra: attributes.userInfo.extra } : {}),
      },
      object: attributes.object,
      oldObject: attributes.oldObject ?? null,
      dryRun: attributes.dryRun,
      options: { apiVersion: 'meta.k8s.io/v1', kind: attributes.operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions' },
    },
  };
  let response: ReviewResponse;
  try {
    response = await callWebhook(webhook.name, target, review, (webhook.timeoutSeconds ?? 10) * 1000);
  } catch (error) {
    return fail(error as Error);
  }
  if (!response.allowed) {
    options.onCall?.({ webhook: webhook.name, outcome: 'denied', detail: response.status?.message });
    return { kind: 'denied', status: deniedStatus(webhook.name, response.status) };
  }
  if (!response.patch) {
    options.onCall?.({ webhook: webhook.name, outcome: 'allowed' });
    return { kind: 'allowed' };
  }
  if (response.patchType !== 'JSONPatch')
    return fail(new CallingWebhookError(webhook.name, `received invalid webhook response: unsupported patch type "${response.patchType}"`));
  let operations: unknown;
  try {
    operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
  } catch (error) {
    return fail(new CallingWebhookError(webhook.name, `received invalid webhook response: patch is not JSON: ${(error as Error).message}`));
  }
  if (!Array.isArray(operations)) return fail(new CallingWebhookError(webhook.name, 'received invalid webhook response: patch is not a JSON array'));
  const patched = structuredClone(attributes.object);
  const results = applyPatch(patched, operations as Parameters<typeof applyPatch>[1]);
  const failed = results.find((r) => r !== null);
  // kube-apiserver reports a patch that cannot be applied as an internal error (it is the webhook's fault).
  if (failed)
    return {
      kind: 'denied',
      status: internalError(`failed calling webhook "${webhook.name}": failed to apply the JSONPatch: ${String((failed as Error).message ?? failed)}`),
    };
  if (!patched || typeof patched !== 'object' || !patched.metadata)
    return { kind: 'denied', status: internalError(`webhook "${webhook.name}" returned a patch that removed the object's metadata`) };
  options.onCall?.({ webhook: webhook.name, outcome: 'patched' });
  return { kind: 'patched', object: patched };
}

function resolveTarget(webhook: MutatingWebhook, options: MutatingWebhookAdmissionOptions): { url: string; caPem?: string; servername?: string } | undefined {
  const caPem = webhook.clientConfig.caBundle ? Buffer.from(webhook.clientConfig.caBundle, 'base64').toString('utf8') : undefined;
  if (webhook.clientConfig.url) return { url: webhook.clientConfig.url, caPem };
  const service = webhook.clientConfig.service;
  if (!service) return undefined;
  const url = options.resolveServiceUrl({ ...service, port: service.port ?? 443 });
  return url ? { url, caPem, servername: `${service.name}.${service.namespace}.svc` } : undefined;
}

/** webhookerrors.ToStatusErr: "admission webhook %q denied the request: <message>", code at least 400. */
function deniedStatus(name: string, result: ReviewResponse['status']): StatusObject {
  const deniedBy = `admission webhook "${name}" denied the request`;
  const message = result?.message ? `${deniedBy}: ${result.message}` : result?.reason ? `${deniedBy}: ${result.reason}` : `${deniedBy} without explanation`;
  const code = typeof result?.code === 'number' && result.code >= 400 ? result.code : 400;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    ...(result?.reason ? { reason: result.reason } : {}),
    ...(result?.details ? { details: result.details as StatusObject['details'] } : {}),
    code,
  };
}

function internalError(message: string): StatusObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}
