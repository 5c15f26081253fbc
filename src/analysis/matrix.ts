/**
 * `podwall matrix`: which workloads may reach which, for one port or for every port each destination
 * exposes. Built on the class-level reachability, then expanded to workloads.
 */
import { ClassIndex, type PodClass } from '../engine/classes.js';
import { Engine } from '../engine/engine.js';
import { Reachability, type PortQuery } from '../engine/reachability.js';
import { workloadId, type Pod, type Protocol } from '../model/cluster.js';

export interface MatrixOptions {
  /** Only pairs with an end in these namespaces; undefined = all. */
  namespaces?: readonly string[];
  port?: number;
  protocol?: Protocol;
}

export interface WorkloadNode {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  pods: number;
}

export interface MatrixEdge {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  allowed: boolean;
  /** Some pod pairs of the two workloads are allowed and some are not. */
  partial: boolean;
}

export interface MatrixResult {
  workloads: WorkloadNode[];
  ports: PortQuery[];
  edges: MatrixEdge[];
}

export function computeMatrix(engine: Engine, options: MatrixOptions = {}): MatrixResult {
  const classes = new ClassIndex(engine.cluster, engine.ctx);
  const reach = new Reachability(engine, classes);
  const inScope = (p: Pod): boolean => !options.namespaces || options.namespaces.includes(p.namespace);

  const workloads = new Map<string, WorkloadNode>();
  for (const p of engine.cluster.pods) {
    const id = workloadId(p);
    const w = workloads.get(id);
    if (w) w.pods++;
    else workloads.set(id, { id, namespace: p.namespace, name: p.workload?.name ?? p.name, kind: p.workload?.kind ?? 'Pod', pods: 1 });
  }

  // per class: how many of its pods belong to each workload
  const members = classes.classes.map((c) => {
    const m = new Map<string, Pod[]>();
    for (const p of c.pods) {
      const id = workloadId(p);
      const list = m.get(id) ?? [];
      list.push(p);
      m.set(id, list);
    }
    return m;
  });

  const queries = options.port !== undefined ? [{ port: options.port, protocol: options.protocol ?? 'TCP' }] : exposedPorts(classes.classes, options.protocol);
  const edges: MatrixEdge[] = [];
  for (const q of queries) {
    const destinations = classes.classes.filter((c) => options.port !== undefined || c.rep.ports.some((p) => p.port === q.port && p.protocol === q.protocol));
    // (from workload, to workload) -> [allowed pod pairs, all pod pairs]
    const tally = new Map<string, [number, number]>();
    for (const d of destinations) {
      for (const s of classes.classes) {
        const allowed = reach.allowed(s, d, q);
        for (const [ws, sp] of members[s.index]!) {
          for (const [wd, dp] of members[d.index]!) {
            const a = sp.some(inScope) || dp.some(inScope);
            if (!a) continue;
            // a pod talking to itself is not a connection between two pods
            const self = s === d && ws === wd ? sp.length : 0;
            const pairs = sp.length * dp.length - self;
            if (pairs === 0) continue;
            const k = `${ws}\u0000${wd}`;
            const t = tally.get(k) ?? [0, 0];
            t[0] += allowed ? pairs : 0;
            t[1] += pairs;
            tally.set(k, t);
          }
        }
      }
    }
    for (const [k, [ok, total]] of tally) {
      const [from, to] = k.split('\u0000') as [string, string];
      edges.push({ from, to, port: q.port, protocol: q.protocol, allowed: ok > 0, partial: ok > 0 && ok < total });
    }
  }
  edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.port - b.port || a.protocol.localeCompare(b.protocol));
  const used = new Set(edges.flatMap((e) => [e.from, e.to]));
  return {
    workloads: [...workloads.values()].filter((w) => used.has(w.id)).sort((a, b) => a.id.localeCompare(b.id)),
    ports: queries,
    edges,
  };
}

function exposedPorts(classes: PodClass[], protocol?: Protocol): PortQuery[] {
  const seen = new Map<string, PortQuery>();
  for (const c of classes) {
    for (const p of c.rep.ports) {
      if (protocol && p.protocol !== protocol) continue;
      seen.set(`${p.port}/${p.protocol}`, { port: p.port, protocol: p.protocol });
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}
