/** The dashboard's HTTP edge: static assets bundled with podwall, and the JSON API. Survives bad requests. */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardApi } from './api.js';

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
/** Third-party browser code, served from node_modules: nothing comes from a CDN. */
const VENDOR: Record<string, () => string> = {
  // the package's main entry sits in its dist folder, beside the browser build
  '/vendor/cytoscape.min.js': () => join(dirname(createRequire(import.meta.url).resolve('cytoscape')), 'cytoscape.min.js'),
};

export function createDashboardServer(api: DashboardApi, log: (line: string) => void): Server {
  const cache = new Map<string, Buffer>();
  const asset = (path: string): Buffer | undefined => {
    if (cache.has(path)) return cache.get(path);
    let file: string;
    if (VENDOR[path]) file = VENDOR[path]!();
    else {
      const rel = normalize(path === '/' ? '/index.html' : path);
      if (rel.includes('..')) return undefined;
      file = join(ASSETS, rel);
    }
    try {
      const data = readFileSync(file);
      cache.set(path, data);
      return data;
    } catch {
      return undefined;
    }
  };
  return createServer((req, res) => {
    try {
      if ((req.url ?? '').length > 4096) {
        res.writeHead(414, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'URL too long' }));
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname.startsWith('/api/')) {
        const r = api.handle(req.method ?? 'GET', url);
        res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify(r.body));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: 'read-only' }));
        return;
      }
      const data = asset(url.pathname);
      if (!data) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `not found: ${url.pathname}` }));
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(url.pathname) || '.html'] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : data);
    } catch (e) {
      log(`podwall: request ${req.method} ${req.url} failed: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error' }));
    }
  });
}
