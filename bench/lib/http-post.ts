// Keep-alive JSON POSTs for the load processes (node:http, bounded sockets, a time limit on every request).
import { Agent, request } from 'node:http';

export class JsonPoster {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(url: string, maxSockets = 16) {
    this.url = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Resolves with the status code and body text; rejects on network errors or after timeoutMs. */
  post(body: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(this.url, {
        method: 'POST', agent: this.agent, timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`POST ${this.url.pathname} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
