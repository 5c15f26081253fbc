/**
 * The matrix under the EKS data plane: the specification's classes refined until every member of a class
 * looks the same to the EKS agent's maps, each pair of such classes decided by the EKS program (exactly, on
 * every class of ports), and the specification's answer for the same pairs beside it, so that the matrix can
 * mark where the two disagree and name the mechanism (compare.ts) on one witness pair.
 *
 * Why the refinement is exact: the program's verdict for a side depends on the subject's pod state and on the
 * content of the entries its maps find for the peer (longest prefix); eks-joint.ts groups endpoints by exactly
 * that. Ports are refined by every port, range and protocol a slot of the maps names.
 */
import { has, type Bits } from '../engine/bitset.js';
import type { ClassIndex } from '../engine/classes.js';
import type { Endpoint } from '../engine/endpoint.js';
import type { PortClass, PortRange } from '../engine/ports.js';
import type { Reachability } from '../engine/reachability.js';
import { PROTOCOLS, type Protocol } from '../model/cluster.js';
import type { Dataplanes } from '../eks/compare.js';
import type { DirectionMaps } from '../eks/types.js';
import { EksJoint, type GroupView } from './eks-joint.js';

export type { GroupView };

/** A refined class of ports: `parent` is the specification's class it lies in. */
export interface RefinedPortClass extends PortClass {
  parent: number;
}

export interface PlaneCounts {
  queries: RefinedPortClass[];
  /** (source group * G + destination group) -> allowed member pairs per query, EKS's and the specification's. */
  eks: Map<number, Uint32Array>;
  spec: Map<number, Uint32Array>;
  /**
   * (group pair * Q + query) -> a pair of endpoints on which the two planes disagree there; pairs of the same
   * classes are the same object (callers may cache by it).
   */
  witness: Map<number, [Endpoint, Endpoint]>;
  /** How many classes of endpoints the maps and policies tell apart. */
  joint: number;
}

/**
 * The specification's classes of ports split wherever a slot of the EKS maps starts or ends (a protocol's
 * whole range for ANY and port 0).
 */
export function refinePorts(queries: readonly PortClass[], maps: Iterable<DirectionMaps>): RefinedPortClass[] {
  const slotRanges = new Map<Protocol, Map<string, [number, number]>>(PROTOCOLS.map((p) => [p, new Map()]));
  const add = (protocol: string, port: number, endPort: number): void => {
    if (protocol === 'ANY' || protocol === 'RESERVED' || port === 0) return; // every port alike
    const to = endPort > port ? endPort : port;
    slotRanges.get(protocol as Protocol)?.set(`${port}-${to}`, [port, to]);
  };
  const seen = new Set<object>();
  for (const m of maps) {
    if (!seen.has(m.entries)) {
      seen.add(m.entries);
      for (const e of m.entries) for (const s of [...e.l4, ...e.overflow]) add(s.protocol, s.port, s.endPort);
    }
    if (!seen.has(m.cpEntries)) {
      seen.add(m.cpEntries);
      for (const e of m.cpEntries) for (const s of [...e.rules, ...e.overflow]) add(s.protocol, s.port, s.endPort);
    }
  }
  const out: RefinedPortClass[] = [];
  queries.forEach((q, parent) => {
    const byKey = new Map<string, RefinedPortClass>();
    for (const r of q.ranges) {
      const ranges = [...slotRanges.get(r.protocol)!.values()];
      const cuts = new Set<number>([r.from, r.to + 1]);
      for (const [a, b] of ranges) {
        if (a > r.from && a <= r.to) cuts.add(a);
        if (b + 1 > r.from && b + 1 <= r.to) cuts.add(b + 1);
      }
      const sorted = [...cuts].sort((x, y) => x - y);
      for (let i = 0; i + 1 < sorted.length; i++) {
        const from = sorted[i]!;
        const to = sorted[i + 1]! - 1;
        const key = `${r.protocol}|${ranges.map(([a, b]) => (a <= from && from <= b ? '1' : '0')).join('')}`;
        let c = byKey.get(key);
        if (!c) byKey.set(key, (c = { rep: { port: from, protocol: r.protocol }, ranges: [], parent }));
        c.ranges.push({ protocol: r.protocol, from, to });
      }
    }
    out.push(...byKey.values());
  });
  return out;
}

/**
 * Counts of allowed member pairs per group pair and refined class of ports, under both data planes.
 * `specRows(q)` gives the specification's class rows for one of its classes of ports.
 */
export function countBothPlanes(
  planes: Dataplanes,
  classes: ClassIndex,
  reach: Reachability,
  specQueries: readonly PortClass[],
  view: GroupView,
): PlaneCounts {
  const eks = planes.eks;
  // every pod's maps, made now: the refinement needs their slots
  const allMaps: DirectionMaps[] = [];
  for (const c of classes.classes) {
    for (const p of c.pods) {
      if (p.hostNetwork) continue;
      const m = eks.mapsOf(p)!;
      allMaps.push(m.egress, m.ingress);
    }
  }
  const queries = specQueries.length === 1 && specQueries[0]!.ranges.length === 1 && specQueries[0]!.ranges[0]!.from === specQueries[0]!.ranges[0]!.to
    ? [{ ...specQueries[0]!, parent: 0 }]
    : refinePorts(specQueries, allMaps);
  const Q = queries.length;
  const sides = new EksJoint(eks, classes, queries, view);
  const joint = sides.joint;

  // the specification's rows, per its class of ports
  const specRows: Bits[][] = specQueries.map((q) => {
    const rows: Bits[] = [];
    for (const r of reach.rows(q.rep)) rows[r.from.index] = r.allowed;
    return rows;
  });

  const G = view.G;
  const eksCounts = new Map<number, Uint32Array>();
  const specCounts = new Map<number, Uint32Array>();
  const witness = new Map<number, [Endpoint, Endpoint]>();
  const witnessOf = new Map<number, [Endpoint, Endpoint]>();
  const J = joint.length;
  const eksAllowed = new Uint8Array(Q);
  const specAllowed = new Uint8Array(Q);
  for (const s of joint) {
    if (s.members.length === 0) continue;
    for (const d of joint) {
      if (d.members.length === 0 || (s.spec.outside && d.spec.outside)) continue;
      let any = false;
      for (let a = 0; a < s.members.length && !any; a += 2) for (let b = 0; b < d.members.length && !any; b += 2) any = view.wanted(s.members[a]!, d.members[b]!);
      if (!any) continue;
      sides.allowed(eksAllowed, s, d);
      for (let qi = 0; qi < Q; qi++) specAllowed[qi] = has(specRows[queries[qi]!.parent]![s.spec.index]!, d.spec.index) ? 1 : 0;
      for (let a = 0; a < s.members.length; a += 2) {
        const gs = s.members[a]!;
        for (let b = 0; b < d.members.length; b += 2) {
          const gd = d.members[b]!;
          // a pod talking to itself is not a connection between two pods
          const pairs = s.members[a + 1]! * d.members[b + 1]! - (s === d && gs === gd ? s.members[a + 1]! : 0);
          if (pairs === 0 || !view.wanted(gs, gd)) continue;
          const k = gs * G + gd;
          let ce = eksCounts.get(k);
          if (!ce) {
            eksCounts.set(k, (ce = new Uint32Array(Q)));
            specCounts.set(k, new Uint32Array(Q));
          }
          const cs = specCounts.get(k)!;
          for (let qi = 0; qi < Q; qi++) {
            if (eksAllowed[qi]) ce[qi]! += pairs;
            if (specAllowed[qi]) cs[qi]! += pairs;
            if (eksAllowed[qi] !== specAllowed[qi] && !witness.has(k * Q + qi)) {
              const wk = s.index * J + d.index;
              let w = witnessOf.get(wk);
              if (!w) witnessOf.set(wk, (w = s === d ? [{ kind: 'pod', pod: s.pods[0]! }, { kind: 'pod', pod: s.pods[1]! }] : [s.rep, d.rep]));
              witness.set(k * Q + qi, w);
            }
          }
        }
      }
    }
  }
  return { queries, eks: eksCounts, spec: specCounts, witness, joint: J };
}

/** The ranges of `queries` whose answer (allowed for all, some or none of `total` pairs) differs. */
export function answerOf(n: number, total: number): 'allowed' | 'partial' | 'denied' {
  return n === 0 ? 'denied' : n < total ? 'partial' : 'allowed';
}

export type { PortRange };
