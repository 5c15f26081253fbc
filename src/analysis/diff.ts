/**
 * `podwall diff`: connections newly allowed and newly denied between two policy sets, per pair of
 * workloads or peers outside the pod network and per port range, each with the explanation under
 * the old and the new policies. Both sides are computed on the same split of the outside world, so
 * a CIDR added or removed shows as what it changes, not as a new peer.
 */
import type { Endpoint } from '../engine/endpoint.js';
import { Engine } from '../engine/engine.js';
import { OutsideWorld } from '../engine/outside.js';
import { describeRanges, mergeRanges, type PortRange } from '../engine/ports.js';
import { PROTOCOLS, workloadId, type Cluster, type Pod } from '../model/cluster.js';
import { summarize } from '../report/summary.js';
import type { MatrixEdge } from './matrix.js';
import { streamMatrix } from './matrix-stream.js';

export interface DiffChange {
  from: string;
  to: string;
  ports: PortRange[];
  change: 'newly-allowed' | 'newly-denied';
  /** Only some pod pairs of the two ends are allowed, before or after. */
  somePods: boolean;
  /** The explanations, on the first port of the ranges. */
  before: string;
  after: string;
}

export interface DiffResult {
  changes: DiffChange[];
  newlyAllowed: number;
  newlyDenied: number;
}

/** 2: every pod pair allowed; 1: some; 0: none. */
type Rank = 0 | 1 | 2;

export function diffClusters(oldCluster: Cluster, newCluster: Cluster, namespaces?: readonly string[]): DiffResult {
  const oldEngine = new Engine(oldCluster);
  const newEngine = new Engine(newCluster);
  const world = new OutsideWorld([oldCluster, newCluster]);
  const scope = { allowedOnly: true, outside: 'each' as const, world, ...(namespaces ? { namespaces } : {}) };
  // from -> to -> edges: nested, as a Map keyed by pairs would exceed its 2^24 entries past ~4,096 workloads
  const byPair = (edges: Iterable<MatrixEdge>): Map<string, Map<string, MatrixEdge[]>> => {
    const m = new Map<string, Map<string, MatrixEdge[]>>();
    for (const e of edges) {
      let row = m.get(e.from);
      if (!row) m.set(e.from, (row = new Map()));
      let list = row.get(e.to);
      if (!list) row.set(e.to, (list = []));
      list.push(e);
    }
    return m;
  };
  const before = byPair(streamMatrix(oldEngine, scope).edges());
  const after = byPair(streamMatrix(newEngine, scope).edges());
  const endpoints = (c: Cluster): Map<string, Endpoint> => {
    const m = new Map<string, Endpoint>();
    for (const p of c.pods) if (!m.has(workloadId(p))) m.set(workloadId(p), { kind: 'pod', pod: p as Pod });
    for (const peer of world.peers) m.set(peer.name, peer.rep);
    return m;
  };
  const oldEnds = endpoints(oldCluster);
  const newEnds = endpoints(newCluster);
  const explain = (engine: Engine, ends: Map<string, Endpoint>, from: string, to: string, r: PortRange): string => {
    const f = ends.get(from);
    const t = ends.get(to);
    if (!f || !t) return `${!f ? from : to} does not exist here`;
    return summarize(engine.decide({ from: f, to: t, port: r.from, protocol: r.protocol }));
  };
  const changes: DiffChange[] = [];
  const pairs = function* (): Generator<[string, string]> {
    for (const from of new Set([...before.keys(), ...after.keys()])) {
      const was = before.get(from);
      const is = after.get(from);
      for (const to of new Set([...(was?.keys() ?? []), ...(is?.keys() ?? [])])) yield [from, to];
    }
  };
  for (const [from, to] of pairs()) {
    const groups = new Map<string, PortRange[]>();
    for (const { range, was, is } of compare(before.get(from)?.get(to) ?? [], after.get(from)?.get(to) ?? [])) {
      if (was === is) continue;
      const g = `${is > was ? 'newly-allowed' : 'newly-denied'}|${was === 1 || is === 1}`;
      groups.set(g, [...(groups.get(g) ?? []), range]);
    }
    for (const [g, ranges] of groups) {
      const [change, some] = g.split('|') as [DiffChange['change'], string];
      const ports = mergeRanges(ranges);
      changes.push({
        from,
        to,
        ports,
        change,
        somePods: some === 'true',
        before: explain(oldEngine, oldEnds, from, to, ports[0]!),
        after: explain(newEngine, newEnds, from, to, ports[0]!),
      });
    }
  }
  changes.sort((x, y) => x.change.localeCompare(y.change) || x.from.localeCompare(y.from) || x.to.localeCompare(y.to) || describeRanges(x.ports).localeCompare(describeRanges(y.ports)));
  return { changes, newlyAllowed: changes.filter((c) => c.change === 'newly-allowed').length, newlyDenied: changes.filter((c) => c.change === 'newly-denied').length };
}

/** The port space cut where either side's answer changes, with both answers per piece. */
function compare(before: MatrixEdge[], after: MatrixEdge[]): { range: PortRange; was: Rank; is: Rank }[] {
  const rank = (edges: MatrixEdge[], protocol: string, port: number): Rank => {
    for (const e of edges) if (e.ports.some((r) => r.protocol === protocol && port >= r.from && port <= r.to)) return e.partial ? 1 : 2;
    return 0;
  };
  const out: { range: PortRange; was: Rank; is: Rank }[] = [];
  for (const protocol of PROTOCOLS) {
    const cuts = new Set<number>([1, 65536]);
    for (const e of [...before, ...after]) for (const r of e.ports) if (r.protocol === protocol) cuts.add(r.from).add(r.to + 1);
    const sorted = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const from = sorted[i]!;
      out.push({ range: { protocol, from, to: sorted[i + 1]! - 1 }, was: rank(before, protocol, from), is: rank(after, protocol, from) });
    }
  }
  return out;
}
