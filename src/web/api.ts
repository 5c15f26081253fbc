/**
 * The dashboard's JSON API: pure functions from a request to a status and a body, over one loaded
 * cluster. Bad requests get clear 4xx answers; nothing here touches the network or the disk.
 */
import { diffClusters, type DiffResult } from '../analysis/diff.js';
import { dnsWarnings } from '../analysis/dns.js';
import { computeMatrix, type MatrixResult } from '../analysis/matrix.js';
import type { AuditResult } from '../audit/run.js';
import { Engine } from '../engine/engine.js';
import { PROTOCOLS, type Cluster, type Protocol } from '../model/cluster.js';
import { EndpointResolver } from '../model/refs.js';
import { renderVerdict } from '../report/explain.js';

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface HistorySource {
  runs(): unknown[];
  flows(): unknown[];
}

export interface DashboardState {
  cluster: Cluster;
  audit: AuditResult;
  proposed?: Cluster;
  history?: HistorySource;
  source: string;
}

const error = (status: number, message: string): ApiResponse => ({ status, body: { error: message } });

export class DashboardApi {
  private readonly engine: Engine;
  private readonly resolver: EndpointResolver;
  private readonly matrix: MatrixResult;
  private diff?: DiffResult;

  constructor(private readonly state: DashboardState) {
    this.engine = new Engine(state.cluster);
    this.resolver = new EndpointResolver(state.cluster);
    this.matrix = computeMatrix(this.engine);
  }

  handle(method: string, url: URL): ApiResponse {
    if (method !== 'GET' && method !== 'HEAD') return error(405, `${method} is not allowed: the dashboard is read-only`);
    switch (url.pathname) {
      case '/api/summary':
        return this.summary();
      case '/api/graph':
        return this.graph(url.searchParams);
      case '/api/explain':
        return this.explain(url.searchParams);
      case '/api/audit':
        return { status: 200, body: this.state.audit };
      case '/api/history':
        return { status: 200, body: { runs: this.state.history?.runs() ?? [], flows: this.state.history?.flows() ?? [] } };
      case '/api/diff':
        if (!this.state.proposed) return error(404, 'no proposed policy set: start podwall serve with --proposed PATH');
        this.diff ??= diffClusters(this.state.cluster, this.state.proposed);
        return { status: 200, body: this.diff };
    }
    return error(404, `no such API: ${url.pathname}`);
  }

  private summary(): ApiResponse {
    const c = this.state.cluster;
    return {
      status: 200,
      body: {
        source: this.state.source,
        namespaces: [...c.namespaces.keys()].sort(),
        workloads: this.matrix.workloads.length,
        pods: c.pods.length,
        policies: c.policies.length,
        enforcingMode: c.settings.enforcingMode,
        ports: this.matrix.ports,
        hasDiff: Boolean(this.state.proposed),
        hasHistory: Boolean(this.state.history),
      },
    };
  }

  /** Workloads and their allowed connections, one edge per pair with its ports; filtered. */
  private graph(q: URLSearchParams): ApiResponse {
    const ns = q.get('namespace') || undefined;
    if (ns && !this.state.cluster.namespaces.has(ns)) return error(404, `no namespace ${JSON.stringify(ns)}`);
    const port = q.get('port') ? Number(q.get('port')) : undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return error(400, 'port must be a number 1-65535');
    const protocol = q.get('protocol')?.toUpperCase();
    if (protocol && !PROTOCOLS.includes(protocol as Protocol)) return error(400, 'protocol must be TCP, UDP or SCTP');
    const edges = new Map<string, { id: string; from: string; to: string; ports: { port: number; protocol: string; partial: boolean }[] }>();
    for (const e of this.matrix.edges) {
      if (!e.allowed) continue;
      if (port !== undefined && e.port !== port) continue;
      if (protocol && e.protocol !== protocol) continue;
      if (ns && !e.from.startsWith(`${ns}/`) && !e.to.startsWith(`${ns}/`)) continue;
      const k = `${e.from}->${e.to}`;
      let edge = edges.get(k);
      if (!edge) edges.set(k, (edge = { id: `e${edges.size}`, from: e.from, to: e.to, ports: [] }));
      edge.ports.push({ port: e.port, protocol: e.protocol, partial: e.partial });
    }
    const used = new Set([...edges.values()].flatMap((e) => [e.from, e.to]));
    const nodes = this.matrix.workloads.filter((w) => (!ns || w.namespace === ns || used.has(w.id)));
    return { status: 200, body: { nodes, edges: [...edges.values()] } };
  }

  private explain(q: URLSearchParams): ApiResponse {
    const from = q.get('from');
    const to = q.get('to');
    const portText = q.get('port');
    if (!from || !to || !portText) return error(400, 'explain needs from, to and port');
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return error(400, 'port must be a number 1-65535');
    const protocol = (q.get('protocol') ?? 'TCP').toUpperCase();
    if (!PROTOCOLS.includes(protocol as Protocol)) return error(400, 'protocol must be TCP, UDP or SCTP');
    const f = this.resolver.resolve(from);
    if (!f.ok) return error(404, f.error);
    const t = this.resolver.resolve(to);
    if (!t.ok) return error(404, t.error);
    const verdict = this.engine.decide({ from: f.endpoint, to: t.endpoint, port, protocol: protocol as Protocol });
    verdict.warnings.push(...dnsWarnings(this.engine, f.endpoint, t.endpoint, verdict.allowed));
    return { status: 200, body: { verdict, text: renderVerdict(verdict) } };
  }
}
