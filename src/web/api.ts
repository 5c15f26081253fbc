/**
 * The dashboard's JSON API: pure functions from a request to a status and a body, over one loaded
 * cluster. Bad requests get clear 4xx answers; nothing here touches the network or the disk.
 */
import { diffClusters, type DiffResult } from '../analysis/diff.js';
import { specDecider } from '../analysis/deciders.js';
import { judge } from '../analysis/judgement.js';
import { computeMatrix, computeNamespaceMatrix, NODES, OUTSIDE, type OutsideNode } from '../analysis/matrix.js';
import { workloadId } from '../model/cluster.js';
import type { AuditResult } from '../audit/run.js';
import { Engine } from '../engine/engine.js';
import { INTERNET, OutsideWorld } from '../engine/outside.js';
import type { PortRange } from '../engine/ports.js';
import { PROTOCOLS, type Cluster, type Protocol } from '../model/cluster.js';
import { EndpointResolver, type Reference } from '../model/refs.js';
import { judgementJson, renderJudgement } from '../report/judgement.js';

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

/** Above this many workloads the graph starts folded into namespaces. */
export const FOLD_ABOVE = 300;
/** The most edges one graph answer holds: a browser stays fluid, and the answer says what it left out. */
export const EDGE_LIMIT = 4000;

export class DashboardApi {
  private readonly engine: Engine;
  private readonly resolver: EndpointResolver;
  private readonly world: OutsideWorld;
  private readonly workloads: number;
  private readonly ports: { port: number; protocol: string }[];
  private readonly graphs = new Map<string, ApiResponse>();
  private diff?: DiffResult;

  constructor(private readonly state: DashboardState) {
    this.engine = new Engine(state.cluster);
    this.resolver = new EndpointResolver(state.cluster);
    this.world = new OutsideWorld([state.cluster]);
    this.workloads = new Set(state.cluster.pods.map(workloadId)).size;
    const ports = new Map<string, { port: number; protocol: string }>();
    for (const p of state.cluster.pods) for (const cp of p.ports) ports.set(`${cp.port}/${cp.protocol}`, { port: cp.port, protocol: cp.protocol });
    this.ports = [...ports.values()].sort((a, b) => a.port - b.port);
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
        workloads: this.workloads,
        foldAbove: FOLD_ABOVE,
        pods: c.pods.length,
        policies: c.policies.length,
        enforcingMode: c.settings.enforcingMode,
        ports: this.ports,
        hasDiff: Boolean(this.state.proposed),
        hasHistory: Boolean(this.state.history),
      },
    };
  }

  /**
   * Allowed connections, one edge per pair with its ports. A namespace filter gives its workloads
   * and everything they talk to; without one, a large cluster is folded into namespaces.
   */
  private graph(q: URLSearchParams): ApiResponse {
    const ns = q.get('namespace') || undefined;
    if (ns && !this.state.cluster.namespaces.has(ns)) return error(404, `no namespace ${JSON.stringify(ns)}`);
    const port = q.get('port') ? Number(q.get('port')) : undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return error(400, 'port must be a number 1-65535');
    const protocolText = q.get('protocol')?.toUpperCase();
    if (protocolText && !PROTOCOLS.includes(protocolText as Protocol)) return error(400, 'protocol must be TCP, UDP or SCTP');
    const protocol = protocolText as Protocol | undefined;
    const level = !ns && this.workloads > FOLD_ABOVE ? 'namespace' : 'workload';
    const key = `${level}|${ns ?? ''}|${port ?? ''}|${protocol ?? ''}`;
    const cached = this.graphs.get(key);
    if (cached) return cached;
    const filter = { ...(port !== undefined ? { port } : {}), ...(protocol ? { protocol } : {}), world: this.world };
    let answer: ApiResponse;
    if (level === 'namespace') {
      const m = computeNamespaceMatrix(this.engine, filter);
      const merged = mergeEdges(m.edges.map((e) => ({ from: e.from, to: e.to, ports: e.ports, partial: false, weight: e.podPairs })));
      const pods = new Map<string, number>();
      for (const p of this.state.cluster.pods) pods.set(p.namespace, (pods.get(p.namespace) ?? 0) + 1);
      const nodes = [...m.namespaces.map((n) => ({ id: n, namespace: n, name: n, kind: 'Namespace', pods: pods.get(n) ?? 0 })), ...m.outside.map(outsideNode)];
      answer = { status: 200, body: { level, nodes, ...limit(merged) } };
    } else {
      const m = computeMatrix(this.engine, { allowedOnly: true, ...filter, ...(ns ? { namespaces: [ns] } : {}) });
      const merged = mergeEdges(m.edges.map((e) => ({ ...e, weight: 1 })));
      const shown = limit(merged);
      const used = new Set(shown.edges.flatMap((e) => [e.from, e.to]));
      const nodes = [...m.workloads.filter((w) => (ns ? w.namespace === ns : true) || used.has(w.id)), ...m.outside.filter((o) => used.has(o.id)).map(outsideNode)];
      answer = { status: 200, body: { level, nodes, ...shown } };
    }
    if (this.graphs.size > 50) this.graphs.clear();
    this.graphs.set(key, answer);
    return answer;
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
    const f = this.reference(from);
    if (!f.ok) return error(f.status, f.error);
    const t = this.reference(to);
    if (!t.ok) return error(t.status, t.error);
    // a workload stands for all its pods: the answer says when its pod pairs disagree
    const r = judge(specDecider(this.engine), f.ref, t.ref, port, protocol as Protocol);
    if (!r.ok) return error(400, r.error);
    return { status: 200, body: { verdict: judgementJson(r.judgement), text: renderJudgement(r.judgement) } };
  }

  /** A workload, pod or address reference, or the name of a peer outside as the graph shows it. */
  private reference(ref: string): { ok: true; ref: Reference } | { ok: false; status: number; error: string } {
    if (ref === NODES) return { ok: false, status: 400, error: `${NODES} folds every Node object: explain one of them (node/NAME)` };
    const peer = this.world.get(ref === OUTSIDE ? (this.world.peers[0]?.name ?? INTERNET) : ref);
    if (peer) return { ok: true, ref: { kind: 'endpoint', label: peer.name, endpoint: peer.rep } };
    const r = this.resolver.reference(ref);
    return r.ok ? r : { ok: false, status: 404, error: r.error };
  }
}

/** Peers outside the pod network sit in a group of their own; `(outside)` can be no namespace's name. */
function outsideNode(o: OutsideNode): { id: string; namespace: string; name: string; kind: string; pods: number; outside: OutsideNode } {
  return { id: o.id, namespace: '(outside)', name: o.id, kind: 'Outside', pods: o.members ?? 1, outside: o };
}

interface WeightedEdge {
  from: string;
  to: string;
  ports: PortRange[];
  partial: boolean;
  weight: number;
}

/** A range of ports on a graph edge; `port` is its first, the one the page explains. */
interface EdgePorts extends PortRange {
  port: number;
  partial: boolean;
}

function mergeEdges(list: WeightedEdge[]): { id: string; from: string; to: string; weight: number; ports: EdgePorts[] }[] {
  const edges = new Map<string, { id: string; from: string; to: string; weight: number; ports: EdgePorts[] }>();
  for (const e of list) {
    if (e.ports.length === 0) continue;
    const k = `${e.from}->${e.to}`;
    let edge = edges.get(k);
    if (!edge) edges.set(k, (edge = { id: `e${edges.size}`, from: e.from, to: e.to, weight: 0, ports: [] }));
    for (const r of e.ports) edge.ports.push({ ...r, port: r.from, partial: e.partial });
    edge.weight += e.weight;
  }
  return [...edges.values()];
}

/** The heaviest edges up to EDGE_LIMIT, and how many were left out. */
function limit<T extends { weight: number }>(edges: T[]): { edges: T[]; hiddenEdges: number } {
  if (edges.length <= EDGE_LIMIT) return { edges, hiddenEdges: 0 };
  const sorted = [...edges].sort((a, b) => b.weight - a.weight);
  return { edges: sorted.slice(0, EDGE_LIMIT), hiddenEdges: edges.length - EDGE_LIMIT };
}
