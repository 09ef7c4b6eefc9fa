// One replica's request pipeline, in kube-apiserver's filter order: Audit-Id, authentication (401), request info,
// admission of load (API Priority and Fairness when it is on, apfFilter.ts; otherwise the max-inflight limit: 429 +
// Retry-After, watches exempt), a worker and the verb's service time, admission plugins for writes, the storage
// operation, the response, and the apiserver_request_total / apiserver_request_duration_seconds observation when the
// response is done.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Rng } from '../../scripts/core/random.ts';
import type { AdmitFunction, UserInfo } from './admissionHook.ts';
import type { ExecutionLease } from './apf/priorityAndFairness.ts';
import { nonResourceDigest, resourceDigest, timeoutParam, workInputsOf, type ReplicaApf } from './apfFilter.ts';
import type { Authenticator } from './authn.ts';
import type { CapacityVerb, ReplicaCapacity } from './capacity.ts';
import { discoveryDocument } from './discovery.ts';
import { startGracefulShutdown } from '../../webhook/gracefulGoaway.ts';
import { KUBE_APISERVER_MAX_REQUEST_BODY_BYTES } from '../../webhook/constants.ts';
import { openApiDocument, openApiV2Document } from './openapi.ts';
import type { ReplicaMetrics, RequestLabels } from './metrics.ts';
import { applyPatchBody } from './patch.ts';
import { isMutating, metricsScope, metricsVerb, parseRequestInfo, type ResourceRequest } from './requestInfo.ts';
import { apiVersionOf, SELF_SUBJECT_REVIEW, type ResourceInfo } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { StatusError, statuses, type StatusObject } from './status.ts';
import type { ObjectStore, StoredObject } from './store.ts';
import { toTable, wantsTable } from './table.ts';
import { serveWatch } from './watch.ts';
import type { KubeObject } from '../../scripts/core/kubeObject.ts';

export type Request = http.IncomingMessage | http2.Http2ServerRequest;
export type Response = http.ServerResponse | http2.Http2ServerResponse;

export interface ReplicaContext {
  name: string;
  store: ObjectStore;
  authn: Authenticator;
  capacity: ReplicaCapacity;
  metrics: ReplicaMetrics;
  rng: Rng;
  goawayChance: number;
  isReady: () => boolean;
  serverAddress: string;
  admit?: AdmitFunction;
  /** Requests whose handling (and metrics observation) has not finished yet, watches included. */
  activeRequests: number;
  /** API Priority and Fairness of this replica process; undefined when it is off (--enable-priority-and-fairness=false). */
  apf: ReplicaApf | undefined;
}

const ANONYMOUS_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

export async function handleRequest(ctx: ReplicaContext, req: Request, res: Response): Promise<void> {
  const started = performance.now();
  res.setHeader('audit-id', randomUUID());
  const method = req.method ?? 'GET';
  const info = parseRequestInfo(method, req.url ?? '/');

  if (info.kind === 'non-resource' && ANONYMOUS_PATHS.has(info.path)) {
    if (info.path === '/readyz')
      return sendText(res, ctx.isReady() ? 200 : 500, ctx.isReady() ? 'ok' : '[-]shutdown failed: reason withheld\nreadyz check failed\n');
    if (info.path === '/version' || info.path === '/version/') return sendJson(res, 200, discoveryDocument('/version', ctx.serverAddress));
    return sendText(res, 200, 'ok');
  }

  const user = ctx.authn.authenticate(req.socket as TLSSocket, req.headers);
  if (!user) return sendJson(res, 401, statuses.unauthorized());

  const apf = ctx.apf;
  // The library's clock: performance.timeOrigin + performance.now(); the wait limit counts from here.
  const receivedAtMs = performance.timeOrigin + started;

  if (info.kind === 'non-resource') {
    let lease: ExecutionLease | undefined;
    if (apf) {
      const timeout = timeoutParam(info.query);
      if (!timeout.ok) return sendJson(res, 400, statuses.badRequest(timeout.message));
      lease = await apf.dispatch(nonResourceDigest(info, user, method), undefined, res, receivedAtMs, timeout.userTimeoutMs);
      if (!lease) return;
    }
    try {
      if (info.path === '/metrics') {
        const text = await ctx.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (info.path.replace(/\/+$/, '') === '/openapi/v2') {
        const v2 = openApiV2Document(req.headers.accept);
        res.writeHead(200, { 'content-type': v2.contentType, 'content-length': v2.body.length });
        res.end(v2.body);
        return;
      }
      const doc = info.path.startsWith('/openapi/') ? openApiDocument(info.path) : discoveryDocument(info.path, ctx.serverAddress);
      return doc ? sendJson(res, 200, doc) : sendJson(res, 404, statuses.pathNotFound());
    } finally {
      lease?.finish();
    }
  }

  const labels: RequestLabels = {
    verb: metricsVerb(info, method),
    group: info.group,
    version: info.version,
    resource: info.resource,
    subresource: info.subresource,
    scope: metricsScope(info),
    dryRun: info.query.get('dryRun') === 'All',
  };
  const observe = () => ctx.metrics.recordRequest(labels, res.statusCode, (performance.now() - started) / 1000);

  if (apf) return handleWithApf(ctx, apf, info, user, req, res, labels, observe, receivedAtMs);

  if (info.verb === 'watch') return handleWatch(ctx, info, req, res, labels, observe);

  const kind = isMutating(info.verb) ? 'mutating' : 'readOnly';
  if (!ctx.capacity.tryAcquireInflight(kind)) {
    res.setHeader('retry-after', String(ctx.capacity.retryAfterSeconds));
    sendJson(res, 429, statuses.tooManyRequests(ctx.capacity.retryAfterSeconds));
    observe();
    return;
  }
  return serveAdmitted(ctx, info, req, res, user, observe, () => ctx.capacity.releaseInflight(kind));
}

/**
 * Serves a request that may execute (max-inflight let it through, or APF dispatched it): `release` gives back its slot,
 * exactly once, when the answer is done or the client went away first; then the request is observed and
 * --goaway-chance may close the connection.
 */
async function serveAdmitted(
  ctx: ReplicaContext,
  info: ResourceRequest,
  req: Request,
  res: Response,
  user: UserInfo,
  observe: () => void,
  release: () => void,
): Promise<void> {
  let released = false;
  const releaseOnce = () => {
    if (released) return;
    released = true;
    release();
  };
  res.once('close', releaseOnce);
  try {
    await serve(ctx, info, req, res, user);
  } finally {
    releaseOnce();
    observe();
    maybeGoaway(ctx, req);
  }
}

/** Reads the body, waits for a worker and the verb's service time, runs the operation and answers. */
async function serve(ctx: ReplicaContext, info: ResourceRequest, req: Request, res: Response, user: UserInfo): Promise<void> {
  try {
    // A SelfSubjectReview carries nothing the answer depends on (kubectl sends it as protobuf): don't parse it.
    const needsBody = isMutating(info.verb) && info.verb !== 'delete' && info.verb !== 'deletecollection' && info.info !== SELF_SUBJECT_REVIEW;
    const body = needsBody ? await readJsonBody(req) : await drain(req);
    const { status, json } = await ctx.capacity.execute(capacityVerb(info.verb), () => perform(ctx, info, req, body, user));
    sendRaw(res, status, json);
  } catch (error) {
    const status = error instanceof StatusError ? error.status : statuses.internal((error as Error).message);
    sendJson(res, status.code, status);
  }
}

/**
 * A resource request with API Priority and Fairness on: the deadline from ?timeout=, APF (queue, then execute, or a
 * 429), then the same pipeline as without APF. A request holds its seats while it waits for a worker and executes;
 * apiserver_current_inflight_requests follows what APF lets execute, by kind.
 */
async function handleWithApf(
  ctx: ReplicaContext,
  apf: ReplicaApf,
  info: ResourceRequest,
  user: UserInfo,
  req: Request,
  res: Response,
  labels: RequestLabels,
  observe: () => void,
  receivedAtMs: number,
): Promise<void> {
  // WithRequestDeadline skips long-running requests: a watch's ?timeout= does not matter here.
  const timeout = info.verb === 'watch' ? ({ ok: true, userTimeoutMs: undefined } as const) : timeoutParam(info.query);
  if (!timeout.ok) {
    sendJson(res, 400, statuses.badRequest(timeout.message));
    observe();
    return;
  }
  const lease = await apf.dispatch(resourceDigest(info, user), workInputsOf(info, ctx.store), res, receivedAtMs, timeout.userTimeoutMs);
  if (!lease) {
    ctx.metrics.recordDropped(labels);
    return;
  }
  if (info.verb === 'watch') return handleWatch(ctx, info, req, res, labels, observe, lease);

  const kind = isMutating(info.verb) ? 'mutating' : 'readOnly';
  ctx.capacity.noteExecuting(kind, 1);
  return serveAdmitted(ctx, info, req, res, user, observe, () => {
    ctx.capacity.noteExecuting(kind, -1);
    lease.finish();
  });
}

/** --goaway-chance: after answering an HTTP/2 request, shut the connection down gracefully with probability p. */
function maybeGoaway(ctx: ReplicaContext, req: Request): void {
  if (ctx.goawayChance <= 0 || req.httpVersionMajor !== 2) return;
  if (!ctx.rng.chance(ctx.goawayChance)) return;
  const session = (req as http2.Http2ServerRequest).stream?.session;
  if (session) startGracefulShutdown(session);
}

function capacityVerb(verb: ResourceRequest['verb']): CapacityVerb {
  switch (verb) {
    case 'get':
      return 'get';
    case 'list':
      return 'list';
    case 'create':
      return 'create';
    case 'update':
      return 'update';
    case 'patch':
      return 'patch';
    default:
      return 'delete';
  }
}

/**
 * A watch. With APF (a lease), it holds its seats and counts as executing while it initialises: until its initial
 * events are written (the apiserver's watch initialization signal), then it streams without seats.
 */
async function handleWatch(
  ctx: ReplicaContext,
  info: ResourceRequest,
  req: Request,
  res: Response,
  labels: RequestLabels,
  observe: () => void,
  lease?: ExecutionLease,
): Promise<void> {
  let initialising = lease !== undefined;
  if (lease) ctx.capacity.noteExecuting('readOnly', 1);
  const initialized = () => {
    if (!initialising) return;
    initialising = false;
    ctx.capacity.noteExecuting('readOnly', -1);
    lease!.initialized();
  };
  const resource = info.info;
  if (!resource || !resource.verbs.includes('watch')) {
    sendJson(res, resource ? 405 : 404, resource ? statuses.methodNotSupported(info.resource, 'watch') : statuses.pathNotFound());
    initialized();
    lease?.finish();
    observe();
    return;
  }
  ctx.metrics.longRunningDelta(labels, 1);
  try {
    await ctx.capacity.execute('watchSetup', () => undefined);
    await serveWatch(
      ctx.store,
      { info: resource, namespace: info.namespace, query: info.query, accept: header(req, 'accept') },
      {
        writeHead: (status, headers) => {
          res.writeHead(status, headers);
          (res as http.ServerResponse).flushHeaders?.();
        },
        write: (chunk) => (res as http.ServerResponse).write(chunk),
        end: () => {
          if (!res.writableEnded) res.end();
        },
        onClose: (listener) => res.once('close', listener),
        pendingBytes: () => res.writableLength ?? 0,
      },
      ctx.rng,
      initialized,
    );
  } catch (error) {
    const status = error instanceof StatusError ? error.status : statuses.internal((error as Error).message);
    if (!res.headersSent) sendJson(res, status.code, status);
    else if (!res.writableEnded) res.end();
  } finally {
    initialized();
    lease?.finish();
    ctx.metrics.longRunningDelta(labels, -1);
    // A watch is recorded when it ends, as kube-apiserver records long-running requests.
    observe();
  }
}

async function perform(ctx: ReplicaContext, info: ResourceRequest, req: Request, body: unknown, user: UserInfo): Promise<{ status: number; json: string }> {
  const resource = info.info;
  if (!resource) throw new StatusError(statuses.pathNotFound());
  if (info.subresource) throw new StatusError(statuses.pathNotFound());
  if (!resource.verbs.includes(info.verb)) throw new StatusError(statuses.methodNotSupported(info.resource, info.verb));
  if (resource.namespaced && !info.namespace && info.verb !== 'list' && info.verb !== 'deletecollection') throw new StatusError(statuses.pathNotFound());
  if (!resource.namespaced && info.namespace) throw new StatusError(statuses.pathNotFound());
  if (resource === SELF_SUBJECT_REVIEW) return { status: 201, json: JSON.stringify(selfSubjectReview(user)) };

  const store = ctx.store;
  const ns = info.namespace;
  const dryRun = info.query.get('dryRun') === 'All';
  const accept = header(req, 'accept');
  switch (info.verb) {
    case 'get': {
      const stored = store.getStored(resource.resource, ns, info.name);
      if (!stored) throw new StatusError(statuses.notFound(resource.resource, resource.group, info.name));
      return {
        status: 200,
        json: wantsTable(accept) ? JSON.stringify(toTable([stored.object], String(stored.rv), info.query.get('includeObject'))) : stored.json,
      };
    }
    case 'list':
      return { status: 200, json: listJson(store, resource, ns, info.query, accept) };
    case 'create': {
      const object = asObject(body, resource, ns);
      if (!object.metadata.name) {
        if (object.metadata.generateName) object.metadata.name = `${object.metadata.generateName}${randomSuffix(ctx.rng)}`;
        else throw new StatusError(statuses.invalid(resource.kind, '', 'metadata.name', 'Required value: name or generateName is required'));
      }
      if (store.getStored(resource.resource, ns, object.metadata.name))
        throw new StatusError(statuses.alreadyExists(resource.resource, resource.group, object.metadata.name));
      const admitted = await admit(ctx, 'CREATE', resource, ns, object.metadata.name, object, undefined, user, dryRun);
      return { status: 201, json: store.create(resource, ns, admitted, dryRun).json };
    }
    case 'update': {
      const object = asObject(body, resource, ns);
      if (object.metadata.name && object.metadata.name !== info.name)
        throw new StatusError(statuses.badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${info.name})`));
      object.metadata.name = info.name;
      const current = store.get(resource.resource, ns, info.name);
      if (!current) throw new StatusError(statuses.notFound(resource.resource, resource.group, info.name));
      const admitted = await admit(ctx, 'UPDATE', resource, ns, info.name, object, current, user, dryRun);
      return { status: 200, json: store.update(resource, ns, info.name, admitted, dryRun).json };
    }
    case 'patch': {
      const current = store.get(resource.resource, ns, info.name);
      if (!current) throw new StatusError(statuses.notFound(resource.resource, resource.group, info.name));
      const patched = applyPatchBody(header(req, 'content-type') ?? '', current, body);
      patched.metadata.name = info.name;
      const admitted = await admit(ctx, 'UPDATE', resource, ns, info.name, patched, current, user, dryRun);
      // The patch is applied to the current state, so the write is against that revision.
      admitted.metadata.resourceVersion = current.metadata.resourceVersion;
      return { status: 200, json: store.update(resource, ns, info.name, admitted, dryRun).json };
    }
    case 'delete': {
      const deleted = store.delete(resource, ns, info.name, dryRun);
      return { status: 200, json: JSON.stringify(statuses.success(resource.resource, resource.group, info.name, deleted.object.metadata.uid)) };
    }
    case 'deletecollection': {
      const labels = parseLabelSelector(info.query.get('labelSelector'));
      const fields = parseFieldSelector(info.query.get('fieldSelector'));
      for (const stored of store.listStored(resource.resource, ns || undefined)) {
        if (labels(stored.object.metadata.labels) && fields(stored.object))
          store.delete(resource, stored.object.metadata.namespace ?? '', stored.object.metadata.name!, dryRun);
      }
      return { status: 200, json: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }) };
    }
    default:
      throw new StatusError(statuses.methodNotSupported(info.resource, info.verb));
  }
}

async function admit(
  ctx: ReplicaContext,
  operation: 'CREATE' | 'UPDATE',
  resource: ResourceInfo,
  namespace: string,
  name: string,
  object: KubeObject,
  oldObject: KubeObject | undefined,
  user: UserInfo,
  dryRun: boolean,
): Promise<KubeObject> {
  if (!ctx.admit) return object;
  const result = await ctx.admit({
    operation,
    group: resource.group,
    version: resource.version,
    resource: resource.resource,
    subresource: '',
    kind: { group: resource.group, version: resource.version, kind: resource.kind },
    namespace,
    name,
    object,
    oldObject,
    userInfo: user,
    dryRun,
  });
  if (!result.allowed) throw new StatusError(result.status);
  return result.object;
}

function listJson(store: ObjectStore, resource: ResourceInfo, namespace: string, query: URLSearchParams, accept: string | undefined): string {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'));
  let items: StoredObject[] = store.listStored(resource.resource, namespace || undefined).filter((s) => labels(s.object.metadata.labels) && fields(s.object));
  const rv = String(store.currentRevision);
  // limit/continue: the continue token is the key to start after (a real apiserver encodes an etcd key and revision).
  const cont = query.get('continue');
  if (cont) {
    let after: string;
    try {
      after = Buffer.from(cont, 'base64url').toString('utf8');
    } catch {
      throw new StatusError(statuses.badRequest('continue key is not valid'));
    }
    items = items.filter((s) => `${s.object.metadata.namespace ?? ''}/${s.object.metadata.name}` > after);
  }
  const limit = Number(query.get('limit'));
  let continueToken: string | undefined;
  if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    const last = items[items.length - 1]!.object;
    continueToken = Buffer.from(`${last.metadata.namespace ?? ''}/${last.metadata.name}`).toString('base64url');
  }
  if (wantsTable(accept))
    return JSON.stringify(
      toTable(
        items.map((s) => s.object),
        rv,
        query.get('includeObject'),
        continueToken,
      ),
    );
  const metadata = JSON.stringify({ resourceVersion: rv, ...(continueToken ? { continue: continueToken } : {}) });
  return `{"kind":"${resource.kind}List","apiVersion":"${apiVersionOf(resource)}","metadata":${metadata},"items":[${items.map((s) => s.json).join(',')}]}`;
}

function asObject(body: unknown, resource: ResourceInfo, namespace: string): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new StatusError(statuses.badRequest('the request body must be a JSON object'));
  const object = body as KubeObject;
  if (object.kind !== undefined && object.kind !== resource.kind)
    throw new StatusError(statuses.badRequest(`the kind of the object (${String(object.kind)}) does not match the resource (${resource.kind})`));
  object.metadata = object.metadata && typeof object.metadata === 'object' ? object.metadata : {};
  if (resource.namespaced && object.metadata.namespace && object.metadata.namespace !== namespace) {
    throw new StatusError(statuses.badRequest('the namespace of the provided object does not match the namespace sent on the request'));
  }
  // rest.EnsureObjectNamespaceMatchesRequestNamespace: admission plugins see the request's namespace on the object.
  if (resource.namespaced) object.metadata.namespace = namespace;
  return object;
}

function selfSubjectReview(user: UserInfo): unknown {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: {
      userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) },
    },
  };
}

function randomSuffix(rng: Rng): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from({ length: 5 }, () => alphabet[rng.int(alphabet.length)]).join('');
}

async function readJsonBody(req: Request): Promise<unknown> {
  const type = header(req, 'content-type') ?? 'application/json';
  if (/protobuf|yaml|cbor/.test(type) && !/apply-patch\+yaml/.test(type)) throw new StatusError(statuses.unsupportedMediaType(type));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > KUBE_APISERVER_MAX_REQUEST_BODY_BYTES)
      throw new StatusError({ ...statuses.badRequest('the request body is too large'), code: 413, reason: 'RequestEntityTooLarge' });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new StatusError(statuses.badRequest('the request body is empty'));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StatusError(statuses.badRequest(`the body of the request is not valid JSON: ${(error as Error).message}`));
  }
}

async function drain(req: Request): Promise<undefined> {
  for await (const chunk of req as AsyncIterable<Buffer>) void chunk;
  return undefined;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function sendRaw(res: Response, status: number, json: string): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(json);
}

function sendJson(res: Response, status: number, body: unknown | StatusObject): void {
  sendRaw(res, status, JSON.stringify(body));
}

function sendText(res: Response, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text);
}
