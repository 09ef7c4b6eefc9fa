// The dial race of client-go's transport (docs/client-go.md#dials-after-a-miss-one-per-waiting-request): net/http's
// http.Transport with x/net's HTTP/2 configured into it (http2.ConfigureTransports) does not de-duplicate dials,
// because it does not know the protocol before the TLS handshake:
// - every request that finds no HTTP/2 connection able to take a stream starts a dial of its own
//   (net/http transport.go getConn → queueForIdleConn registers it in idleConnWait → queueForDial →
//   startDialConnForLocked → `go dialConnFor(w)`; client-go leaves MaxConnsPerHost at 0, so nothing limits them);
// - the first dial to finish serves every waiter: dialConnFor delivers its conn to its own request (tryDeliver), then
//   putOrCloseIdleConn → tryPutIdleConn hands the same HTTP/2 conn to everyone in idleConnWait ("Can hand the same
//   pconn to everyone in the waiting list"), whose own dials keep running (their context is detached from the
//   request's, getConn: "The dial should proceed even if the request is canceled");
// - each dial that finishes goes through x/net's clientConnPool.addConnIfNeeded (client_conn_pool.go), which decides
//   whether the connection is kept or closed: the caller (`settle` here) does that;
// - a dial that fails fails only its own request, and only if that request is still waiting (tryDeliver).
// One concept: who waits for which dial. The transport (h2Transport.ts) dials, keeps or closes, and counts.

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class DialRace<T> {
  private readonly waiters = new Set<Waiter>();

  /**
   * @param dial opens one connection (TCP, TLS, ALPN).
   * @param settle what x/net's addConnIfNeeded does with a finished dial: keep it in the pool or close it.
   */
  constructor(
    private readonly dial: () => Promise<T>,
    private readonly settle: (result: T) => void,
  ) {}

  /**
   * One request that missed: starts its own dial and resolves when any dial of the race finishes (the caller then
   * looks for a connection again), or rejects with its own dial's error if that comes first.
   */
  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.waiters.add(waiter);
      this.dial().then(
        (result) => {
          this.settle(result);
          this.wakeAll();
        },
        (error: unknown) => {
          if (this.waiters.delete(waiter)) reject(error);
        },
      );
    });
  }

  /** Requests waiting for a dial now. */
  get waiting(): number {
    return this.waiters.size;
  }

  private wakeAll(): void {
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const waiter of woken) waiter.resolve();
  }
}
