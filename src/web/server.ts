/**
 * The dashboard's HTTP edge: static assets bundled with podwall, and the JSON API. Survives bad
 * requests. It answers only requests addressed to it by the address it listens on, or by a
 * loopback name (a web page that rebinds its own DNS name to 127.0.0.1 gets nothing), and forbids
 * framing and foreign scripts. Every answer is computed once per question and kept as bytes; every
 * client shares those bytes, so a slow reader holds no copy of its own. The heavy views (graph,
 * denied, diff) are computed apart (worker-pool.ts: worker threads, or this thread one at a time),
 * with a bounded queue, so that the summary, static files and live events answer while they compute;
 * the light ones are computed here at once. While a heavy one computes, `/api/progress?of=QUESTION` says how
 * far it has got or what it waits behind (progress.ts); a heavy question whose every asker went away (the
 * page asked something else) is given up.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerBytes, internalError, type Answer } from './answer.js';
import type { ApiHandler } from './api-response.js';
import { questionKey, type QuestionProgress } from './progress.js';
import { InlineAnswers, type HeavyAnswers } from './worker-pool.js';

/** Server-sent events at /api/events (a watched cluster). Publishing drops the cached answers first. */
export class EventHub {
  private readonly listeners = new Set<(event: string, data: string) => void>();
  private readonly resets = new Set<() => void>();

  publish(event: string, data: unknown): void {
    for (const r of this.resets) r();
    const text = JSON.stringify(data);
    for (const l of this.listeners) l(event, text);
  }

  /** @internal the server's side */
  subscribe(l: (event: string, data: string) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** @internal the server's side */
  onPublish(r: () => void): void {
    this.resets.add(r);
  }

  get clients(): number {
    return this.listeners.size;
  }
}

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
/** Third-party browser code, served from node_modules: nothing comes from a CDN. */
const VENDOR: Record<string, () => string> = {
  // the package's main entry sits in its dist folder, beside the browser build
  '/vendor/cytoscape.min.js': () => join(dirname(createRequire(import.meta.url).resolve('cytoscape')), 'cytoscape.min.js'),
  '/vendor/elk.bundled.js': () => join(dirname(createRequire(import.meta.url).resolve('elkjs')), 'elk.bundled.js'),
};

/** Headers on every answer: no framing, no foreign code, no guessing of content types. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** Distinct answers kept; each key is a question (path and sorted query). */
const ANSWER_CACHE = 256;
/** Distinct heavy questions being computed or waiting; beyond this the server says 503. */
const QUEUE_LIMIT = 32;
/** The views that take seconds on a large cluster: computed apart (HeavyAnswers), never in the server's thread when workers run. */
export const HEAVY_VIEWS: ReadonlySet<string> = new Set(['/api/graph', '/api/denied', '/api/diff']);
/** A connection that makes no progress for this long (a client that never reads) is closed. */
const IDLE_MS = 60_000;
/** Event streams open at once; more are refused (503), each holds a connection. */
export const SSE_CLIENTS = 16;
/** A comment on every stream this often keeps it from the idle timeout and proxies from closing it. */
const SSE_HEARTBEAT_MS = 20_000;
/** A stream whose client reads so slowly that this much waits unsent is closed (at its next event). */
const SSE_BACKLOG_BYTES = 1024 * 1024;

export interface ServerOptions {
  /** The address the server listens on, for the Host check. */
  address?: string;
  /** Live updates: `/api/events` streams what is published here. */
  events?: EventHub;
  /** Where the heavy views are computed (default: this thread, one at a time, from `api`). */
  heavy?: HeavyAnswers;
}

/** The Host names this server answers to, given the port it got. */
function allowedHosts(address: string, port: number): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  const wildcard = address === '0.0.0.0' || address === '::' || address === '';
  if (wildcard) {
    // listening everywhere: any address of this machine
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) names.add(i.family === 'IPv6' ? `[${i.address}]` : i.address);
  } else names.add(address.includes(':') ? `[${address}]` : address);
  const hosts = new Set<string>();
  for (const n of names) {
    hosts.add(`${n}:${port}`.toLowerCase());
    if (port === 80) hosts.add(n.toLowerCase());
  }
  return hosts;
}

/** The askers of one heavy question; `givenUp` is aborted when the last one goes away before the answer. */
interface Waiters {
  replies: ((a: Answer) => void)[];
  givenUp: AbortController;
}

export function createDashboardServer(api: ApiHandler, log: (line: string) => void, options: ServerOptions = {}): Server {
  const cache = new Map<string, Buffer>();
  let hosts: Set<string> | undefined;
  const answers = new Map<string, Answer>();
  /** Who waits for a heavy question being computed, by generation and question. */
  const waiting = new Map<string, Waiters>();
  let outstanding = 0;
  /** Counts the changes of a watched cluster: an answer computed before one is not kept. */
  let generation = 0;
  const heavy = options.heavy ?? new InlineAnswers(api, log);
  // a watched cluster changed: every answer computed before is stale
  options.events?.onPublish(() => {
    answers.clear();
    generation++;
  });
  const keep = (key: string, a: Answer): void => {
    if (!a.cacheable) return;
    if (answers.size >= ANSWER_CACHE) answers.delete(answers.keys().next().value!);
    answers.set(key, a);
  };
  /** A light view, here and now. */
  const computeHere = (method: string, url: URL): Answer => {
    try {
      return answerBytes(api.handle(method, url));
    } catch (e) {
      log(`podwall: request ${url.pathname}${url.search} failed: ${(e as Error)?.message ?? String(e)}`);
      return internalError();
    }
  };
  const sendJson = (req: IncomingMessage, res: ServerResponse, a: { status: number; body: Buffer }): void => {
    if (res.destroyed) return;
    // idle again from here: a client that does not read the answer is dropped (see waitFor)
    req.socket.setTimeout(IDLE_MS);
    res.writeHead(a.status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': a.body.length });
    res.end(req.method === 'HEAD' ? undefined : a.body);
  };
  /** `/api/events`: a stream per client, never cached, bounded in number and in what waits unsent. */
  const eventStream = (hub: EventHub, req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: 'read-only' }));
      return;
    }
    if (hub.clients >= SSE_CLIENTS) {
      res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'application/json', 'retry-after': '10' }).end(JSON.stringify({ error: `busy: ${SSE_CLIENTS} event streams are open already` }));
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    if (req.method === 'HEAD') return void res.end();
    const send = (text: string): void => {
      if (res.destroyed) return;
      // a client that does not read is dropped rather than buffered for; measured before writing, so that one
      // event larger than the bound (a change that opens thousands of pairs) still reaches a client that reads
      if (res.writableLength > SSE_BACKLOG_BYTES) return void res.destroy();
      res.write(text);
    };
    send(`retry: 5000\nevent: hello\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
    const unsubscribe = hub.subscribe((event, data) => send(`event: ${event}\ndata: ${data}\n\n`));
    const beat = setInterval(() => send(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    beat.unref();
    res.on('close', () => {
      unsubscribe();
      clearInterval(beat);
    });
  };
  /** The API: cached answers at once; light ones computed here; heavy ones apart, once per question however many ask. */
  /** `/api/progress?of=QUESTION`: how far a heavy question has got, never cached (progress.ts). */
  const progressOf = (url: URL): Answer => {
    const of = url.searchParams.get('of');
    const json = (status: number, body: unknown): Answer => ({ status, body: Buffer.from(JSON.stringify(body)), cacheable: false });
    if (!of || !of.startsWith('/api/')) return json(400, { error: 'progress needs of=QUESTION, the path and query of an API question (of=/api/graph?namespace=shop)' });
    const asked = new URL(of, 'http://localhost');
    const key = questionKey(asked);
    if (answers.has(key)) return json(200, { state: 'answered', question: key } satisfies QuestionProgress);
    if (!HEAVY_VIEWS.has(asked.pathname)) return json(200, { state: 'idle', question: key } satisfies QuestionProgress);
    return json(200, heavy.progress?.(asked) ?? ({ state: 'idle', question: key } satisfies QuestionProgress));
  };
  const apiRequest = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const method = req.method ?? 'GET';
    if (url.pathname === '/api/events' && options.events) return eventStream(options.events, req, res);
    if (url.pathname === '/api/progress' && (method === 'GET' || method === 'HEAD')) return sendJson(req, res, progressOf(url));
    // the history grows while the server runs; everything else depends only on the inputs
    if (url.pathname === '/api/history' || (method !== 'GET' && method !== 'HEAD')) return sendJson(req, res, computeHere(method, url));
    const key = questionKey(url);
    const known = answers.get(key);
    if (known) return sendJson(req, res, known);
    if (!HEAVY_VIEWS.has(url.pathname)) {
      const a = computeHere(method, url);
      keep(key, a);
      return sendJson(req, res, a);
    }
    const asked = generation;
    const waitKey = `${asked}\u0000${key}`;
    // waiting for a computation is not idling: the connection is kept however long it takes
    req.socket.setTimeout(0);
    const reply = (a: Answer): void => sendJson(req, res, a);
    /** An asker that goes away before its answer is no longer waited for; the last one gives the question up. */
    const leaveOnClose = (w: Waiters): void => {
      res.on('close', () => {
        const i = w.replies.indexOf(reply);
        if (i < 0 || res.writableEnded) return;
        w.replies.splice(i, 1);
        if (w.replies.length > 0) return;
        if (waiting.get(waitKey) === w) waiting.delete(waitKey);
        w.givenUp.abort();
      });
    };
    const others = waiting.get(waitKey);
    if (others) {
      others.replies.push(reply);
      leaveOnClose(others);
      return;
    }
    if (outstanding >= QUEUE_LIMIT) {
      req.socket.setTimeout(IDLE_MS);
      res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'application/json', 'retry-after': '2' }).end(JSON.stringify({ error: 'busy: too many questions waiting; try again' }));
      return;
    }
    const mine: Waiters = { replies: [reply], givenUp: new AbortController() };
    waiting.set(waitKey, mine);
    leaveOnClose(mine);
    outstanding++;
    void heavy.ask(method, url, mine.givenUp.signal).then((a) => {
      outstanding--;
      // computed from the model before a change of the watched cluster: given to who asked, not kept
      if (asked === generation) keep(key, a);
      for (const r of mine.replies) r(a);
      // a question given up and asked again since has waiters of its own
      if (waiting.get(waitKey) === mine) waiting.delete(waitKey);
    });
  };
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
  const server = createServer((req, res) => {
    try {
      if (!hosts) {
        const port = (server.address() as { port: number } | null)?.port ?? 0;
        hosts = allowedHosts(options.address ?? '127.0.0.1', port);
      }
      if (!hosts.has((req.headers.host ?? '').toLowerCase())) {
        // DNS rebinding: a foreign name that now points here must not read the cluster's policies
        res.writeHead(421, { ...SECURITY_HEADERS, 'content-type': 'application/json' }).end(JSON.stringify({ error: 'this server answers only to its own address (Host header not allowed)' }));
        return;
      }
      if ((req.url ?? '').length > 4096) {
        res.writeHead(414, { ...SECURITY_HEADERS, 'content-type': 'application/json' }).end(JSON.stringify({ error: 'URL too long' }));
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname.startsWith('/api/')) return apiRequest(req, res, url);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { ...SECURITY_HEADERS, 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: 'read-only' }));
        return;
      }
      const data = asset(url.pathname);
      if (!data) {
        res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'application/json' }).end(JSON.stringify({ error: `not found: ${url.pathname}` }));
        return;
      }
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': TYPES[extname(url.pathname) || '.html'] ?? 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : data);
    } catch (e) {
      log(`podwall: request ${req.method} ${req.url} failed: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error' }));
    }
  });
  server.maxConnections = 256;
  // a client that stops reading is dropped, and with it the little it held
  server.setTimeout(IDLE_MS, (socket) => socket.destroy());
  return server;
}
