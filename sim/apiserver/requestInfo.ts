// Turns a request path into what kube-apiserver's RequestInfoFactory (k8s.io/apiserver/pkg/endpoints/request/
// requestinfo.go) derives: resource or non-resource, API group/version, namespace, resource, name, subresource,
// and the verb (get, list, watch, create, update, patch, delete, deletecollection).
import { findResource, type ResourceInfo } from './resources.ts';

export interface ResourceRequest {
  kind: 'resource';
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  info: ResourceInfo | undefined;
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
  subresource: string;
  query: URLSearchParams;
}

export interface NonResourceRequest {
  kind: 'non-resource';
  path: string;
  query: URLSearchParams;
}

export function parseRequestInfo(method: string, url: string): ResourceRequest | NonResourceRequest {
  const parsed = new URL(url, 'https://apiserver');
  const path = parsed.pathname;
  const query = parsed.searchParams;
  const parts = path.split('/').filter((p) => p !== '');
  let rest: string[];
  let group = '';
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: 'non-resource', path, query };
  }
  let namespace = '';
  // /namespaces/{ns}/{resource}... ; /namespaces/{name} itself is the namespaces resource.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const resource = rest[0]!;
  const name = rest[1] ?? '';
  const subresource = rest.slice(2).join('/');
  const m = method.toUpperCase();
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: ResourceRequest['verb'];
  switch (m) {
    case 'GET':
    case 'HEAD':
      verb = name ? 'get' : watch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'get';
  }
  return { kind: 'resource', verb, info: findResource(group, version, resource), group, version, resource, namespace, name, subresource, query };
}

/** The `verb` label of apiserver_request_total (metrics.CleanVerb): LIST and WATCH for collection GETs, else the HTTP method. */
export function metricsVerb(request: ResourceRequest, method: string): string {
  if (request.verb === 'list') return 'LIST';
  if (request.verb === 'watch') return 'WATCH';
  return method.toUpperCase();
}

/** The `scope` label: resource (named object), namespace (namespaced collection) or cluster. */
export function metricsScope(request: ResourceRequest): string {
  if (request.name) return 'resource';
  if (request.namespace) return 'namespace';
  return 'cluster';
}

export function isMutating(verb: ResourceRequest['verb']): boolean {
  return verb === 'create' || verb === 'update' || verb === 'patch' || verb === 'delete' || verb === 'deletecollection';
}
