// A client for the webhook server over HTTP/2 (ALPN h2, one session) or HTTP/1.1 (ALPN http/1.1, keep-alive), for the
// webhook's tests and its benchmark (scripts/bench/webhookBench.ts).
import http2 from 'node:http2';
import https from 'node:https';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an answer's JSON, untyped for the callers to reach into
  json(): any;
}

export interface WebhookClient {
  protocol: 'h2' | 'h1';
  post(path: string, body: string | Buffer, headers?: Record<string, string>): Promise<Reply>;
  get(path: string): Promise<Reply>;
  close(): void;
}

function reply(status: number, headers: Reply['headers'], text: string): Reply {
  return { status, headers, text, json: () => JSON.parse(text) };
}

export function h2Client(url: string, caPem: string): WebhookClient {
  const session = http2.connect(url, { ca: caPem, servername: 'localhost' });
  session.on('error', () => undefined);
  const request = (headers: http2.OutgoingHttpHeaders, body?: string | Buffer) =>
    new Promise<Reply>((resolve, reject) => {
      const stream = session.request(headers);
      let status = 0;
      let responseHeaders: Reply['headers'] = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        responseHeaders = h as Reply['headers'];
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('close', () =>
        status
          ? resolve(reply(status, responseHeaders, Buffer.concat(chunks).toString('utf8')))
          : reject(new Error(`stream closed without a response (rst ${stream.rstCode})`)),
      );
      stream.on('error', () => undefined);
      stream.end(body);
    });
  return {
    protocol: 'h2',
    post: (path, body, headers = { 'content-type': 'application/json' }) => request({ ':method': 'POST', ':path': path, ...headers }, body),
    get: (path) => request({ ':method': 'GET', ':path': path }),
    close: () => session.close(),
  };
}

export function h1Client(url: string, caPem: string): WebhookClient {
  const target = new URL(url);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: caPem, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
  const request = (method: string, path: string, headers: Record<string, string | number>, body?: string | Buffer) =>
    new Promise<Reply>((resolve, reject) => {
      const req = https.request({ agent, host: target.hostname, port: target.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(reply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    protocol: 'h1',
    post: (path, body, headers = { 'content-type': 'application/json' }) =>
      request('POST', path, { ...headers, 'content-length': Buffer.byteLength(body) }, body),
    get: (path) => request('GET', path, {}),
    close: () => agent.destroy(),
  };
}
