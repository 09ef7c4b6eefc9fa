// The local seed cluster: Gardener's seed kube-apiserver (one replica, in the host thread, lightly loaded and never
// measured) with kube-apiserver's MutatingAdmissionWebhook plugin, so every client pod is created through the real
// webhook over HTTPS, plus a REST client for the seed objects (docs/architecture.md#the-seed-cluster).
import { startControlPlane } from '../../../sim/apiserver/controlPlane.ts';
import { createMutatingWebhookAdmission } from '../../../sim/apiserver/admission/mutatingWebhookAdmission.ts';
import { KubeApiError, RestClient, type RestTarget } from '../../../sim/kube/restClient.ts';
import { inProcessHandle } from '../../../sim/runtime/startComponent.ts';
import type { ComponentHandle, MethodTable } from '../../../sim/runtime/component.ts';
import { GRM_NAME, GRM_NAMESPACE } from '../../cluster/gardener.ts';
import type { PlannedComponents } from '../../cluster/components.ts';
import type { ClusterPlan } from '../../cluster/plan.ts';
import { objectPath, type SeedObject } from '../../cluster/seedObjects.ts';

export class SeedCluster {
  private constructor(
    readonly apiserver: ComponentHandle<unknown, MethodTable>,
    readonly admin: RestTarget,
    readonly client: RestClient,
  ) {}

  static async start(plan: ClusterPlan, components: PlannedComponents, seedCaPem: string): Promise<SeedCluster> {
    const config = components.seedApiserver;
    const component = await startControlPlane(config, {
      admitFactory: (store) =>
        createMutatingWebhookAdmission({
          listWebhookConfigurations: () => store.list('mutatingwebhookconfigurations'),
          getNamespace: (name: string) => store.get('namespaces', '', name),
          // gardener-resource-manager's Service (port 443 → 10250) resolves to its pod, as endpoint routing does.
          resolveServiceUrl: ({ namespace, name, path }) =>
            namespace === GRM_NAMESPACE && name === GRM_NAME ? `https://${plan.webhook.ip}:${plan.webhook.port}${path ?? ''}` : undefined,
        }),
    });
    const apiserver = inProcessHandle('seed-kube-apiserver', component);
    const admin: RestTarget = { server: `https://${plan.seedApiserver.ip}:${plan.seedApiserver.port}`, caPem: seedCaPem, token: plan.tokens.seedAdmin };
    return new SeedCluster(apiserver as unknown as ComponentHandle<unknown, MethodTable>, admin, new RestClient(admin));
  }

  /** Creates an object, or replaces it when it exists (idempotent bootstrap). */
  async create(seedObject: SeedObject): Promise<void> {
    await this.client.apply(seedObject.collectionPath, seedObject.object);
  }

  /** Deletes an object; one that does not exist is not an error (as Gardener's reconcilers treat NotFound). */
  async delete(seedObject: SeedObject): Promise<void> {
    try {
      await this.client.call('DELETE', objectPath(seedObject));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.statusCode === 404)) throw error;
    }
  }

  async readSecretKey(namespace: string, name: string, key: string): Promise<string> {
    const secret = await this.client.call<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/secrets/${name}`);
    const value = secret.data?.[key];
    if (value === undefined) throw new Error(`secret ${namespace}/${name} has no key "${key}"`);
    return Buffer.from(value, 'base64').toString('utf8');
  }

  async close(): Promise<void> {
    this.client.close();
    await this.apiserver.close();
  }
}
