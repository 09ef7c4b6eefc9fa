// The contract every simulated component follows (apiserver replicas, kube-proxy, gateway pods, clients,
// webhook): a factory takes a plain, structured-clone-safe config and returns a handle with `close()`.
// The same factory runs in-process (unit tests) or in its own worker thread (real runs), so load generation,
// the gateway and the apiservers never share an event loop during a measurement.

export type ComponentMethod = (...args: any[]) => unknown;

export interface Component<Info> {
  /** Structured-clone-safe facts about the started component (addresses, ports, ...). */
  info: Info;
  /** Operations the orchestrator may call while the component runs. */
  methods?: Record<string, ComponentMethod>;
  /** Stops listeners, timers and connections. Must be idempotent. */
  close(): Promise<void>;
}

export interface ComponentContext {
  /** Sends an event to the orchestrator (progress, log lines, samples). */
  emit(event: string, data?: unknown): void;
}

export type ComponentFactory<Config, Info> = (config: Config, context: ComponentContext) => Promise<Component<Info>>;

/** What the orchestrator holds for a running component, wherever it runs. */
export interface ComponentHandle<Info> {
  name: string;
  info: Info;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export type ComponentEventListener = (component: string, event: string, data: unknown) => void;
