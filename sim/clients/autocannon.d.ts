// autocannon 9 ships no type declarations; this covers the part the http1-pool profile uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  interface AutocannonInstance extends EventEmitter, PromiseLike<unknown> {
    stop(): void;
  }
  function autocannon(options: Record<string, unknown>): AutocannonInstance;
  export default autocannon;
}
