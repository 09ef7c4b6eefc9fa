// Command line of the pod-kube-apiserver-load-balancing webhook (npm run webhook -- <command>):
//   certs      generate a CA and a serving certificate, print the caBundle
//   serve      run the webhook server against a cluster (kubeconfig or in-cluster)
//   manifests  print the YAML to deploy it (RBAC, Service, Deployment, MutatingWebhookConfiguration)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  CERTIFICATE_FILES,
  KUBE_APISERVER_MAX_REQUEST_BODY_BYTES,
  DEFAULT_OBJECT_NAME as DEFAULT_NAME,
  WEBHOOK_SERVER_PORT as DEFAULT_PORT,
} from './constants.ts';
import type { KubeSource } from './kubeReads.ts';
import type { LogLevel } from './logger.ts';

// Heavy modules (client-node, x509) load only in the command that needs them, so --help and errors are quick.

/**
 * A user error: printed without a stack, exit code 2 (the project's EXIT_BAD_INPUT, scripts/core/exitCodes.ts). The
 * exit code travels with the error, so `apiserver-lb webhook` (scripts/cli/runCommand.ts) exits 2 for it too.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

function readFile(file: string, what: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check ${flag}`);
  }
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

interface CertsOptions {
  out: string;
  dns?: string[];
  ip?: string[];
  service?: string;
  namespace?: string;
  days: number;
}

/** `certs`: a CA and a serving certificate for the Service's DNS names, written as PEM files; the caBundle on stdout. */
async function runCerts(opts: CertsOptions): Promise<void> {
  if (opts.service && !opts.namespace) throw new UsageError('--service needs --namespace (the Service DNS names contain it)');
  if (!opts.dns?.length && !opts.service && !opts.ip?.length) {
    throw new UsageError(`give --dns <names> or --service <name> --namespace <ns>, e.g. --service ${DEFAULT_NAME} --namespace garden`);
  }
  const { generateWebhookCertificates, serviceDnsNames, writeWebhookCertificates } = await import('./certs.ts');
  const dnsNames = [...(opts.dns ?? []), ...(opts.service ? serviceDnsNames(opts.service, opts.namespace!) : [])];
  let certs;
  try {
    certs = await generateWebhookCertificates({ dnsNames, ipAddresses: opts.ip, validDays: opts.days });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const files = writeWebhookCertificates(opts.out, certs);
  process.stderr.write(
    `wrote ${files.join(', ')}\nDNS names: ${dnsNames.join(', ') || '(none)'}${opts.ip?.length ? `; IPs: ${opts.ip.join(', ')}` : ''}\ncaBundle (for clientConfig.caBundle and \`manifests --ca-bundle\`):\n`,
  );
  process.stdout.write(`${certs.caBundle}\n`);
}

function certsCommand(): Command {
  return new Command('certs')
    .description('generate a CA and a serving certificate; write ca.crt, ca.key, tls.crt, tls.key to --out and print the caBundle (base64 CA PEM) on stdout')
    .requiredOption('--out <dir>', 'directory to write the PEM files to (created if missing)')
    .option('--dns <names>', 'DNS names for the certificate, comma-separated (repeatable)', list)
    .option('--ip <addresses>', 'IP addresses for the certificate, comma-separated (repeatable)', list)
    .option('--service <name>', 'add the DNS names of this Service (with --namespace): <svc>, <svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local')
    .option('--namespace <ns>', 'namespace of --service')
    .option('--days <n>', 'validity of the serving certificate in days', integer(1, 3650), 365)
    .action(runCerts);
}

interface ServeOptions {
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  tlsCert: string;
  tlsKey: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  cacheTtl: number;
  readTimeout: number;
  maxBodyBytes: number;
  shutdownDelay: number;
}

/** Where `serve` reads ConfigMaps and Services from: exactly one of a kubeconfig and the pod's service account. */
function kubeSource(opts: ServeOptions): KubeSource {
  if (!!opts.kubeconfig === !!opts.inCluster) throw new UsageError('give exactly one of --kubeconfig <path> and --in-cluster');
  if (opts.inCluster) {
    if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT)
      throw new UsageError('--in-cluster: KUBERNETES_SERVICE_HOST/PORT are not set; are we running in a pod? Use --kubeconfig outside a cluster');
    return { kind: 'in-cluster' };
  }
  if (!fs.existsSync(opts.kubeconfig!)) throw new UsageError(`kubeconfig ${opts.kubeconfig} does not exist; check --kubeconfig`);
  return { kind: 'kubeconfig', path: path.resolve(opts.kubeconfig!), context: opts.context };
}

/** `serve`: the webhook server until SIGINT/SIGTERM, which close it (and its reader) before the process exits 0. */
async function runServe(opts: ServeOptions): Promise<void> {
  const source = kubeSource(opts);
  const tls = { certPem: readFile(opts.tlsCert, 'serving certificate', '--tls-cert'), keyPem: readFile(opts.tlsKey, 'serving key', '--tls-key') };
  const [{ KubeReader }, { startWebhookServer }] = await Promise.all([import('./kubeReads.ts'), import('./server.ts')]);
  let reader: InstanceType<typeof KubeReader>;
  try {
    reader = new KubeReader({ source, cacheTtlMs: opts.cacheTtl, timeoutMs: opts.readTimeout });
  } catch (error) {
    throw new UsageError(`cannot use the cluster configuration: ${(error as Error).message}`);
  }
  let server;
  try {
    server = await startWebhookServer({
      host: opts.host,
      port: opts.port,
      tls,
      reader,
      logLevel: opts.logLevel,
      maxBodyBytes: opts.maxBodyBytes,
      shutdownDelayMs: opts.shutdownDelay,
    });
  } catch (error) {
    reader.close();
    throw new UsageError((error as Error).message);
  }
  const stop = async () => {
    await server.close();
    reader.close();
  };
  // Serves until SIGINT or SIGTERM, which close the server and its reader, then exit 0: the command never returns
  // before, so a launcher that ends the process when a command returns (apiserver-lb) keeps it serving.
  await new Promise<never>(() => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(0)));
  });
}

function serveCommand(): Command {
  return new Command('serve')
    .description('serve POST /webhooks/pod-kube-apiserver-load-balancing, /healthz, /readyz and /metrics over HTTPS (HTTP/2 and HTTP/1.1)')
    .option('--kubeconfig <path>', 'kubeconfig of the cluster to read ConfigMaps and Services from')
    .option('--context <name>', 'kubeconfig context (default: current-context)')
    .option('--in-cluster', 'use the pod service account (KUBERNETES_SERVICE_HOST and the mounted token)')
    .requiredOption('--tls-cert <file>', 'serving certificate (PEM), e.g. tls.crt from `certs`')
    .requiredOption('--tls-key <file>', 'serving key (PEM), e.g. tls.key from `certs`')
    .option('--host <address>', 'address to bind (in a pod: the pod IP)', '127.0.0.1')
    .option('--port <port>', 'port to bind (0: any free port)', integer(0, 65535), DEFAULT_PORT)
    .addOption(new Option('--log-level <level>', 'log level (JSON lines on stderr)').choices(LOG_LEVELS).default('info'))
    .option('--cache-ttl <ms>', 'read-through cache TTL for the ConfigMap/Service reads; 0 disables it', integer(0, 600_000), 0)
    .option('--read-timeout <ms>', 'timeout of one apiserver read (keep it well under the 10 s webhook timeout)', integer(100, 9_000), 3_000)
    .option('--max-body-bytes <n>', 'largest accepted AdmissionReview', integer(1024, 64 * 1024 * 1024), KUBE_APISERVER_MAX_REQUEST_BODY_BYTES)
    .option('--shutdown-delay <ms>', 'on SIGTERM keep serving this long with /readyz failing, so the pod leaves the Service first', integer(0, 60_000), 0)
    .action(runServe);
}

interface ManifestsOptions {
  namespace: string;
  image: string;
  caBundle?: string;
  tlsDir?: string;
  name: string;
  replicas: number;
  port: number;
  cacheTtl: number;
  imagePullPolicy: string;
}

/** `manifests`: the deployment YAML on stdout; the caBundle from --ca-bundle (value or @file) or from --tls-dir. */
async function runManifests(opts: ManifestsOptions): Promise<void> {
  let caBundle = opts.caBundle;
  if (caBundle?.startsWith('@')) caBundle = readFile(caBundle.slice(1), 'CA file', '--ca-bundle @<file>');
  let tls: { certPem: string; keyPem: string } | undefined;
  if (opts.tlsDir) {
    tls = {
      certPem: readFile(path.join(opts.tlsDir, CERTIFICATE_FILES.cert), 'serving certificate', '--tls-dir'),
      keyPem: readFile(path.join(opts.tlsDir, CERTIFICATE_FILES.key), 'serving key', '--tls-dir'),
    };
    caBundle ??= readFile(path.join(opts.tlsDir, CERTIFICATE_FILES.caCert), 'CA certificate', '--tls-dir');
  }
  if (!caBundle) throw new UsageError('give --ca-bundle <base64> (printed by `certs`) or --tls-dir <dir> (written by `certs`)');
  if (!['Always', 'IfNotPresent', 'Never'].includes(opts.imagePullPolicy))
    throw new UsageError(`--image-pull-policy must be Always, IfNotPresent or Never, got "${opts.imagePullPolicy}"`);
  const { manifestsToYaml, renderManifests } = await import('./manifests.ts');
  try {
    const objects = renderManifests({
      namespace: opts.namespace,
      image: opts.image,
      caBundle,
      name: opts.name,
      replicas: opts.replicas,
      port: opts.port,
      tls,
      cacheTtlMs: opts.cacheTtl,
      imagePullPolicy: opts.imagePullPolicy as 'IfNotPresent',
    });
    process.stdout.write(manifestsToYaml(objects));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function manifestsCommand(): Command {
  return new Command('manifests')
    .description(
      'print the deployment YAML: ServiceAccount, ClusterRole(+Binding), [Secret], Service, Deployment, PodDisruptionBudget, MutatingWebhookConfiguration',
    )
    .requiredOption('--namespace <ns>', 'namespace to deploy to (must not be labelled gardener.cloud/role=shoot)')
    .requiredOption('--image <ref>', 'image built from webhook/Dockerfile')
    .option('--ca-bundle <value>', 'caBundle as printed by `certs` (base64), a PEM, or @<file> (a CA PEM file)')
    .option(
      '--tls-dir <dir>',
      `directory written by \`certs\`: embeds ${CERTIFICATE_FILES.cert}/${CERTIFICATE_FILES.key} as a Secret and takes the caBundle from ${CERTIFICATE_FILES.caCert}`,
    )
    .option('--name <name>', 'name of every object', DEFAULT_NAME)
    .option('--replicas <n>', 'webhook replicas', integer(1, 10), 2)
    .option('--port <port>', 'container port', integer(1024, 65535), DEFAULT_PORT)
    .option('--cache-ttl <ms>', 'server --cache-ttl', integer(0, 600_000), 0)
    .option('--image-pull-policy <policy>', 'Always, IfNotPresent or Never', 'IfNotPresent')
    .action(runManifests);
}

/** The three subcommands; each is a builder (its flags) and a run function (what it does with them). */
export function buildProgram(): Command {
  return new Command('webhook')
    .description("Gardener's pod-kube-apiserver-load-balancing admission webhook (docs/webhook.md)")
    .addCommand(certsCommand())
    .addCommand(serveCommand())
    .addCommand(manifestsCommand());
}

/**
 * Flag problems exit 2 with one line, as every command of the project does (README.md#exit-codes): commander throws
 * instead of exiting and prints nothing itself; the line adds the command's options to an unknown option and the
 * commands to an unknown or missing command.
 */
function throwUsageErrors(command: Command): void {
  command.configureOutput({ outputError: () => undefined, writeErr: () => undefined });
  command.exitOverride((error) => {
    if (error.exitCode === 0) throw error;
    const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    const options = [...command.options.map((o) => o.long ?? o.flags), '--help'].join(', ');
    const commands = command.commands.map((c) => c.name()).join(', ');
    if (error.code === 'commander.unknownOption') throw new UsageError(`${command.name()}: ${message}; options: ${options}`);
    if (error.code === 'commander.unknownCommand') throw new UsageError(`${message}; commands: ${commands}`);
    if (error.code === 'commander.help') throw new UsageError(`give a command: ${commands} (--help explains each)`);
    throw new UsageError(`${command.name()}: ${message}`);
  });
  for (const sub of command.commands) throwUsageErrors(sub);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  throwUsageErrors(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // --help (0)
    process.stderr.write(`error: ${(error as Error).message}\n`);
    // The project's scheme (scripts/core/exitCodes.ts: 2 bad input, 1 a failure); written as numbers because webhook/
    // stands alone and imports nothing outside itself.
    return error instanceof UsageError ? 2 : 1;
  }
}

// Run when executed (tsx webhook/cli.ts, node --import tsx webhook/cli.ts), not when imported by tests.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await main(process.argv);
  if (code !== 0) process.exit(code);
}
