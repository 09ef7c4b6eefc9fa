// A tiny HTTP/2 request helper for tests (node:http2, one session per call site).
import http2 from 'node:http2';

export interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

export function h2request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => {
      responseHeaders = h;
    });
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => {
      if (responseHeaders[':status'] === undefined) reject(new Error(`stream ended without a response (rst code ${stream.rstCode})`));
      else resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: text });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

export function connect(url: string, options: http2.SecureClientSessionOptions): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, options);
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}
