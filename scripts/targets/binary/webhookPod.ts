// The webhook on the binary target (docs/binary-target.md#the-webhook): the kind target's own objects for it
// (webhookObjects: gardener-resource-manager's ServiceAccount, RBAC, TLS Secret, Service, Deployment) applied to the
// seed with kubectl, and the Deployment's pod run as a process: our webhook server (webhook/cli.ts serve, as its image
// runs it) with its in-cluster access to the seed, listening on its pod IP. Its Service's EndpointSlice lists it once
// /readyz passes; the seed kube-apiserver's MutatingAdmissionWebhook plugin reaches it through that Service's
// ClusterIP (kube-proxy in the node namespace), as on a real seed.
import { GRM_NAME, GRM_NAMESPACE, WEBHOOK_SERVER_PORT } from '../../cluster/gardener.ts';
import type { ClusterPlan } from '../../cluster/plan.ts';
import type { RenderContext } from '../kind/manifests/common.ts';
import { webhookObjects } from '../kind/manifests/workloads.ts';
import { publishEndpoints } from './endpointSlices.ts';
import { waitForServiceRules } from './network/iptablesRules.ts';
import type { Kubectl } from './kubectl.ts';
import { objectData, podFromTemplate, readinessProbe, type PodRuntime, type RunningPod, type ServiceAccountAccess } from './podRuntime.ts';

const READY_TIMEOUT_MS = 60_000;
/** The Deployment's shutdown delay is 5 s (--shutdown-delay); a stop waits a little longer. */
const TERMINATION_GRACE_MS = 8_000;

export class BinaryWebhook {
  private pod: RunningPod | undefined;
  private readonly objects;

  constructor(
    private readonly ctx: RenderContext,
    private readonly runtime: PodRuntime,
    private readonly serviceAccount: ServiceAccountAccess,
  ) {
    this.objects = webhookObjects(ctx);
  }

  /** Applies its objects (not the Deployment: no controller runs it) and starts its pod. */
  async install(kubectl: Kubectl): Promise<void> {
    await kubectl.apply(
      this.objects.filter((o) => o.kind !== 'Deployment'),
      'webhook',
    );
    const service = await this.runtime.seed.json<{ spec: { clusterIP: string } }>('GET', `/api/v1/namespaces/${GRM_NAMESPACE}/services/${GRM_NAME}`);
    this.runtime.addServiceDns(GRM_NAMESPACE, GRM_NAME, service.spec.clusterIP);
    await this.start();
  }

  get running(): boolean {
    return this.pod !== undefined;
  }

  async start(): Promise<void> {
    const plan: ClusterPlan = this.ctx.plan;
    const deployment = this.objects.find((o) => o.kind === 'Deployment')!;
    const pod = podFromTemplate(deployment, `${GRM_NAME}-0`, plan.webhook.ip);
    this.pod = await this.runtime.run(pod, 'webhook', objectData(this.objects), [], this.serviceAccount);
    await this.runtime.waitReady(this.pod, readinessProbe(pod), READY_TIMEOUT_MS);
    await this.publish([{ name: pod.name, ip: pod.ip }]);
    // The seed's admission plugin dials the webhook's ClusterIP: wait until kube-proxy sends it to this pod.
    await waitForServiceRules(this.runtime.network.node.name, `${GRM_NAMESPACE}/${GRM_NAME}:https`, [`${pod.ip}:${WEBHOOK_SERVER_PORT}`]);
  }

  /** The webhook goes down: out of its Service first, then SIGTERM (admission then fails closed: failurePolicy Fail). */
  async stop(): Promise<void> {
    if (!this.pod) return;
    await this.publish([]);
    const pod = this.pod;
    this.pod = undefined;
    await this.runtime.stop(pod, 'graceful', TERMINATION_GRACE_MS);
  }

  private publish(endpoints: { name: string; ip: string }[]): Promise<void> {
    return publishEndpoints(this.runtime.seed, GRM_NAMESPACE, GRM_NAME, { name: 'https', port: WEBHOOK_SERVER_PORT }, endpoints);
  }

  async close(): Promise<void> {
    if (this.pod) await this.runtime.stop(this.pod, 'kill', 1_000).catch(() => undefined);
    this.pod = undefined;
  }
}
