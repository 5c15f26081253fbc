// The whole-matrix diff as it was before it streamed (commit 6e584e7, src/analysis/diff.ts and the formatters of
// src/cli/diff.ts), kept as the oracle the streamed diff must equal byte for byte: it holds both matrices and
// sorts every change, which is simple enough to trust and too costly to ship.
import { Engine } from '../../src/engine/engine.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { describeRanges, intersectRanges, mergeRanges, type PortRange } from '../../src/engine/ports.js';
import { summarize } from '../../src/engine/verdict-text.js';
import { Dataplanes } from '../../src/eks/compare.js';
import { workloadId, type Cluster, type Pod } from '../../src/model/cluster.js';
import { PROTOCOLS } from '../../src/net/protocol.js';
import type { Endpoint } from '../../src/model/endpoint.js';
import { computeMatrix, type MatrixDataplane, type MatrixEdge } from '../../src/analysis/matrix.js';

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
  /**
   * Under a named data plane: the ranges of the change on which the other plane answers differently before
   * or after (so the change itself may differ there), and the mechanisms behind it.
   */
  disagreement?: { ports: PortRange[]; mechanisms: string[] };
}

export interface DiffResult {
  changes: DiffChange[];
  /**
   * Under a named data plane: changes the other plane would show where this one shows none (the EKS answer
   * stays while the specification's changes, or the other way round); absent when there are none.
   */
  otherPlaneOnly?: { from: string; to: string; ports: PortRange[]; change: DiffChange['change'] }[];
  newlyAllowed: number;
  newlyDenied: number;
}

/** 2: every pod pair allowed; 1: some; 0: none. */
type Rank = 0 | 1 | 2;

/**
 * `dataplane` (absent: the specification) chooses whose answers are compared; with the EKS one, the
 * explanations add the EKS verdict where it differs from the specification's, and changes are marked where
 * the specification answers differently.
 */
export function diffClustersReference(oldCluster: Cluster, newCluster: Cluster, namespaces?: readonly string[], dataplane?: MatrixDataplane): DiffResult {
  const oldEngine = new Engine(oldCluster);
  const newEngine = new Engine(newCluster);
  const world = new OutsideWorld([oldCluster, newCluster]);
  const scope = { allowedOnly: true, outside: 'each' as const, world, ...(namespaces ? { namespaces } : {}), ...(dataplane ? { dataplane } : {}) };
  const eks = dataplane?.name === 'eks' ? { version: dataplane.version, compute: dataplane.compute } : undefined;
  const oldPlanes = eks ? new Dataplanes(oldCluster, eks) : undefined;
  const newPlanes = eks ? new Dataplanes(newCluster, eks) : undefined;
  // from -> to -> edges: nested, as one Map keyed by pairs would pass its 2^24 entries past ~4,096 workloads
  const byPair = (edges: MatrixEdge[]): Map<string, Map<string, MatrixEdge[]>> => {
    const m = new Map<string, Map<string, MatrixEdge[]>>();
    for (const e of edges) {
      let row = m.get(e.from);
      if (!row) m.set(e.from, (row = new Map()));
      const list = row.get(e.to);
      if (list) list.push(e);
      else row.set(e.to, [e]);
    }
    return m;
  };
  const edgesOf = (m: Map<string, Map<string, MatrixEdge[]>>, from: string, to: string): MatrixEdge[] => m.get(from)?.get(to) ?? [];
  const before = byPair(computeMatrix(oldEngine, scope).edges);
  const after = byPair(computeMatrix(newEngine, scope).edges);
  const endpoints = (c: Cluster): Map<string, Endpoint> => {
    const m = new Map<string, Endpoint>();
    for (const p of c.pods) if (!m.has(workloadId(p))) m.set(workloadId(p), { kind: 'pod', pod: p as Pod });
    for (const peer of world.peers) m.set(peer.name, peer.rep);
    return m;
  };
  const oldEnds = endpoints(oldCluster);
  const newEnds = endpoints(newCluster);
  const explain = (engine: Engine, planes: Dataplanes | undefined, ends: Map<string, Endpoint>, from: string, to: string, r: PortRange): string => {
    const f = ends.get(from);
    const t = ends.get(to);
    if (!f || !t) return `${!f ? from : to} does not exist here`;
    const conn = { from: f, to: t, port: r.from, protocol: r.protocol };
    if (!planes) return summarize(engine.decide(conn));
    const c = planes.compare(conn);
    if (c.agree) return summarize(c.kubernetes);
    return `EKS ${c.eks.allowed ? 'allows' : 'denies'} it (${c.mechanisms.join(', ') || 'unexplained'}); the specification: ${summarize(c.kubernetes)}`;
  };
  const marks = (edges: MatrixEdge[], ports: PortRange[]): { ports: PortRange[]; mechanisms: string[] } | undefined => {
    const on = mergeRanges(edges.flatMap((e) => (e.disagreement ? intersectRanges(ports, e.disagreement.ports) : [])));
    if (on.length === 0) return undefined;
    return { ports: on, mechanisms: [...new Set(edges.flatMap((e) => e.disagreement?.mechanisms ?? []))].sort() };
  };
  const changes: DiffChange[] = [];
  const otherOnly = new Map<string, { from: string; to: string; ports: PortRange[]; change: DiffChange['change'] }>();
  const pairs = function* (): Generator<[string, string]> {
    for (const from of new Set([...before.keys(), ...after.keys()])) {
      for (const to of new Set([...(before.get(from)?.keys() ?? []), ...(after.get(from)?.keys() ?? [])])) yield [from, to];
    }
  };
  for (const [from, to] of pairs()) {
    const k = `${from}\u0000${to}`;
    const groups = new Map<string, PortRange[]>();
    for (const { range, was, is, wasOther, isOther } of compare(edgesOf(before, from, to), edgesOf(after, from, to))) {
      if (was === is && wasOther !== isOther) {
        const change = isOther > wasOther ? 'newly-allowed' : 'newly-denied';
        const ok = `${k}\u0000${change}`;
        const o = otherOnly.get(ok);
        if (o) o.ports.push(range);
        else otherOnly.set(ok, { from, to, ports: [range], change });
      }
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
        before: explain(oldEngine, oldPlanes, oldEnds, from, to, ports[0]!),
        after: explain(newEngine, newPlanes, newEnds, from, to, ports[0]!),
      });
      if (dataplane) {
        const m = [marks(edgesOf(before, from, to), ports), marks(edgesOf(after, from, to), ports)].filter((x) => x !== undefined);
        if (m.length) changes[changes.length - 1]!.disagreement = { ports: mergeRanges(m.flatMap((x) => x.ports)), mechanisms: [...new Set(m.flatMap((x) => x.mechanisms))].sort() };
      }
    }
  }
  changes.sort((x, y) => x.change.localeCompare(y.change) || x.from.localeCompare(y.from) || x.to.localeCompare(y.to) || describeRanges(x.ports).localeCompare(describeRanges(y.ports)));
  const others = [...otherOnly.values()].map((o) => ({ ...o, ports: mergeRanges(o.ports) }));
  others.sort((x, y) => x.change.localeCompare(y.change) || x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
  return {
    changes,
    ...(others.length ? { otherPlaneOnly: others } : {}),
    newlyAllowed: changes.filter((c) => c.change === 'newly-allowed').length,
    newlyDenied: changes.filter((c) => c.change === 'newly-denied').length,
  };
}

/** The port space cut where either side's answer changes, with both answers per piece. */
function compare(before: MatrixEdge[], after: MatrixEdge[]): { range: PortRange; was: Rank; is: Rank; wasOther: Rank; isOther: Rank }[] {
  // the other data plane's answer: the edge's own, unless its disagreement covers the port
  const rankOther = (edges: MatrixEdge[], protocol: string, port: number): Rank => {
    const on = (r: PortRange): boolean => r.protocol === protocol && port >= r.from && port <= r.to;
    for (const e of edges) {
      if (!e.ports.some(on)) continue;
      if (e.disagreement?.ports.some(on)) return e.disagreement.other === 'allowed' ? 2 : e.disagreement.other === 'partial' ? 1 : 0;
      if (e.allowed) return e.partial ? 1 : 2;
    }
    return 0;
  };
  const rank = (edges: MatrixEdge[], protocol: string, port: number): Rank => {
    // denied edges come along when the other data plane allows some of their ports
    for (const e of edges) if (e.allowed && e.ports.some((r) => r.protocol === protocol && port >= r.from && port <= r.to)) return e.partial ? 1 : 2;
    return 0;
  };
  const out: { range: PortRange; was: Rank; is: Rank; wasOther: Rank; isOther: Rank }[] = [];
  for (const protocol of PROTOCOLS) {
    const cuts = new Set<number>([1, 65536]);
    for (const e of [...before, ...after]) for (const r of e.ports) if (r.protocol === protocol) cuts.add(r.from).add(r.to + 1);
    const sorted = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const from = sorted[i]!;
      out.push({ range: { protocol, from, to: sorted[i + 1]! - 1 }, was: rank(before, protocol, from), is: rank(after, protocol, from), wasOther: rankOther(before, protocol, from), isOther: rankOther(after, protocol, from) });
    }
  }
  return out;
}

// the formatters of src/cli/diff.ts as they were, with the proposal's line given and colour as a function
type Paint = (color: 'yellow' | 'red' | 'dim', text: string) => string;

export function textReference(r: DiffResult, proposalLine: string, paint: Paint): string {
  if (!r.changes.length) return [proposalLine, 'no connection changes', ...otherOnlyLines(r, paint)].join('\n') + '\n';
  const out = [proposalLine, `${r.newlyAllowed} newly allowed, ${r.newlyDenied} newly denied`, ''];
  for (const c of r.changes) {
    const mark = c.change === 'newly-allowed' ? paint('yellow', '+ allow') : paint('red', '- deny ');
    const on = c.ports[0]!;
    out.push(
      `${mark} ${c.from} -> ${c.to} ${describeRanges(c.ports)}${c.somePods ? ' (some pods)' : ''}${c.disagreement ? `  [eks≠spec on ${describeRanges(c.disagreement.ports)}: ${c.disagreement.mechanisms.join(', ')}]` : ''}`,
      `    before (${on.protocol} ${on.from}): ${c.before}`,
      `    after  (${on.protocol} ${on.from}): ${c.after}`,
    );
  }
  out.push(...otherOnlyLines(r, paint));
  return out.join('\n') + '\n';
}

function otherOnlyLines(r: DiffResult, paint?: Paint): string[] {
  if (!r.otherPlaneOnly) return [];
  const out = ['', 'only on the other data plane (eks≠spec; this one keeps its answer):'];
  for (const c of r.otherPlaneOnly) {
    const mark = c.change === 'newly-allowed' ? '+ allow' : '- deny ';
    out.push(`  ${paint ? paint('dim', mark) : mark} ${c.from} -> ${c.to} ${describeRanges(c.ports)}`);
  }
  return out;
}

export function markdownReference(r: DiffResult, proposalLine: string): string {
  const out = ['## podwall diff', '', proposalLine, '', `${r.newlyAllowed} newly allowed, ${r.newlyDenied} newly denied`, ''];
  if (!r.changes.length) return [...out, ...otherOnlyLines(r)].join('\n') + '\n';
  const marks = r.changes.some((c) => c.disagreement);
  out.push(`| change | from | to | ports | after |${marks ? ' eks≠spec |' : ''}`, `| --- | --- | --- | --- | --- |${marks ? ' --- |' : ''}`);
  for (const c of r.changes) out.push(`| ${c.change}${c.somePods ? ' (some pods)' : ''} | ${c.from} | ${c.to} | ${describeRanges(c.ports)} | ${c.after.replace(/\|/g, '\\|')} |${marks ? ` ${c.disagreement ? `${describeRanges(c.disagreement.ports)}: ${c.disagreement.mechanisms.join(', ')}` : ''} |` : ''}`);
  out.push(...otherOnlyLines(r));
  return out.join('\n') + '\n';
}

export function jsonReference(r: DiffResult, dataplane: MatrixDataplane, proposal: unknown): string {
  return JSON.stringify({ dataplane, ...r, proposal }, null, 2) + '\n';
}
