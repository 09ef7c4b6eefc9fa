import { describe, expect, it } from 'vitest';
import { lostAfterSend, upstreamFailureText, UPSTREAM_TIMEOUT_TEXT } from '../../sim/network/envoyLocalReply.ts';

// Which of Envoy's own answers mean the request reached an upstream (sim/network/envoyLocalReply.ts): those are in
// doubt for conservation, the others never reached a kube-apiserver.
describe("Envoy's local replies", () => {
  it('uses the router texts', () => {
    expect(upstreamFailureText('connection termination')).toBe(
      'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
    );
  });

  it('a reset after sending and a route timeout are lost after send', () => {
    expect(lostAfterSend(503, upstreamFailureText('connection termination'))).toBe(true);
    expect(lostAfterSend(503, upstreamFailureText('remote reset'))).toBe(true);
    expect(lostAfterSend(504, UPSTREAM_TIMEOUT_TEXT)).toBe(true);
  });

  it('a connection that never came up, a refused stream and other answers are not', () => {
    expect(lostAfterSend(503, upstreamFailureText('connection failure'))).toBe(false);
    expect(lostAfterSend(503, upstreamFailureText('refused stream'))).toBe(false);
    expect(lostAfterSend(503, 'no healthy upstream')).toBe(false);
    expect(lostAfterSend(404, 'route_not_found')).toBe(false);
    expect(lostAfterSend(502, upstreamFailureText('connection termination'))).toBe(false);
  });
});
