// The contract every simulated component follows (kube-apiserver replicas, kube-proxy, gateway pods, clients, the
// webhook pod, pod proxies): a factory takes a plain, structured-clone-safe config and returns the component's
// facts (`info`), its operations (`methods`) and `close()`.
//
// Each component module has exactly one descriptor as its default export:
//
//   export default defineComponent({ kind: 'gateway-pod', entry: new URL(import.meta.url), start: startGatewayPod });
//
// The same descriptor runs the component in its own worker thread (measured runs: load generation, the gateway and
// the apiservers never share an event loop) or in the calling thread (unit tests). Either way the host gets a
// `ComponentHandle` whose `remote` has one typed function per method, so renaming a method breaks the compiler,
// not a run. Method names cross the worker boundary as strings only inside sim/runtime/.
//
// Hosts import a component module for its descriptor without running it there: a module whose implementation needs
// a heavy package loads it inside its factory (sim/webhookPod.ts loads @kubernetes/client-node that way), so that
// starting a cluster does not pay for it in the host thread.
import type { ThreadHealth } from '../../scripts/core/componentStats.ts';

/** The operations a component offers while it runs. Arguments and results must be structured-clone-safe. */
// `any` is the only way to let each method keep its own parameter list in a record type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MethodTable = Record<string, (...args: any[]) => unknown>;

export interface Component<Info, Methods extends MethodTable> {
  /** Structured-clone-safe facts about the started component (addresses, ports, ...). */
  info: Info;
  methods: Methods;
  /** Stops listeners, timers and connections. Must be idempotent. */
  close(): Promise<void>;
}

export interface ComponentContext {
  /** Sends an event to the host (progress, samples, warnings). */
  emit(event: string, data?: unknown): void;
}

export type ComponentFactory<Config, Info, Methods extends MethodTable> = (config: Config, context: ComponentContext) => Promise<Component<Info, Methods>>;

export interface ComponentDescriptor<Config, Info, Methods extends MethodTable> {
  /** What the component is, e.g. "gateway-pod"; instances get their own names ("istio-ingressgateway-0"). */
  kind: string;
  /** The module that default-exports this descriptor: `new URL(import.meta.url)`. Worker threads load it. */
  entry: URL;
  start: ComponentFactory<Config, Info, Methods>;
}

/** Identity function that fixes the descriptor's type parameters from the factory. */
export function defineComponent<Config, Info, Methods extends MethodTable>(
  descriptor: ComponentDescriptor<Config, Info, Methods>,
): ComponentDescriptor<Config, Info, Methods> {
  return descriptor;
}

/** A method as the host sees it: same parameters, always asynchronous. */
export type Remote<Methods extends MethodTable> = {
  [K in keyof Methods]: (...args: Parameters<Methods[K]>) => Promise<Awaited<ReturnType<Methods[K]>>>;
};

/** What the host holds for a running component, wherever it runs. */
export interface ComponentHandle<Info, Methods extends MethodTable> {
  name: string;
  info: Info;
  remote: Remote<Methods>;
  /** Event-loop delay, utilisation and CPU time of the thread the component runs on (sim/runtime/threadHealth.ts). */
  health(reset?: boolean): Promise<ThreadHealth>;
  close(): Promise<void>;
}

/** The config, info and methods of a descriptor, for code that only has the descriptor's type. */
export type ConfigOf<D> = D extends ComponentDescriptor<infer C, infer _I, infer _M> ? C : never;
export type HandleOf<D> = D extends ComponentDescriptor<infer _C, infer I, infer M> ? ComponentHandle<I, M> : never;

export type ComponentEventListener = (component: string, event: string, data: unknown) => void;
