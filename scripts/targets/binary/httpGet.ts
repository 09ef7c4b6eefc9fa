// One GET with its whole body as text, over node:http or node:https with the given options (an agent that dials
// through the node's tunnel, a CA, headers), bounded by a timeout: how the binary target reads the components' admin,
// health and metrics endpoints.
import http from 'node:http';
import https from 'node:https';

export interface TextResponse {
  status: number;
  body: string;
}

export function getText(url: string | URL, options: https.RequestOptions = {}, timeoutMs = 5_000): Promise<TextResponse> {
  const target = new URL(url);
  const module = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = module.get(target, { ...options, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${target.href} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
