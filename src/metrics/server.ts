/**
 * The HTTP side of the metrics: `/metrics` in the Prometheus text format, `/healthz` (the process
 * answers) and `/readyz` (the first audit is in) for Kubernetes probes. Nothing else is served.
 */
import { createServer, type Server } from 'node:http';
import type { PodwallMetrics } from './metrics.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces); undefined when it is none of these. */
export function parseListenAddress(v: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function createMetricsServer(metrics: PodwallMetrics, log: (line: string) => void): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      res.writeHead(metrics.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(metrics.ready ? 'ready\n' : 'no audit yet\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: podwall serves /metrics, /healthz and /readyz here\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(body),
      (e: Error) => {
        log(`podwall: metrics failed: ${e.message}`);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n');
      },
    );
  });
}
