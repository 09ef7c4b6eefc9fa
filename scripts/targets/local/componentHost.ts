// Starts the local cluster's components from their descriptors, each in its own worker thread, and keeps the live
// handles: a component stopped while the cluster runs (a removed gateway pod, a stopped webhook) leaves the set, and
// close() stops whatever is left, newest first. Starts still in flight when the cluster closes are waited for, so
// nothing comes up after it.
import type { ComponentDescriptor, ComponentEventListener, ComponentHandle, MethodTable } from '../../../sim/runtime/component.ts';
import { startWorkerComponent } from '../../../sim/runtime/startComponent.ts';

export interface HostedComponent {
  kind: string;
  handle: ComponentHandle<unknown, MethodTable>;
}

export class ComponentHost {
  private readonly live = new Set<HostedComponent>();
  private readonly starting = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly onEvent?: ComponentEventListener) {}

  async start<Config, Info, Methods extends MethodTable>(
    descriptor: ComponentDescriptor<Config, Info, Methods>,
    name: string,
    config: Config,
  ): Promise<ComponentHandle<Info, Methods>> {
    if (this.closed) throw new Error(`cannot start ${name}: the cluster is closing`);
    const start = startWorkerComponent(descriptor, { name, config, onEvent: this.onEvent });
    this.starting.add(start);
    try {
      const handle = await start;
      const hosted = { kind: descriptor.kind, handle: handle as unknown as ComponentHandle<unknown, MethodTable> };
      this.live.add(hosted);
      if (this.closed) await this.stop(handle);
      return handle;
    } finally {
      this.starting.delete(start);
    }
  }

  /** Stops one component and forgets it. */
  async stop(handle: { close(): Promise<void> }): Promise<void> {
    for (const hosted of this.live) if (hosted.handle === handle) this.live.delete(hosted);
    await handle.close();
  }

  components(): HostedComponent[] {
    return [...this.live];
  }

  /** Stops every component, newest first; returns what failed instead of throwing. */
  async close(): Promise<Error[]> {
    this.closed = true;
    await Promise.allSettled([...this.starting]);
    const errors: Error[] = [];
    for (const hosted of [...this.live].reverse()) {
      try {
        await hosted.handle.close();
      } catch (error) {
        errors.push(new Error(`closing ${hosted.handle.name} failed: ${(error as Error).message}`, { cause: error }));
      }
    }
    this.live.clear();
    return errors;
  }
}
