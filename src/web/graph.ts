/**
 * The graph view: allowed connections, one edge per pair with its ports and a verdict (allowed for every
 * pod pair, or partial), the peers outside the pod network as nodes in both directions, and on request
 * the diff of a proposal and the observed flows on the same nodes. A large cluster is folded into
 * namespaces, and the answer says so.
 */
import { computeMatrix, computeNamespaceMatrix, NODES, OUTSIDE, type Disagreement, type MatrixEdge, type OutsideNode } from '../analysis/matrix.js';
import type { PortRange } from '../engine/ports.js';
import { workloadId, type Pod } from '../model/cluster.js';
import { PROTOCOLS, type Protocol } from '../net/protocol.js';
import { eksGroupMatrix } from './eks-groups.js';
import { focusedMatrix } from './focus.js';
import { FOLD_ABOVE, planeOf, type ApiContext } from './api-context.js';
import { error, ok, type ApiResponse } from './api-response.js';

/** The group of every peer outside the pod network; `(outside)` can be no namespace's name. */
export const OUTSIDE_GROUP = '(outside)';

export interface GraphNode {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  pods: number;
  group: string;
  outside?: OutsideNode;
}

/** A range of ports on a graph edge; `port` is its first, the one the page explains. */
export interface EdgePorts extends PortRange {
  port: number;
  partial: boolean;
}

export type EdgeVerdict = 'allowed' | 'partial' | 'denied';

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  weight: number;
  verdict: EdgeVerdict;
  ports: EdgePorts[];
  /** Where the other data plane answers differently (under eks: the specification), with the mechanisms. */
  eks?: Disagreement[];
  flows?: { allowed: number; denied: number };
  change?: 'added' | 'removed';
}

export type GraphLevel = 'namespace' | 'workload';

/** The most edges one graph answer holds: a browser stays fluid, and the answer says what it left out. */
export const EDGE_LIMIT = 4000;

/** Said with every folded view on EKS: what it costs (measured on the benchmark clusters, README dashboard). */
const SLOW = 'On EKS a view of a large cluster (thousands of pods) takes minutes to compute: the agent\'s maps of every pod are built and every pair of pod classes decided (explain answers one pair at once).';

/** A workload id's namespace, or the peer itself when the id is a peer outside. */
export function namespaceOf(ctx: ApiContext, id: string): string {
  return ctx.workloads.get(id)?.namespace ?? id;
}

export function graphView(ctx: ApiContext, q: URLSearchParams): ApiResponse {
  const ns = q.get('namespace') || undefined;
  if (ns && !ctx.state.cluster.namespaces.has(ns)) return error(404, `no namespace ${JSON.stringify(ns)}`);
  const port = q.get('port') ? Number(q.get('port')) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return error(400, 'port must be a number 1-65535');
  const protocolText = q.get('protocol')?.toUpperCase();
  if (protocolText && !PROTOCOLS.includes(protocolText as Protocol)) return error(400, 'protocol must be TCP, UDP or SCTP');
  const protocol = protocolText as Protocol | undefined;
  const asked = q.get('level');
  if (asked && asked !== 'namespace' && asked !== 'workload') return error(400, 'level must be namespace or workload');
  const wantDiff = q.get('diff') === '1';
  if (wantDiff && !ctx.state.proposed) return error(404, 'no proposed policy set: start podwall serve with --proposed PATH');
  const wantFlows = q.get('flows') === '1';
  if (wantFlows && !ctx.state.flows) return error(404, 'no flow logs: start podwall serve with --flows LOGS');
  const big = ctx.workloads.size > FOLD_ABOVE;
  const level: GraphLevel = ns ? 'workload' : ((asked as GraphLevel | null) ?? (big ? 'namespace' : 'workload'));
  const filter = { ...(port !== undefined ? { port } : {}), ...(protocol ? { protocol } : {}), world: ctx.world };

  const nodes = new Map<string, GraphNode>();
  const addNode = (id: string): void => {
    if (nodes.has(id)) return;
    // workload ids hold a slash, namespace names never do
    if (!id.includes('/') && ctx.state.cluster.namespaces.has(id)) {
      nodes.set(id, { id, namespace: id, name: id, kind: 'Namespace', pods: podsIn(ctx, id), group: id });
      return;
    }
    const w = ctx.workloads.get(id);
    if (w) nodes.set(id, { ...w, group: w.namespace });
    else nodes.set(id, outsideNode(ctx, id));
  };
  /** Ids as this level shows them: a workload folds into its namespace at the namespace level. */
  const shown = (id: string): string => (level === 'namespace' ? namespaceOf(ctx, id) : id);

  let edges: GraphEdge[];
  let dataplane: 'eks' | 'kubernetes' = 'kubernetes';
  let dataplaneNote: string | undefined;
  if (level === 'namespace') {
    // within: a folded namespace whose pods talk among themselves is drawn with a loop
    const d = ctx.dataplane;
    if (d.name === 'eks') {
      // the EKS data plane per pair of namespaces (eks-groups.ts), marked where some pod pair between them differs
      const m = eksGroupMatrix(ctx.engine, ctx.planes()!, { ...filter, groupOf: (p) => p.namespace, reading: 'some', within: true, report: (p) => ctx.report(p), unit: 'namespaces and peers outside' });
      for (const n of [...ctx.state.cluster.namespaces.keys()].sort()) addNode(n);
      for (const id of m.outside) addNode(id);
      edges = mergeEdges(m.edges.map((e) => ({ ...e, partial: false, weight: e.podPairs })));
      dataplane = 'eks';
      dataplaneNote = `Folded namespaces show the EKS data plane: an edge is allowed where some pod pair between the two may connect, and ◆ marks ports on which the specification answers differently for at least one pod pair. ${SLOW}`;
    } else {
      const m = computeNamespaceMatrix(ctx.engine, { ...filter, within: true });
      for (const n of m.namespaces) addNode(n);
      for (const o of m.outside) nodes.set(o.id, { ...outsideNode(ctx, o.id), outside: o });
      edges = mergeEdges(m.edges.map((e) => ({ from: e.from, to: e.to, ports: e.ports, partial: false, allowed: true, weight: e.podPairs })));
    }
  } else if (ns && big) {
    // a namespace of a large cluster: its workloads one by one, the rest folded into their namespaces
    const groupOf = (p: Pod): string => (p.namespace === ns ? workloadId(p) : p.namespace);
    const inFocus = (id: string): boolean => ctx.workloads.get(id)?.namespace === ns;
    const d = ctx.dataplane;
    if (d.name === 'eks') {
      // a pair of workloads reads as the matrix reads it; a folded namespace at the other end as folded namespaces do
      const m = eksGroupMatrix(ctx.engine, ctx.planes()!, { ...filter, groupOf, inFocus, reading: 'pairs', report: (p) => ctx.report(p), unit: 'workloads, namespaces and peers outside' });
      edges = mergeEdges(m.edges.map((e) => ({ ...e, weight: 1 })));
      dataplane = 'eks';
      dataplaneNote = `Every other namespace is folded into one node; ◆ marks ports where the specification answers otherwise (allowed for all, some or no pod pairs), as the matrix marks them. ${SLOW}`;
    } else {
      const m = focusedMatrix(ctx.engine, { ...filter, groupOf, inFocus });
      edges = mergeEdges(m.map((e) => ({ ...e, weight: 1 })));
    }
    for (const w of ctx.workloads.values()) if (w.namespace === ns) addNode(w.id);
  } else {
    const plane = ctx.dataplane.name === 'eks' ? planeOf(ctx.dataplane) : { name: 'kubernetes' as const };
    const m = computeMatrix(ctx.engine, { allowedOnly: true, ...filter, ...(ns ? { namespaces: [ns] } : {}), dataplane: plane });
    dataplane = m.dataplane?.name ?? 'kubernetes';
    if (ctx.dataplane.name === 'eks' && dataplane !== 'eks') dataplaneNote = 'this build\'s matrix answers for the specification only: edges are the specification\'s, without EKS marks';
    edges = mergeEdges(m.edges.map((e) => ({ ...e, weight: 1 })));
    for (const w of m.workloads) if (!ns || w.namespace === ns) addNode(w.id);
    for (const o of m.outside) nodes.set(o.id, { ...outsideNode(ctx, o.id), outside: o });
  }

  const limited = limit(edges);
  edges = limited.edges;
  if (wantDiff) {
    for (const c of ctx.diff()!.changes) {
      if (ns && namespaceOf(ctx, c.from) !== ns && namespaceOf(ctx, c.to) !== ns) continue;
      const from = shown(c.from);
      const to = shown(c.to);
      if (from === to && level === 'namespace') continue;
      edges.push({
        id: `d${edges.length}`,
        from,
        to,
        weight: 1,
        verdict: c.somePods ? 'partial' : c.change === 'newly-allowed' ? 'allowed' : 'denied',
        ports: c.ports.map((r) => ({ ...r, port: r.from, partial: c.somePods })),
        change: c.change === 'newly-allowed' ? 'added' : 'removed',
      });
    }
  }
  if (wantFlows) {
    const seen = new Map(edges.filter((e) => !e.change).map((e) => [`${e.from}\u0000${e.to}`, e]));
    const observed = new Map<string, { allowed: number; denied: number }>();
    // a peer the graph folded into `outside` (every peer had the same answer) is drawn there
    const peer = (id: string): string => (!nodes.has(id) && ctx.world.get(id) && nodes.has(OUTSIDE) ? OUTSIDE : shown(id));
    for (const f of ctx.state.flows!.pairs()) {
      if (ns && namespaceOf(ctx, f.from) !== ns && namespaceOf(ctx, f.to) !== ns) continue;
      const k = `${peer(f.from)}\u0000${peer(f.to)}`;
      const o = observed.get(k) ?? { allowed: 0, denied: 0 };
      o.allowed += f.allowed;
      o.denied += f.denied;
      observed.set(k, o);
    }
    for (const [k, counts] of observed) {
      const e = seen.get(k);
      if (e) e.flows = counts;
      else {
        // seen in the logs without a policy path: denied attempts (or flows the model would deny)
        const [from, to] = k.split('\u0000') as [string, string];
        if (from === to && level === 'namespace') continue;
        edges.push({ id: `f${edges.length}`, from, to, weight: counts.allowed + counts.denied, verdict: 'denied', ports: [], flows: counts });
      }
    }
  }
  for (const e of edges) {
    addNode(e.from);
    addNode(e.to);
  }
  const body: Record<string, unknown> = {
    level,
    dataplane,
    ...(dataplaneNote ? { dataplaneNote } : {}),
    ...(ns && big
      ? { folded: { workloads: ctx.workloads.size, namespaces: ctx.state.cluster.namespaces.size, reason: `${ctx.workloads.size} workloads are more than ${FOLD_ABOVE}: the workloads of ${ns} are shown one by one, every other namespace folded into one node` } }
      : {}),
    ...(level === 'namespace'
      ? { folded: { workloads: ctx.workloads.size, namespaces: ctx.state.cluster.namespaces.size, reason: big ? `${ctx.workloads.size} workloads are more than ${FOLD_ABOVE}: workloads are folded into their namespaces; open a namespace (?namespace=NS) to see its workloads` : 'folded on request (level=namespace)' } }
      : {}),
    nodes: [...nodes.values()].sort((a, b) => a.group.localeCompare(b.group) || a.id.localeCompare(b.id)),
    edges,
    hiddenEdges: limited.hiddenEdges,
  };
  return ok(body);
}

function podsIn(ctx: ApiContext, namespace: string): number {
  let n = 0;
  for (const w of ctx.workloads.values()) if (w.namespace === namespace) n += w.pods;
  return n;
}

/** A peer outside the pod network (an address range, a domain name, the internet, the nodes) as a node. */
export function outsideNode(ctx: ApiContext, id: string): GraphNode {
  const peer = ctx.world.get(id);
  const outside: OutsideNode =
    id === NODES
      ? { id, kind: 'nodes', members: ctx.state.cluster.nodes.length }
      : peer
        ? { id, kind: peer.kind, ...(peer.family ? { family: peer.family } : {}), ...(peer.cidr ? { cidr: peer.cidr } : {}), ...(peer.except ? { except: peer.except } : {}) }
        : { id, kind: 'outside' };
  return { id, namespace: OUTSIDE_GROUP, name: id, kind: 'Outside', pods: outside.members ?? 1, group: OUTSIDE_GROUP, outside };
}

interface WeightedEdge extends Pick<MatrixEdge, 'from' | 'to' | 'ports' | 'partial' | 'allowed' | 'disagreement'> {
  weight: number;
}

/** One edge per pair: its port ranges (each saying whether only some pod pairs may use it), and the marks of the other data plane. */
export function mergeEdges(list: WeightedEdge[]): GraphEdge[] {
  const edges = new Map<string, GraphEdge>();
  for (const e of list) {
    // a denied edge comes only with a mark: the other data plane allows some of its ports
    if (e.ports.length === 0 || (!e.allowed && !e.disagreement)) continue;
    const k = `${e.from}->${e.to}`;
    let edge = edges.get(k);
    if (!edge) edges.set(k, (edge = { id: `e${edges.size}`, from: e.from, to: e.to, weight: 0, verdict: e.allowed ? 'allowed' : 'denied', ports: [] }));
    if (!e.allowed) {
      (edge.eks ??= []).push(e.disagreement!);
      continue;
    }
    if (edge.verdict === 'denied') edge.verdict = 'allowed';
    for (const r of e.ports) edge.ports.push({ ...r, port: r.from, partial: e.partial });
    if (e.partial) edge.verdict = 'partial';
    if (e.disagreement) (edge.eks ??= []).push(e.disagreement);
    edge.weight += e.weight;
  }
  return [...edges.values()];
}

/** The heaviest edges up to EDGE_LIMIT, and how many were left out. */
function limit(edges: GraphEdge[]): { edges: GraphEdge[]; hiddenEdges: number } {
  if (edges.length <= EDGE_LIMIT) return { edges, hiddenEdges: 0 };
  const sorted = [...edges].sort((a, b) => b.weight - a.weight);
  return { edges: sorted.slice(0, EDGE_LIMIT), hiddenEdges: edges.length - EDGE_LIMIT };
}
