// Ending an HTTP/2 server connection gracefully, the way Go's HTTP/2 server does (golang.org/x/net/http2 server.go,
// startGracefulShutdown → goAway(ErrCodeNo)):
// - one GOAWAY(NO_ERROR) whose last-stream-id is the highest stream the server has received;
// - streams the client opened after that are not served (its HTTP/2 stack sees them refused and retries them);
// - the streams up to that id finish, long-lived watches included; then the connection is closed.
// Users: the webhook server's shutdown, and in the simulator the kube-apiserver's --goaway-chance
// (k8s.io/apiserver/pkg/server/filters/goaway.go sets "Connection: close", which makes Go do exactly this) and a
// replica's graceful stop. It lives in webhook/ because the webhook stands alone; the simulator imports it.
//
// Why not Node's session.close(): it marks the session closed at once, before the GOAWAY is written. A HEADERS
// frame arriving in that window makes Node refuse the stream with RST_STREAM(REFUSED_STREAM) from inside nghttp2's
// receive callback (onSessionHeaders); the re-entrant send flushes the GOAWAY, nghttp2 frees the refused stream,
// and nghttp2_session_mem_recv goes on reading it. valgrind shows the use-after-free on Node 20.20; without
// valgrind it surfaced as glibc aborts ("corrupted size vs. prev_size") in gateway tests with GOAWAYing upstreams.
// Here the session is never marked closed while it can still receive streams: the GOAWAY carries an explicit
// last-stream-id, later streams are refused outside nghttp2's callbacks, and the session is destroyed once the
// streams up to the fence are done (a destroyed session ignores incoming HEADERS).
import http2 from 'node:http2';

interface SessionStreams {
  /** Streams received and not yet closed. */
  open: Set<number>;
  highestSeen: number;
  /** The GOAWAY's last-stream-id, once one was sent. */
  fence?: number;
}

const tracked = new WeakMap<http2.Http2Session, SessionStreams>();

function stateOf(session: http2.Http2Session): SessionStreams {
  let state = tracked.get(session);
  if (!state) {
    state = { open: new Set(), highestSeen: 0 };
    tracked.set(session, state);
  }
  return state;
}

/**
 * Stream gating, for every stream the server receives ('stream' event, before the request handler). Returns false
 * for a stream opened after this session's GOAWAY: the caller must not serve it (it is refused here, as Go ignores
 * it).
 */
export function acceptsStream(stream: http2.ServerHttp2Stream): boolean {
  const session = stream.session;
  if (!session) return false;
  const state = stateOf(session);
  const id = stream.id ?? 0;
  if (state.fence !== undefined && id > state.fence) {
    // Outside nghttp2's callbacks, so the reset is an ordinary write. nghttp2 may already have closed it when the
    // GOAWAY went out (it refuses incoming streams above the last-stream-id itself).
    setImmediate(() => {
      if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    });
    return false;
  }
  state.highestSeen = Math.max(state.highestSeen, id);
  state.open.add(id);
  stream.once('close', () => {
    state.open.delete(id);
    if (state.fence !== undefined) closeWhenDrained(session, state);
  });
  return true;
}

/** Sends one graceful GOAWAY on this session (no-op if one was sent) and closes it when its streams are done. */
export function startGracefulShutdown(session: http2.Http2Session): void {
  if (session.closed || session.destroyed) return;
  const state = stateOf(session);
  if (state.fence !== undefined) return;
  state.fence = state.highestSeen;
  session.goaway(http2.constants.NGHTTP2_NO_ERROR, state.fence);
  closeWhenDrained(session, state);
}

function closeWhenDrained(session: http2.Http2Session, state: SessionStreams): void {
  for (const id of state.open) if (id <= state.fence!) return;
  // On the next turn, so the last response and the GOAWAY are written first; destroy() flushes what is pending
  // and then ends the socket. A destroyed session ignores any HEADERS still arriving.
  setImmediate(() => {
    if (!session.destroyed) session.destroy();
  });
}
