/**
 * `podwall matrix`: which workloads may reach which, for one port or for every port each destination
 * exposes. Built on the class-level reachability, then expanded to workloads.
 */
import { empty, members as eachMember, set } from '../engine/bitset.js';
import { ClassIndex, type PodClass } from '../engine/classes.js';
import { Engine } from '../engine/engine.js';
import { Reachability, type PortQuery } from '../engine/reachability.js';
import { workloadId, type Pod, type Protocol } from '../model/cluster.js';

export interface MatrixOptions {
  /** Only pairs with an end in these namespaces; undefined = all. */
  namespaces?: readonly string[];
  /** Leave denied pairs out: what graphs and unused-path reports need, at a fraction of the size. */
  allowedOnly?: boolean;
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
    const isDestination = (c: PodClass): boolean => options.port !== undefined || c.rep.ports.some((p) => p.port === q.port && p.protocol === q.protocol);
    const destinationMask = empty(classes.size);
    for (const c of classes.classes) if (isDestination(c)) set(destinationMask, c.index);
    // pods of each workload that are destinations for this port: the denominator of "partial"
    const destinationPods = new Map<string, number>();
    for (const c of classes.classes) if (isDestination(c)) for (const [w, pods] of members[c.index]!) destinationPods.set(w, (destinationPods.get(w) ?? 0) + pods.length);
    // (from workload, to workload) -> allowed pod pairs
    const allowedPairs = new Map<string, number>();
    for (const { from: s, allowed } of reach.rows(q)) {
      for (let w = 0; w < allowed.length; w++) allowed[w]! &= destinationMask[w]!;
      for (const di of eachMember(allowed)) {
        const d = classes.classes[di]!;
        for (const [ws, sp] of members[s.index]!) {
          for (const [wd, dp] of members[d.index]!) {
            // a pod talking to itself is not a connection between two pods
            const pairs = sp.length * dp.length - (s === d && ws === wd ? sp.length : 0);
            if (pairs === 0 || !(sp.some(inScope) || dp.some(inScope))) continue;
            const k = `${ws}\u0000${wd}`;
            allowedPairs.set(k, (allowedPairs.get(k) ?? 0) + pairs);
          }
        }
      }
    }
    const total = (ws: string, wd: string): number => (workloads.get(ws)!.pods * (destinationPods.get(wd) ?? 0)) - (ws === wd ? destinationPods.get(wd) ?? 0 : 0);
    for (const [k, ok] of allowedPairs) {
      const [from, to] = k.split('\u0000') as [string, string];
      edges.push({ from, to, port: q.port, protocol: q.protocol, allowed: true, partial: ok < total(from, to) });
    }
    if (options.allowedOnly) continue;
    // the denied pairs: every source workload against every destination workload it may not reach
    for (const ws of workloads.values()) {
      for (const [wd] of destinationPods) {
        const k = `${ws.id}\u0000${wd}`;
        if (allowedPairs.has(k) || total(ws.id, wd) === 0) continue;
        if (options.namespaces && !options.namespaces.includes(ws.namespace) && !options.namespaces.includes(workloads.get(wd)!.namespace)) continue;
        edges.push({ from: ws.id, to: wd, port: q.port, protocol: q.protocol, allowed: false, partial: false });
      }
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

export interface NamespaceEdge {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  /** Allowed pod pairs between the two namespaces on this port. */
  podPairs: number;
}

/**
 * Allowed connections folded to namespaces: what a graph of a large cluster shows before a
 * namespace is opened. Costs one pass over the class rows per port; never lists workload pairs.
 */
export function computeNamespaceMatrix(engine: Engine, options: { port?: number; protocol?: Protocol } = {}): { namespaces: string[]; edges: NamespaceEdge[] } {
  const classes = new ClassIndex(engine.cluster, engine.ctx);
  const reach = new Reachability(engine, classes);
  const queries = options.port !== undefined ? [{ port: options.port, protocol: options.protocol ?? 'TCP' }] : exposedPorts(classes.classes, options.protocol);
  const edges: NamespaceEdge[] = [];
  for (const q of queries) {
    const mask = empty(classes.size);
    for (const c of classes.classes) if (options.port !== undefined || c.rep.ports.some((p) => p.port === q.port && p.protocol === q.protocol)) set(mask, c.index);
    const counts = new Map<string, number>();
    for (const { from: s, allowed } of reach.rows(q)) {
      for (let w = 0; w < allowed.length; w++) allowed[w]! &= mask[w]!;
      for (const di of eachMember(allowed)) {
        const d = classes.classes[di]!;
        if (d.rep.namespace === s.rep.namespace) continue;
        const k = `${s.rep.namespace}\u0000${d.rep.namespace}`;
        counts.set(k, (counts.get(k) ?? 0) + s.pods.length * d.pods.length);
      }
    }
    for (const [k, podPairs] of counts) {
      const [from, to] = k.split('\u0000') as [string, string];
      edges.push({ from, to, port: q.port, protocol: q.protocol, podPairs });
    }
  }
  return { namespaces: [...engine.cluster.namespaces.keys()].sort(), edges };
}
