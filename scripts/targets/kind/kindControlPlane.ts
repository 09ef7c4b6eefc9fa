// One shoot control plane of a kind run: its render context (plan, certificates, runtime secrets), the stable names
// of its kube-apiserver pods, its port-forwards, the shoot admin kubeconfig through one of them, and the /metrics
// scrapes of its replicas. A run has one for the control plane under test and one per neighbour
// (docs/scenarios.md#shared-gateway); what they share is written once here.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { KUBE_APISERVER_PORT, KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';
import { renderKubeconfig } from '../../cluster/kubeconfig.ts';
import { replicaIdentity, type GenericKubeconfig } from '../../cluster/plan.ts';
import type { MetricsEndpoint } from '../target.ts';
import type { RenderContext } from './manifests/common.ts';
import { Roster } from './roster.ts';
import { seedFlags, type SeedAccess } from './steps.ts';
import type { SpawnedTool, ToolRunner } from './tools.ts';

/** kubectl port-forwards to pods (or a Service), one per target, reopened when they end. */
export class PortForwards {
  private readonly open = new Map<string, Promise<{ port: number; process: SpawnedTool }>>();

  constructor(
    private readonly runner: ToolRunner,
    private readonly access: SeedAccess,
    private readonly namespace: string,
  ) {}

  async port(target: string): Promise<number> {
    let entry = this.open.get(target);
    if (!entry) {
      entry = this.runner
        .spawn('kubectl', [...seedFlags(this.access), 'port-forward', '-n', this.namespace, target, `:${KUBE_APISERVER_PORT}`], {
          readyLine: /Forwarding from 127\.0\.0\.1:\d+/,
          timeoutMs: 30_000,
        })
        .then((process) => {
          void process.exited.then(() => this.open.delete(target));
          return { port: Number(/127\.0\.0\.1:(\d+)/.exec(process.readyLine)![1]), process };
        });
      this.open.set(target, entry);
      entry.catch(() => this.open.delete(target));
    }
    return (await entry).port;
  }

  async closeOne(target: string): Promise<void> {
    const entry = this.open.get(target);
    this.open.delete(target);
    if (entry) await (await entry.catch(() => undefined))?.process.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.keys()].map((t) => this.closeOne(t)));
  }
}

export class KindControlPlane {
  /** Stable replica names over the pods the Deployment replaces. */
  readonly replicas = new Roster(KUBE_APISERVER_SERVICE_NAME);
  readonly forwards: PortForwards;
  /** The generic token kubeconfig pods created from now on mount (a set-kubeconfig-server change replaces it). */
  genericKubeconfig: GenericKubeconfig;

  constructor(
    readonly ctx: RenderContext,
    runner: ToolRunner,
    access: SeedAccess,
  ) {
    this.forwards = new PortForwards(runner, access, ctx.plan.namespace);
    this.genericKubeconfig = ctx.plan.genericKubeconfig;
  }

  get plan() {
    return this.ctx.plan;
  }

  /** A kubeconfig for the shoot's admin, through a port-forward to the kube-apiserver Service. */
  async shootKubeconfig(workDir: string): Promise<{ 'shoot-kubeconfig': string }> {
    const port = await this.forwards.port(`svc/${KUBE_APISERVER_SERVICE_NAME}`);
    const file = path.join(workDir, this.plan.namespace, 'shoot-admin.kubeconfig');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      renderKubeconfig({
        contextName: 'shoot-admin',
        server: `https://127.0.0.1:${port}`,
        tlsServerName: 'kube-apiserver',
        caPem: this.ctx.pems.authority('ca'),
        token: this.plan.tokens.shootAdmin,
      }),
      { mode: 0o600 },
    );
    return { 'shoot-kubeconfig': file };
  }

  metrics(): MetricsEndpoint[] {
    return this.replicas.names().map((replica) => ({ ...replicaIdentity(this.plan, replica), scrape: () => this.scrape(replica) }));
  }

  /** GET /metrics of a replica's current pod, with the shoot admin's token, through a port-forward to the pod. */
  private async scrape(replica: string): Promise<string> {
    const pod = this.replicas.podOf(replica);
    if (!pod) throw new Error(`${replica} has no pod right now (it is being replaced)`);
    return this.scrapePod(pod);
  }

  async scrapePod(pod: string): Promise<string> {
    const port = await this.forwards.port(`pod/${pod}`);
    return new Promise((resolve, reject) => {
      const req = https.get(
        {
          host: '127.0.0.1',
          port,
          path: '/metrics',
          servername: 'kube-apiserver',
          ca: this.ctx.pems.authority('ca'),
          headers: { authorization: `Bearer ${this.plan.tokens.shootAdmin}`, accept: 'text/plain' },
          timeout: 10_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            res.statusCode === 200 ? resolve(text) : reject(new Error(`scraping /metrics of ${pod}: HTTP ${res.statusCode} ${text.slice(0, 200)}`)),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`scraping /metrics of ${pod}: timed out`)));
      req.on('error', reject);
    });
  }
}
