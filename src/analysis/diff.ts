/**
 * `podwall diff`: connections newly allowed and newly denied between two policy sets, per workload
 * pair and port, each with the explanation under the old and the new policies.
 */
import { Engine } from '../engine/engine.js';
import { workloadId, type Cluster, type Pod, type Protocol } from '../model/cluster.js';
import { summarize } from '../report/summary.js';
import { computeMatrix, type MatrixEdge } from './matrix.js';

export interface DiffChange {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  change: 'newly-allowed' | 'newly-denied';
  before: string;
  after: string;
}

export interface DiffResult {
  changes: DiffChange[];
  newlyAllowed: number;
  newlyDenied: number;
}

export function diffClusters(oldCluster: Cluster, newCluster: Cluster, namespaces?: readonly string[]): DiffResult {
  const oldEngine = new Engine(oldCluster);
  const newEngine = new Engine(newCluster);
  const scope = { allowedOnly: true, ...(namespaces ? { namespaces } : {}) };
  const key = (e: MatrixEdge): string => `${e.from}\u0000${e.to}\u0000${e.port}/${e.protocol}`;
  const before = new Map(computeMatrix(oldEngine, scope).edges.map((e) => [key(e), e]));
  const after = new Map(computeMatrix(newEngine, scope).edges.map((e) => [key(e), e]));
  const rep = (c: Cluster): Map<string, Pod> => {
    const m = new Map<string, Pod>();
    for (const p of c.pods) if (!m.has(workloadId(p))) m.set(workloadId(p), p);
    return m;
  };
  const oldPods = rep(oldCluster);
  const newPods = rep(newCluster);
  const explain = (engine: Engine, pods: Map<string, Pod>, e: MatrixEdge): string => {
    const from = pods.get(e.from);
    const to = pods.get(e.to);
    if (!from || !to) return `${!from ? e.from : e.to} does not exist here`;
    return summarize(engine.decide({ from: { kind: 'pod', pod: from }, to: { kind: 'pod', pod: to }, port: e.port, protocol: e.protocol }));
  };
  const changes: DiffChange[] = [];
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(k);
    const a = after.get(k);
    const was = b?.allowed ?? false;
    const is = a?.allowed ?? false;
    if (was === is) continue;
    const e = (a ?? b)!;
    changes.push({
      from: e.from,
      to: e.to,
      port: e.port,
      protocol: e.protocol,
      change: is ? 'newly-allowed' : 'newly-denied',
      before: explain(oldEngine, oldPods, e),
      after: explain(newEngine, newPods, e),
    });
  }
  changes.sort((x, y) => x.change.localeCompare(y.change) || x.from.localeCompare(y.from) || x.to.localeCompare(y.to) || x.port - y.port);
  return { changes, newlyAllowed: changes.filter((c) => c.change === 'newly-allowed').length, newlyDenied: changes.filter((c) => c.change === 'newly-denied').length };
}
