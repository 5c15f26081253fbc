/**
 * The flows view (`serve --flows LOGS`): the observed flows counted per pair of graph nodes (workloads,
 * the folded nodes, peers outside), allowed and denied, with the top flows of a pair and the policy that
 * decides them. Flows are attributed as `flows summary` attributes them (src/flows/attribute.ts): the
 * served cluster is the snapshot, the log's own verdict is what is counted.
 */
import { NODES } from '../analysis/matrix.js';
import { INTERNET, type OutsideWorld } from '../engine/outside.js';
import type { Attributor } from '../flows/attribute.js';
import { FlowEndpoints } from '../flows/endpoints.js';
import type { FlowRecord } from '../flows/record.js';
import { workloadId, type Cluster } from '../model/cluster.js';
import type { Address } from '../net/ip.js';
import { error, ok, type ApiResponse } from './api-response.js';

/** Distinct (pair, port, protocol, verdict) kept; beyond, new ones are counted per pair only. */
const TUPLE_LIMIT = 200_000;
/** Top flows listed per edge. */
const TOP = 20;

interface Tuple {
  port: number;
  protocol: string;
  verdict: 'allow' | 'deny';
  count: number;
  first?: number;
  last?: number;
  decidedBy: string;
}

interface Pair {
  from: string;
  to: string;
  allowed: number;
  denied: number;
  /** Some flow of the pair is allowed by the model: a policy path exists. */
  policyPath: boolean;
  tuples: Map<string, Tuple>;
}

export interface FlowStats {
  flows: number;
  malformed: number;
  skipped: number;
  unattributed: number;
}

export class FlowIndex {
  private readonly endpoints: FlowEndpoints;
  private readonly pairMap = new Map<string, Pair>();
  private tuples = 0;
  private first = Infinity;
  private last = -Infinity;
  private unattributed = 0;
  private expired = 0;

  constructor(
    cluster: Cluster,
    private readonly world: OutsideWorld,
    private readonly attributor: Attributor,
    readonly files: string[],
  ) {
    this.endpoints = new FlowEndpoints(cluster);
  }

  /** A graph node id for an address: its workload, the folded nodes, or its peer outside. */
  private nodeOf(address: Address, destination?: { port: number; protocol: FlowRecord['protocol'] }): string | undefined {
    if (destination) {
      const d = this.endpoints.destination(address, destination.port, destination.protocol);
      const t = d.targets[0]!.endpoint;
      if (t.kind === 'pod') return workloadId(t.pod);
    }
    const { endpoint } = this.endpoints.resolve(address);
    if (endpoint.kind === 'pod') return workloadId(endpoint.pod);
    if (endpoint.node) return NODES;
    return this.world.peerOf(address)?.name ?? INTERNET;
  }

  add(flow: FlowRecord): void {
    if (flow.verdict === 'expired') {
      this.expired++;
      return;
    }
    const from = this.nodeOf(flow.src);
    const to = this.nodeOf(flow.dst, { port: flow.dstPort, protocol: flow.protocol });
    if (!from || !to || (this.world.get(from) && this.world.get(to)) || (from === NODES && to === NODES)) {
      this.unattributed++;
      return;
    }
    if (flow.time !== undefined) {
      this.first = Math.min(this.first, flow.time);
      this.last = Math.max(this.last, flow.time);
    }
    const a = this.attributor.attribute(flow);
    const k = `${from}\u0000${to}`;
    let p = this.pairMap.get(k);
    if (!p) this.pairMap.set(k, (p = { from, to, allowed: 0, denied: 0, policyPath: false, tuples: new Map() }));
    if (flow.verdict === 'allow') p.allowed++;
    else p.denied++;
    if (a.modelAllowed) p.policyPath = true;
    const tk = `${flow.dstPort}/${flow.protocol}/${flow.verdict}`;
    let t = p.tuples.get(tk);
    if (!t) {
      if (this.tuples >= TUPLE_LIMIT) return;
      this.tuples++;
      p.tuples.set(tk, (t = { port: flow.dstPort, protocol: flow.protocol, verdict: flow.verdict, count: 0, decidedBy: a.decidedBy }));
    }
    t.count++;
    if (flow.time !== undefined) {
      t.first = Math.min(t.first ?? Infinity, flow.time);
      t.last = Math.max(t.last ?? -Infinity, flow.time);
    }
  }

  /** Observed counts per pair of graph nodes. */
  pairs(): { from: string; to: string; allowed: number; denied: number; policyPath: boolean }[] {
    return [...this.pairMap.values()].map(({ from, to, allowed, denied, policyPath }) => ({ from, to, allowed, denied, policyPath }));
  }

  pair(from: string, to: string): Pair | undefined {
    return this.pairMap.get(`${from}\u0000${to}`);
  }

  window(): { from: string | null; to: string | null } {
    return Number.isFinite(this.first) ? { from: new Date(this.first).toISOString(), to: new Date(this.last).toISOString() } : { from: null, to: null };
  }

  counts(): { unattributed: number; expired: number } {
    return { unattributed: this.unattributed, expired: this.expired };
  }
}

/** What the views read of the flows: a FlowIndex, or (in a dashboard worker) the pairs it counted. */
export type FlowSource = Pick<FlowIndex, 'pairs' | 'pair' | 'window' | 'counts' | 'files'>;

export function flowsView(index: FlowSource): ApiResponse {
  const edges = index.pairs().sort((a, b) => b.denied + b.allowed - (a.denied + a.allowed) || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return ok({ window: index.window(), files: index.files, counts: index.counts(), edges });
}

export function flowEdgeView(index: FlowSource, q: URLSearchParams): ApiResponse {
  const from = q.get('from');
  const to = q.get('to');
  if (!from || !to) return error(400, 'flows/edge needs from and to (graph node ids)');
  const p = index.pair(from, to);
  if (!p) return error(404, `no flow was observed from ${from} to ${to}`);
  const iso = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());
  const tuples = [...p.tuples.values()].sort((a, b) => b.count - a.count || a.port - b.port);
  const top = tuples.slice(0, TOP).map((t) => ({ port: t.port, protocol: t.protocol, verdict: t.verdict, count: t.count, first: iso(t.first), last: iso(t.last), decidedBy: t.decidedBy }));
  // the deciding policy of the most frequent denied flow, else of the most frequent flow
  const main = tuples.find((t) => t.verdict === 'deny') ?? tuples[0];
  const deciding = main
    ? { text: `${main.verdict === 'deny' ? 'denied' : 'allowed'} ${main.protocol} ${main.port}: decided by ${main.decidedBy} (the served cluster's policies, as podwall flows summary attributes it)`, policy: main.decidedBy }
    : { text: 'no flow detail kept for this pair' };
  return ok({ from, to, allowed: p.allowed, denied: p.denied, policyPath: p.policyPath, top, deciding });
}
