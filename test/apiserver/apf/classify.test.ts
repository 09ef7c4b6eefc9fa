// Classification against the v1.32 bootstrap configuration (default.go), and the matching rules of rule.go.
import { describe, expect, it } from 'vitest';
import {
  Classifier,
  bootstrapConfiguration,
  compareFlowSchemas,
  hashFlowId,
  matchesNonResourceURL,
  resolveConfiguration,
  type FlowSchema,
} from '../../../sim/apiserver/apf/index.ts';
import { nonResourceDigest, resourceDigest, saDigest } from './helpers.ts';

const { flowSchemas, priorityLevels } = resolveConfiguration();
const classifier = new Classifier(flowSchemas, priorityLevels);
const authenticated = 'system:authenticated';

describe('bootstrap classification', () => {
  it('sends service accounts to workload-low with one flow per user', () => {
    const a = classifier.classify(saDigest('team-a', 'builder', 'list', 'pods'));
    const b = classifier.classify(saDigest('team-b', 'builder', 'list', 'pods'));
    expect([a.flowSchemaName, a.priorityLevelName]).toEqual(['service-accounts', 'workload-low']);
    expect(a.flowDistinguisher).toBe('system:serviceaccount:team-a:builder');
    expect(b.flowDistinguisher).toBe('system:serviceaccount:team-b:builder');
    expect(a.hashValue).toBe(hashFlowId('service-accounts', 'system:serviceaccount:team-a:builder'));
    expect(a.hashValue).not.toBe(b.hashValue);
    // same user, other namespace of the request: same flow (ByUser)
    expect(classifier.classify(saDigest('team-a', 'builder', 'get', 'configmaps', { name: 'x' })).hashValue).toBe(a.hashValue);
  });

  it('sends kube-system service accounts to workload-high, one flow per namespace', () => {
    const c = classifier.classify(saDigest('kube-system', 'replicaset-controller', 'update', 'replicasets', { apiGroup: 'apps', name: 'rs' }));
    expect([c.flowSchemaName, c.priorityLevelName, c.flowDistinguisher]).toEqual(['kube-system-service-accounts', 'workload-high', 'kube-system']);
  });

  it('routes leader election to leader-election', () => {
    const kcm = classifier.classify(
      resourceDigest('system:kube-controller-manager', [authenticated], 'update', 'leases', {
        apiGroup: 'coordination.k8s.io',
        namespace: 'kube-system',
        name: 'kube-controller-manager',
      }),
    );
    expect([kcm.flowSchemaName, kcm.priorityLevelName, kcm.flowDistinguisher]).toEqual([
      'system-leader-election',
      'leader-election',
      'system:kube-controller-manager',
    ]);
    const sa = classifier.classify(saDigest('kube-system', 'cloud-controller', 'get', 'leases', { apiGroup: 'coordination.k8s.io', name: 'l' }));
    expect(sa.flowSchemaName).toBe('system-leader-election');
    // 1.32 still has workload-leader-election for configmaps/endpoints-based locks
    const cm = classifier.classify(saDigest('kube-system', 'old-operator', 'update', 'configmaps', { name: 'lock' }));
    expect([cm.flowSchemaName, cm.priorityLevelName]).toEqual(['workload-leader-election', 'leader-election']);
    // ... but endpoint writes of the endpoint controller go to workload-high first (precedence 150 < 200)
    const ep = classifier.classify(saDigest('kube-system', 'endpoint-controller', 'update', 'endpoints', { name: 'svc' }));
    expect([ep.flowSchemaName, ep.priorityLevelName]).toEqual(['endpoint-controller', 'workload-high']);
    // the scheduler listing pods is workload traffic, not leader election
    const sched = classifier.classify(resourceDigest('system:kube-scheduler', [authenticated], 'list', 'pods'));
    expect([sched.flowSchemaName, sched.priorityLevelName]).toEqual(['kube-scheduler', 'workload-high']);
  });

  it('exempts system:masters and probes, without a flow distinguisher', () => {
    const admin = classifier.classify(resourceDigest('admin', ['system:masters', authenticated], 'delete', 'pods', { namespace: 'x', name: 'p' }));
    expect([admin.flowSchemaName, admin.priorityLevelName, admin.exempt, admin.flowDistinguisher, admin.hashValue]).toEqual(['exempt', 'exempt', true, '', 0n]);
    const probe = classifier.classify(nonResourceDigest('system:anonymous', ['system:unauthenticated'], 'get', '/readyz'));
    expect([probe.flowSchemaName, probe.priorityLevelName]).toEqual(['probes', 'exempt']);
    const probeSub = classifier.classify(nonResourceDigest('u', [authenticated], 'get', '/livez/ping'));
    expect(probeSub.flowSchemaName).toBe('probes');
    const notProbe = classifier.classify(nonResourceDigest('u', [authenticated], 'get', '/readyzfoo'));
    expect(notProbe.flowSchemaName).toBe('global-default');
  });

  it('separates node health from other node traffic', () => {
    const node = { name: 'system:node:n1', groups: ['system:nodes', authenticated] };
    const status = classifier.classify(resourceDigest(node.name, node.groups, 'patch', 'nodes', { subresource: 'status', name: 'n1' }));
    expect([status.flowSchemaName, status.priorityLevelName]).toEqual(['system-node-high', 'node-high']);
    const lease = classifier.classify(
      resourceDigest(node.name, node.groups, 'update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n1' }),
    );
    expect(lease.priorityLevelName).toBe('node-high');
    const pods = classifier.classify(resourceDigest(node.name, node.groups, 'watch', 'pods'));
    expect([pods.flowSchemaName, pods.priorityLevelName]).toEqual(['system-nodes', 'system']);
  });

  it('sends other users to global-default and unmatched requests to catch-all', () => {
    const user = classifier.classify(resourceDigest('alice', [authenticated], 'get', 'pods', { namespace: 'x', name: 'p' }));
    expect([user.flowSchemaName, user.priorityLevelName, user.flowDistinguisher]).toEqual(['global-default', 'global-default', 'alice']);
    // no authenticated/unauthenticated group: nothing matches, catch-all is the fallback; it rejects, so no flow
    const odd = classifier.classify(resourceDigest('weird', [], 'get', 'pods', { namespace: 'x', name: 'p' }));
    expect([odd.flowSchemaName, odd.priorityLevelName, odd.flowDistinguisher]).toEqual(['catch-all', 'catch-all', '']);
    // without global-default, authenticated users match catch-all itself
    const noGlobal = new Classifier(
      flowSchemas.filter((fs) => fs.metadata.name !== 'global-default'),
      priorityLevels,
    );
    expect(noGlobal.classify(resourceDigest('alice', [authenticated], 'get', 'pods', { namespace: 'x', name: 'p' })).flowSchemaName).toBe('catch-all');
  });

  it('carries the UIDs for the X-Kubernetes-PF-* headers', () => {
    const c = classifier.classify(saDigest('a', 'b', 'list', 'pods'));
    expect(c.headers).toEqual({
      'X-Kubernetes-PF-FlowSchema-UID': c.flowSchema.metadata.uid,
      'X-Kubernetes-PF-PriorityLevel-UID': c.priorityLevel.metadata.uid,
    });
    expect(c.flowSchemaUid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // stable across constructions
    expect(bootstrapConfiguration().flowSchemas.find((f) => f.metadata.name === 'service-accounts')!.metadata.uid).toBe(c.flowSchemaUid);
  });
});

describe('matching rules', () => {
  const fs = (name: string, precedence: number): FlowSchema => ({
    metadata: { name },
    spec: { priorityLevelConfiguration: { name: 'x' }, matchingPrecedence: precedence },
  });

  it('orders by precedence, then name', () => {
    const sorted = [fs('b', 500), fs('a', 500), fs('z', 100)].sort(compareFlowSchemas).map((f) => f.metadata.name);
    expect(sorted).toEqual(['z', 'a', 'b']);
  });

  it('matches non-resource URLs like rule.go', () => {
    expect(matchesNonResourceURL(['/healthz'], '/healthz')).toBe(true);
    expect(matchesNonResourceURL(['/healthz'], '/healthz/etcd')).toBe(true);
    expect(matchesNonResourceURL(['/healthz'], '/healthzx')).toBe(false);
    expect(matchesNonResourceURL(['/apis/*'], '/apis/apps')).toBe(true);
    expect(matchesNonResourceURL(['/apis/*'], '/apis')).toBe(false);
    expect(matchesNonResourceURL(['*'], '/anything')).toBe(true);
  });

  it('applies clusterScope to requests without a namespace', () => {
    const rule: FlowSchema = {
      metadata: { name: 'ns-only' },
      spec: {
        priorityLevelConfiguration: { name: 'workload-high' },
        matchingPrecedence: 50,
        rules: [
          { subjects: [{ kind: 'User', user: { name: '*' } }], resourceRules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'], namespaces: ['*'] }] },
        ],
      },
    };
    const c = new Classifier([...flowSchemas, rule], priorityLevels);
    expect(c.classify(resourceDigest('alice', [authenticated], 'list', 'pods', { namespace: 'x' })).flowSchemaName).toBe('ns-only');
    expect(c.classify(resourceDigest('alice', [authenticated], 'list', 'pods')).flowSchemaName).toBe('global-default');
    expect(c.classify(resourceDigest('alice', [authenticated], 'list', 'pods', { namespace: 'x', subresource: 'log' })).flowSchemaName).toBe('global-default');
  });
});
