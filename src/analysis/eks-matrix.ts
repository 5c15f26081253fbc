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
import type { ClassIndex, EndpointClass } from '../engine/classes.js';
import type { PortClass, PortRange } from '../engine/ports.js';
import type { Reachability } from '../engine/reachability.js';
import type { Pod } from '../model/cluster.js';
import { PROTOCOLS, type Protocol } from '../net/protocol.js';
import type { Endpoint } from '../model/endpoint.js';
import type { Dataplanes } from '../eks/compare.js';
import type { DirectionMaps, IdentifierMaps } from '../eks/types.js';
import { EksJoint, type GroupView, type JointClass } from './eks-joint.js';
import type { Toward } from './matrix-walk.js';

export type { GroupView };

/** A refined class of ports: `parent` is the specification's class it lies in. */
export interface RefinedPortClass extends PortClass {
  parent: number;
}

/**
 * The ranges the slots of the EKS maps name, per protocol, gathered one direction's maps at a time (what
 * refinePorts cuts the specification's classes of ports by). Arrays of entries seen already (identifiers share
 * them) are known by a weak set: it keeps no maps alive.
 */
export class SlotRanges {
  readonly byProtocol = new Map<Protocol, Map<string, [number, number]>>(PROTOCOLS.map((p) => [p, new Map()]));
  private readonly seen = new WeakSet<object>();

  add(m: DirectionMaps): void {
    if (!this.seen.has(m.entries)) {
      this.seen.add(m.entries);
      for (const e of m.entries) for (const s of [...e.l4, ...e.overflow]) this.slot(s.protocol, s.port, s.endPort);
    }
    if (!this.seen.has(m.cpEntries)) {
      this.seen.add(m.cpEntries);
      for (const e of m.cpEntries) for (const s of [...e.rules, ...e.overflow]) this.slot(s.protocol, s.port, s.endPort);
    }
  }

  private slot(protocol: string, port: number, endPort: number): void {
    if (protocol === 'ANY' || protocol === 'RESERVED' || port === 0) return; // every port alike
    const to = endPort > port ? endPort : port;
    this.byProtocol.get(protocol as Protocol)?.set(`${port}-${to}`, [port, to]);
  }
}

/**
 * The specification's classes of ports split wherever a slot of the EKS maps starts or ends (a protocol's
 * whole range for ANY and port 0).
 */
export function refinePorts(queries: readonly PortClass[], slots: SlotRanges): RefinedPortClass[] {
  const slotRanges = slots.byProtocol;
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

/** Rows of the specification's classes kept for the sources at hand; beyond this many 32-bit words they are made again. */
const ROW_CACHE_WORDS = 1 << 24;

/**
 * One source group's counts at a time: allowed member pairs toward every group per refined class of ports,
 * under both data planes, and where they disagree, the first pair of classes (in the order of `joint`) that
 * does, as the witness the mechanisms are named on. What is kept is the classes, their answers per pair of
 * map content and signature, and one row of counts (groups x classes of ports).
 */
export class EksCounts {
  readonly queries: RefinedPortClass[];
  readonly sides: EksJoint;
  /** Of the counted source, per (destination group * Q + class of ports): EKS's and the specification's. */
  readonly eks: Float64Array;
  readonly spec: Float64Array;
  /** The witness's classes there (indices into `joint`; -1: the planes agree). */
  private readonly witnessFrom: Int32Array;
  private readonly witnessTo: Int32Array;
  /** Per group: [joint class, members, ...], in the order of `joint`. */
  private readonly jointOf: number[][];
  /** Whole rows, made when a source shown toward every group first needs them (a filtered matrix may never). */
  private rowFns?: ((s: EndpointClass) => Bits)[];
  /** The specification's classes whole rows are made for, when the walk said they are not all (wholeRowsFor). */
  private wholeRowSources?: { within: Bits; words: readonly number[] };
  private readonly rowCache = new Map<number, Bits[]>();
  private rowCacheWords = 0;
  /** Per set of destinations: what counting toward them alone reads (jointToward). */
  private readonly narrowed = new WeakMap<Toward, Narrowed>();

  constructor(
    planes: Dataplanes,
    classes: ClassIndex,
    private readonly reach: Reachability,
    private readonly specQueries: readonly PortClass[],
    private readonly view: GroupView,
  ) {
    const eks = planes.eks;
    // every identifier's maps, read once by the joint classes (and their slots gathered for the refinement of the
    // ports) and let go after their last pod: on a large cluster they are most of the heap, and what the matrix
    // keeps of them is their content (eks-joint.ts); the plane's own maps are made only for the witnesses compared
    const detached: (IdentifierMaps | undefined)[] = eks.detachedMaps();
    const at = new Map<Pod, number>();
    const left = detached.map((m, i) => {
      for (const p of m!.pods) at.set(p, i);
      return m!.pods.length;
    });
    const slots = new SlotRanges();
    const mapsOf = (pod: Pod): IdentifierMaps | undefined => {
      const i = at.get(pod);
      const m = i === undefined ? undefined : detached[i];
      if (!m) return undefined;
      if (left[i!] === m.pods.length) {
        slots.add(m.egress);
        slots.add(m.ingress);
      }
      if (--left[i!]! === 0) detached[i!] = undefined;
      return m;
    };
    let queries: RefinedPortClass[] | undefined;
    this.sides = new EksJoint(
      eks,
      classes,
      () =>
        (queries = specQueries.length === 1 && specQueries[0]!.ranges.length === 1 && specQueries[0]!.ranges[0]!.from === specQueries[0]!.ranges[0]!.to
          ? [{ ...specQueries[0]!, parent: 0 }]
          : refinePorts(specQueries, slots)),
      view,
      mapsOf,
    );
    this.queries = queries!;
    const size = view.G * this.queries.length;
    this.eks = new Float64Array(size);
    this.spec = new Float64Array(size);
    this.witnessFrom = new Int32Array(size);
    this.witnessTo = new Int32Array(size);
    this.jointOf = Array.from({ length: view.G }, () => []);
    for (const j of this.sides.joint) for (let i = 0; i < j.members.length; i += 2) this.jointOf[j.members[i]!]!.push(j.index, j.members[i + 1]!);
  }

  /**
   * With a filter, whole rows are counted for the groups it shows toward everything (-n: the namespace's): the
   * specification's rows are then made for their classes only, as matrix-stream.ts makes them (Reachability.rowOf).
   */
  wholeRowsFor(groups: readonly number[]): void {
    if (groups.length === this.view.G) return;
    const within = new Uint32Array(Math.ceil(this.reach.classes.size / 32));
    for (const g of groups) {
      const own = this.jointOf[g]!;
      for (let k = 0; k < own.length; k += 2) {
        const c = this.sides.joint[own[k]!]!.spec.index;
        within[c >>> 5]! |= 1 << (c & 31);
      }
    }
    const words: number[] = [];
    within.forEach((word, w) => {
      if (word !== 0) words.push(w);
    });
    this.wholeRowSources = { within, words };
  }

  /**
   * Counts the pairs from group `gs` toward every group into `eks`, `spec` and the witnesses; with `toward`,
   * toward its groups only (the others' are left as they are: the matrix reads none of them).
   */
  count(gs: number, toward?: Toward): void {
    const { eks, spec, queries, view } = this;
    const Q = queries.length;
    const only = toward ? this.jointToward(toward) : undefined;
    const joint = only ? only.joint : this.sides.joint;
    if (toward) {
      for (const g of toward.list) {
        eks.fill(0, g * Q, (g + 1) * Q);
        spec.fill(0, g * Q, (g + 1) * Q);
        this.witnessFrom.fill(-1, g * Q, (g + 1) * Q);
      }
    } else {
      eks.fill(0);
      spec.fill(0);
      this.witnessFrom.fill(-1);
    }
    const eksAllowed = new Uint8Array(Q);
    const specAllowed = new Uint8Array(Q);
    const own = this.jointOf[gs]!;
    for (let k = 0; k < own.length; k += 2) {
      const s = this.sides.joint[own[k]!]!;
      const a = own[k + 1]!;
      const rows = only ? only.rowsOf(s.spec) : this.rowsOf(s.spec);
      for (const d of joint) {
        if (d.members.length === 0 || (s.spec.outside && d.spec.outside)) continue;
        let any = false;
        for (let b = 0; b < d.members.length && !any; b += 2) any = view.wanted(gs, d.members[b]!);
        if (!any) continue;
        this.sides.allowed(eksAllowed, s, d);
        // narrowed rows are compact: the class's word is at only.at[word]
        const c = d.spec.index;
        if (only) for (let qi = 0; qi < Q; qi++) specAllowed[qi] = (rows[queries[qi]!.parent]![only.at[c >>> 5]!]! >>> (c & 31)) & 1;
        else for (let qi = 0; qi < Q; qi++) specAllowed[qi] = has(rows[queries[qi]!.parent]!, c) ? 1 : 0;
        for (let b = 0; b < d.members.length; b += 2) {
          const gd = d.members[b]!;
          // a pod talking to itself is not a connection between two pods
          const pairs = a * d.members[b + 1]! - (s === d && gs === gd ? a : 0);
          if (pairs === 0 || !view.wanted(gs, gd)) continue;
          const base = gd * Q;
          for (let qi = 0; qi < Q; qi++) {
            if (eksAllowed[qi]) eks[base + qi]! += pairs;
            if (specAllowed[qi]) spec[base + qi]! += pairs;
            if (eksAllowed[qi] !== specAllowed[qi] && this.witnessFrom[base + qi]! < 0) {
              this.witnessFrom[base + qi] = s.index;
              this.witnessTo[base + qi] = d.index;
            }
          }
        }
      }
    }
  }

  /**
   * Where the planes disagree toward `gd` on class of ports `qi` (after count): the witness pair's number (the
   * same for the same pair of classes) and its endpoints, two pods of the class when it is both ends.
   */
  witness(gd: number, qi: number): { id: number; ends: [Endpoint, Endpoint] } | undefined {
    const i = gd * this.queries.length + qi;
    const from = this.witnessFrom[i]!;
    if (from < 0) return undefined;
    const to = this.witnessTo[i]!;
    const joint = this.sides.joint;
    const s = joint[from]!;
    const d = joint[to]!;
    return { id: from * joint.length + to, ends: s === d ? [{ kind: 'pod', pod: s.pods[0]! }, { kind: 'pod', pod: s.pods[1]! }] : [s.rep, d.rep] };
  }

  /**
   * The joint classes with a member in a group of `toward`, in the order of `joint` (the witnesses' order), and
   * the specification's rows toward their classes alone (compact, Reachability.rowWithin).
   */
  private jointToward(toward: Toward): Narrowed {
    let n = this.narrowed.get(toward);
    if (n) return n;
    const joint: JointClass[] = [];
    const mask = new Uint32Array(this.sides.joint.length ? Math.ceil(this.reach.classes.size / 32) : 0);
    for (const d of this.sides.joint) {
      let any = false;
      for (let b = 0; b < d.members.length && !any; b += 2) any = toward.shown[d.members[b]!] === 1;
      if (!any) continue;
      joint.push(d);
      mask[d.spec.index >>> 5]! |= 1 << (d.spec.index & 31);
    }
    const words: number[] = [];
    const at = new Int32Array(mask.length).fill(-1);
    mask.forEach((word, w) => {
      if (word !== 0) at[w] = words.push(w) - 1;
    });
    const fns = this.specQueries.map((q) => this.reach.rowWithin(q.rep, mask, words));
    const cache = new Map<number, Bits[]>();
    let cached = 0;
    const rowsOf = (c: EndpointClass): Bits[] => {
      let rows = cache.get(c.index);
      if (rows) return rows;
      rows = fns.map((f) => f(c));
      if (cached + words.length * rows.length > ROW_CACHE_WORDS) {
        cache.clear();
        cached = 0;
      }
      cache.set(c.index, rows);
      cached += words.length * rows.length;
      return rows;
    };
    this.narrowed.set(toward, (n = { joint, at, rowsOf }));
    return n;
  }

  /** The specification's rows of a class for each of its classes of ports, kept while they fit the cache. */
  private rowsOf(c: EndpointClass): Bits[] {
    let rows = this.rowCache.get(c.index);
    if (rows) return rows;
    this.rowFns ??= this.specQueries.map((q) => this.reach.rowOf(q.rep, this.wholeRowSources));
    rows = this.rowFns.map((f) => f(c));
    const size = rows.reduce((n, r) => n + r.length, 0);
    if (this.rowCacheWords + size > ROW_CACHE_WORDS) {
      this.rowCache.clear();
      this.rowCacheWords = 0;
    }
    this.rowCache.set(c.index, rows);
    this.rowCacheWords += size;
    return rows;
  }
}

/** Counting toward some groups only: their joint classes, and the specification's rows toward those (compact: a class's word is at `at[word]`). */
interface Narrowed {
  joint: JointClass[];
  at: Int32Array;
  rowsOf(c: EndpointClass): Bits[];
}

/** The ranges of `queries` whose answer (allowed for all, some or none of `total` pairs) differs. */
export function answerOf(n: number, total: number): 'allowed' | 'partial' | 'denied' {
  return n === 0 ? 'denied' : n < total ? 'partial' : 'allowed';
}

export type { PortRange };
