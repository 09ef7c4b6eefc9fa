// Closing sockets so that their handles really close. Two Node behaviours leave a TCP handle open forever, and a
// worker thread with such a handle spins in its exit-time clean-up (FreeEnvironment → CleanupHandles), so its host
// can never join it:
// 1. resetAndDestroy() while a shutdown (FIN after end()) is still pending: libuv's uv_tcp_close_reset returns
//    UV_EINVAL, but Node's TCPWrap::Reset has already marked the handle as closing and never closes it. We reset only
//    sockets whose writable side was not ended, and destroy (FIN) the others.
// 2. Destroying a socket whose connect() is in flight: we wait for the attempt to settle, then close.

interface Connecting {
  connecting: boolean;
  once(event: 'connect' | 'error', listener: () => void): unknown;
}

export interface ClosableSocket extends Connecting {
  destroyed: boolean;
  writableEnded: boolean;
  destroy(): void;
  resetAndDestroy(): void;
}

/** RST when that is safe (see 1. above), else a plain destroy. */
export function resetSocket(socket: ClosableSocket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded) socket.destroy();
  else socket.resetAndDestroy();
}

/** Runs `close` now, or once a connect attempt in flight has settled (rule 2 above). */
function afterConnectAttempt(target: Connecting, close: () => void): void {
  if (target.connecting) {
    target.once('connect', close);
    target.once('error', close);
  } else close();
}

export function destroyWhenSettled(socket: ClosableSocket, reset = false): void {
  if (socket.destroyed && !socket.connecting) return;
  afterConnectAttempt(socket, () => (reset ? resetSocket(socket) : socket.destroy()));
}

export interface ClosableSession extends Connecting {
  destroyed: boolean;
  destroy(): void;
}

/** The same rule for HTTP/2 sessions, whose socket may still be connecting. */
export function destroySessionWhenSettled(session: ClosableSession): void {
  if (session.destroyed) return;
  afterConnectAttempt(session, () => session.destroy());
}
