/**
 * The dashboard's JSON API: pure functions from a request to a status and a body, over one loaded
 * cluster. Bad requests get clear 4xx answers; nothing here touches the network or the disk. Each view
 * has a file of its own (graph, denied, flows, diff, audit, history), given what api-context.ts describes and
 * answering as api-response.ts does; this one routes, and answers the summary and the explanations. The
 * contract with the page is /work/notes/dashboard-api.md (and the README's dashboard section).
 */
import { eksDecider, specDecider, type Decider } from '../analysis/deciders.js';
import { judge } from '../analysis/judgement.js';
import { NODES, OUTSIDE, type WorkloadNode } from '../analysis/matrix.js';
import { Engine } from '../engine/engine.js';
import { Dataplanes } from '../eks/compare.js';
import { INTERNET, OutsideWorld } from '../engine/outside.js';
import { workloadId } from '../model/cluster.js';
import { PROTOCOLS, type Protocol } from '../net/protocol.js';
import { EndpointResolver, type Reference } from '../model/refs.js';
import { judgementJson, renderJudgement } from '../report/judgement.js';
import { auditView } from './audit.js';
import { deniedView } from './denied.js';
import { diffView, DiffOverlay } from './diff.js';
import { flowEdgeView, flowsView } from './flows.js';
import { graphView } from './graph.js';
import { historyView, incidentSummary } from './history.js';
import type { Progress, ProgressSink } from './progress.js';
import { FOLD_ABOVE, type ApiContext, type DashboardDataplane, type DashboardState } from './api-context.js';
import { error, ok, type ApiResponse } from './api-response.js';

export type { ClusterScope, HistorySource } from './history.js';
export type { FlowSource } from './flows.js';
export type { DashboardDataplane, DashboardState } from './api-context.js';

const SPEC: DashboardDataplane = { name: 'kubernetes', text: 'the Kubernetes specification' };

export class DashboardApi implements ApiContext {
  readonly engine: Engine;
  readonly resolver: EndpointResolver;
  readonly world: OutsideWorld;
  readonly dataplane: DashboardDataplane;
  readonly workloads = new Map<string, WorkloadNode>();
  private readonly ports: { port: number; protocol: string }[];
  private deciderMade?: Decider;
  private planesMade?: Dataplanes;
  /** Graph answers by their normalized question: the server's cache keys by URL, this one by meaning, so a warm-up serves every spelling. */
  private readonly graphs = new Map<string, ApiResponse>();
  private diffMade?: DiffOverlay;
  /** Where the question being answered reports its progress (a worker thread's; none in the server's thread). */
  private sink?: ProgressSink;

  constructor(readonly state: DashboardState) {
    this.engine = new Engine(state.cluster);
    this.resolver = new EndpointResolver(state.cluster);
    this.world = new OutsideWorld(state.proposed ? [state.cluster, state.proposed] : [state.cluster]);
    this.dataplane = state.dataplane ?? SPEC;
    for (const p of state.cluster.pods) {
      const id = workloadId(p);
      const w = this.workloads.get(id);
      if (w) w.pods++;
      else this.workloads.set(id, { id, namespace: p.namespace, name: p.workload?.name ?? p.name, kind: p.workload?.kind ?? 'Pod', pods: 1 });
    }
    const ports = new Map<string, { port: number; protocol: string }>();
    for (const p of state.cluster.pods) for (const cp of p.ports) ports.set(`${cp.port}/${cp.protocol}`, { port: cp.port, protocol: cp.protocol });
    this.ports = [...ports.values()].sort((a, b) => a.port - b.port);
  }

  /** The decider of the served data plane, made on first use (the EKS pipeline is lazy too). */
  decider(): Decider {
    const planes = this.planes();
    this.deciderMade ??= planes ? eksDecider(planes) : specDecider(this.engine);
    return this.deciderMade;
  }

  planes(): Dataplanes | undefined {
    const d = this.dataplane;
    if (d.name !== 'eks') return undefined;
    this.planesMade ??= new Dataplanes(this.state.cluster, { version: d.version, compute: d.compute, ...(d.controller ? { controller: d.controller } : {}) });
    return this.planesMade;
  }

  diff(): DiffOverlay | undefined {
    if (!this.state.proposed) return undefined;
    const d = this.dataplane;
    this.diffMade ??= new DiffOverlay(this.state.cluster, this.state.proposed, d.name === 'eks' ? { name: 'eks', version: d.version, compute: d.compute, controller: d.controller } : { name: 'kubernetes' });
    return this.diffMade;
  }

  /** Computes the first graph the page asks for, so that the first page load does not wait for it. */
  warm(progress?: ProgressSink): void {
    this.handle('GET', new URL('http://localhost/api/graph'), progress);
  }

  report(p: Progress): void {
    this.sink?.(p);
  }

  /** `progress`: told how far this question has got while it is computed (answers are synchronous: one at a time). */
  handle(method: string, url: URL, progress?: ProgressSink): ApiResponse {
    const before = this.sink;
    this.sink = progress;
    try {
      return this.route(method, url);
    } finally {
      this.sink = before;
    }
  }

  private route(method: string, url: URL): ApiResponse {
    if (method !== 'GET' && method !== 'HEAD') return error(405, `${method} is not allowed: the dashboard is read-only`);
    const q = url.searchParams;
    switch (url.pathname) {
      case '/api/summary':
        return this.summary();
      case '/api/graph': {
        const k = ['namespace', 'port', 'protocol', 'level', 'diff', 'flows'].map((n) => q.get(n) ?? '').join('|');
        const known = this.graphs.get(k);
        if (known) return known;
        const r = graphView(this, q);
        if (r.status === 200) {
          if (this.graphs.size >= 64) this.graphs.delete(this.graphs.keys().next().value!);
          this.graphs.set(k, r);
        }
        return r;
      }
      case '/api/denied':
        return deniedView(this, q);
      case '/api/explain':
        return this.explain(q);
      case '/api/audit':
        if (!this.state.audit) return error(404, 'no audit here: a dashboard worker answers the graph, denied and diff views only');
        return q.get('raw') === '1' ? ok(this.state.audit) : auditView(this.state.audit);
      case '/api/history':
        return historyView(this.state.history, this.state.scope);
      case '/api/diff': {
        const d = this.diff();
        if (!d) return error(404, 'no proposed policy set: start podwall serve with --proposed PATH (the summary says hasProposed=false)');
        return diffView(d);
      }
      case '/api/flows':
        if (!this.state.flows) return error(404, 'no flow logs: start podwall serve with --flows LOGS (the summary says hasFlows=false)');
        return flowsView(this.state.flows);
      case '/api/flows/edge':
        if (!this.state.flows) return error(404, 'no flow logs: start podwall serve with --flows LOGS (the summary says hasFlows=false)');
        return flowEdgeView(this.state.flows, q);
      case '/api/events':
        // the server streams these itself; reaching here means nothing is watched
        return error(404, 'no live updates: podwall serve reads files, not a watched cluster (the summary says live=false)');
    }
    return error(404, `no such API: ${url.pathname}`);
  }

  private summary(): ApiResponse {
    const c = this.state.cluster;
    const d = this.dataplane;
    const scope = this.state.scope;
    return ok({
      source: this.state.source,
      namespaces: [...c.namespaces.keys()].sort(),
      workloads: this.workloads.size,
      foldAbove: FOLD_ABOVE,
      pods: c.pods.length,
      policies: c.policies.length,
      enforcingMode: c.settings.enforcingMode,
      ports: this.ports,
      hasDiff: Boolean(this.state.proposed),
      hasProposed: Boolean(this.state.proposed),
      hasHistory: Boolean(this.state.history),
      hasFlows: Boolean(this.state.flows),
      live: Boolean(this.state.live),
      cluster: scope?.cluster ?? this.state.source,
      clusterSource: scope?.source ?? 'files',
      scopeNote: scope?.note ?? 'no history database: nothing recorded to scope',
      dataplane: d.name === 'eks' ? { name: d.name, version: d.version, compute: d.compute, text: d.text } : { name: d.name, text: d.text },
      incidents: incidentSummary(this.state.history),
    });
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
    // a workload stands for all its pods, on the data plane the server answers for (as `explain --dataplane`)
    const r = judge(this.decider(), f.ref, t.ref, port, protocol as Protocol);
    if (!r.ok) return error(400, r.error);
    const eks = this.dataplane.name === 'eks' ? this.dataplane.context : undefined;
    return ok({ dataplane: this.dataplane.name, verdict: judgementJson(r.judgement, eks), text: renderJudgement(r.judgement, undefined, '', eks) });
  }

  /** A workload, pod or address reference, or the name of a peer outside as the graph shows it. */
  reference(ref: string): { ok: true; ref: Reference } | { ok: false; status: number; error: string } {
    if (ref === NODES) return { ok: false, status: 400, error: `${NODES} folds every Node object: explain one of them (node/NAME)` };
    const peer = this.world.get(ref === OUTSIDE ? (this.world.peers[0]?.name ?? INTERNET) : ref);
    if (peer) return { ok: true, ref: { kind: 'endpoint', label: peer.name, endpoint: peer.rep } };
    const r = this.resolver.reference(ref);
    return r.ok ? r : { ok: false, status: 404, error: r.error };
  }
}
