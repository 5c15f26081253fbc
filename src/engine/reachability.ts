/**
 * The engine's bulk form: for one port and protocol, which classes each class may reach (pods and
 * peers outside the pod network). It runs the same tier logic as Engine.decide over bitsets of
 * classes, and shares the work between classes that the same policies select. Tests hold it to
 * Engine.decide, pair by pair.
 */
import type { Direction, Policy, Rule } from '../policy/types.js';
import { empty, has, isEmpty, members, orAndNotInto, orInto, set, type Bits } from './bitset.js';
import type { ClassIndex, EndpointClass } from './classes.js';
import { isPolicyPod } from '../model/endpoint.js';
import { ACTION_RANK, type Engine } from './engine.js';
import { portMatches } from './match.js';
import { nodeNameOf } from './own-node.js';
import type { PortQuery } from './ports.js';

interface SubjectPolicies {
  admin: Policy[];
  isolating: Record<Direction, Policy[]>;
  /** Selected by some namespace-tier policy that isolates a direction. */
  selectedAny: boolean;
  baseline: Policy[];
  /** Everything a side's answer depends on, as a cache key: classes with equal signatures share it. */
  signature: Record<Direction, string>;
}

/**
 * Where sides are computed: over every class (the whole lane), or over the words of some columns only (a
 * filter's, rowWithin), each bitset then holding only those words, masked by the columns. The tier logic is
 * word by word (and, or, and-not, not), so a side computed in a narrow lane is the whole side's words there:
 * a matrix of one namespace never makes the full-width side of each of the cluster's classes (on the extreme
 * benchmark, gigabytes of bitsets and the time to fill them).
 */
interface Lane {
  /** Words per bitset. */
  readonly width: number;
  /** The lane's classes as bits: what a complement stays within (the whole lane: every class). */
  readonly valid: Bits;
  /** A whole-width bitset's words in this lane (the whole lane: itself, shared, never written). */
  project(b: Bits): Bits;
  readonly peerBits: WeakMap<Rule, Bits>;
  readonly namedBits: Map<string, Bits>;
  readonly sideCache: Map<string, Bits>;
  /** Sides keyed by which of the subject's port rules match the query: ports no rule tells apart share them. */
  readonly portCache: Map<string, Bits>;
}

function makeLane(width: number, valid: Bits, project: (b: Bits) => Bits): Lane {
  return { width, valid, project, peerBits: new WeakMap(), namedBits: new Map(), sideCache: new Map(), portCache: new Map() };
}

export class Reachability {
  private readonly subjects: SubjectPolicies[];
  /** Every class: what side() and rowOf answer in. */
  private readonly whole: Lane;
  /** Narrow lanes by the columns they hold (rowWithin): kept while its caller keeps those columns. */
  private readonly lanes = new WeakMap<Bits, WeakMap<readonly number[], Lane>>();
  /** Per node name: the classes that stand for that node (host-network pods, its Node object). */
  private readonly onNode = new Map<string, Bits>();
  private readonly strict: boolean;

  constructor(
    private readonly engine: Engine,
    readonly classes: ClassIndex,
  ) {
    this.strict = engine.cluster.settings.enforcingMode === 'strict';
    this.whole = makeLane(classes.all.length, classes.all, (b) => b);
    this.subjects = classes.classes.map(() => ({ admin: [], isolating: { ingress: [], egress: [] }, selectedAny: false, baseline: [], signature: { ingress: '', egress: '' } }));
    for (const policy of [...engine.admin, ...engine.baseline]) {
      for (const i of members(classes.select(policy.subject))) {
        this.subjects[i]![policy.tier === 'admin' ? 'admin' : 'baseline'].push(policy);
      }
    }
    for (const ns of new Set(classes.classes.flatMap((c) => (c.pod ? [c.pod.namespace] : [])))) {
      for (const policy of engine.namespacePolicies(ns)) {
        if (!policy.isolates.ingress && !policy.isolates.egress) continue;
        for (const i of members(classes.select(policy.subject))) {
          const s = this.subjects[i]!;
          s.selectedAny = true;
          if (policy.isolates.ingress) s.isolating.ingress.push(policy);
          if (policy.isolates.egress) s.isolating.egress.push(policy);
        }
      }
    }
    const ids = (list: Policy[]): string => list.map((p) => engine.order.get(p)).join(',');
    for (const c of classes.classes) {
      const s = this.subjects[c.index]!;
      // named ports of ingress rules resolve against the subject itself
      const ports = (c.pod?.ports ?? []).map((p) => `${p.name ?? ''}:${p.port}/${p.protocol}`).join(',');
      for (const d of ['ingress', 'egress'] as const) {
        s.signature[d] = `${d}|${ids(s.admin)}|${ids(s.isolating[d])}|${s.selectedAny ? 1 : 0}|${ids(s.baseline)}|${d === 'ingress' ? ports : ''}`;
      }
    }
    for (const c of classes.classes) {
      const node = nodeNameOf(c.rep, engine.ctx);
      if (!node) continue;
      let b = this.onNode.get(node);
      if (!b) this.onNode.set(node, (b = empty(classes.size)));
      set(b, c.index);
    }
  }

  /** Classes that `subject`'s `direction` side lets through toward them (before the other side). */
  side(direction: Direction, subject: EndpointClass, q: PortQuery): Bits {
    const rep = subject.rep;
    if (!isPolicyPod(rep)) return this.classes.all; // no policies of its own
    const result = this.policySide(this.whole, direction, subject, q);
    // the own-node rule (own-node.ts): the classes that stand for the pod's node
    const local = rep.pod.nodeName ? this.onNode.get(rep.pod.nodeName) : undefined;
    if (!local) return result;
    const withLocal = result.slice();
    orInto(withLocal, local);
    return withLocal;
  }

  /** A policy pod's side before the own-node rule, in `lane`: shared by every class of the same signature. */
  private policySide(lane: Lane, direction: Direction, subject: EndpointClass, q: PortQuery): Bits {
    const s = this.subjects[subject.index]!;
    const key = `${q.port}/${q.protocol}|${s.signature[direction]}`;
    let result = lane.sideCache.get(key);
    if (!result) {
      const shared = `${this.portKey(direction, s, subject, q)}|${s.signature[direction]}`;
      result = lane.portCache.get(shared);
      if (!result) {
        result = this.compute(lane, direction, subject, s, q);
        lane.portCache.set(shared, result);
      }
      lane.sideCache.set(key, result);
    }
    return result;
  }

  /**
   * How the query's port meets each port-restricted rule the side can use (ruleBits' only use of
   * it): whether a port item matches (ingress: named ports against the subject itself), and for
   * egress named ports, which port they would resolve to. Equal keys mean equal sides.
   */
  private portKey(direction: Direction, s: SubjectPolicies, subject: EndpointClass, q: PortQuery): string {
    let key = '';
    for (const list of [s.admin, s.isolating[direction], s.baseline]) {
      for (const policy of list) {
        for (const rule of policy[direction]) {
          if (!rule.ports) continue;
          if (direction === 'ingress') {
            key += rule.ports.some((pm) => portMatches(pm, q.port, q.protocol, subject.rep)) ? '1' : '0';
            continue;
          }
          if (rule.ports.some((pm) => pm.type !== 'named' && portMatches(pm, q.port, q.protocol, { kind: 'external' }))) {
            key += '1';
            continue;
          }
          key += '0';
          for (const pm of rule.ports) {
            if (pm.type === 'named' && (pm.protocol === undefined || pm.protocol === q.protocol) && !isEmpty(this.named(this.whole, pm.name, q))) key += `(${pm.name}:${q.port}/${q.protocol})`;
          }
        }
      }
    }
    return key;
  }

  private compute(lane: Lane, direction: Direction, subject: EndpointClass, s: SubjectPolicies, q: PortQuery): Bits {
    const result = new Uint32Array(lane.width);
    // Admin tier: `claimed` holds peers some better-ranked candidate already decided or passed.
    const admin = this.tier(lane, s.admin, direction, subject, q, false);
    orInto(result, admin.allow);
    const open = notBits(admin.decided, lane.valid); // passed or unmatched: continue
    const isolating = s.isolating[direction];
    if (isolating.length > 0) {
      const allowed = new Uint32Array(lane.width);
      for (const p of isolating) for (const r of p[direction]) orInto(allowed, this.ruleBits(lane, r, direction, subject, q));
      andInto(allowed, open);
      orInto(result, allowed);
      return result;
    }
    const catchAll = s.selectedAny; // EKS: selected for the other direction only
    const baseline = this.tier(lane, s.baseline, direction, subject, q, catchAll);
    const baseAllow = baseline.allow;
    andInto(baseAllow, open);
    orInto(result, baseAllow);
    if (catchAll || !this.strict) {
      // what neither Baseline allowed nor denied falls to the default (or EKS's catch-all)
      const rest = notBits(baseline.decided, lane.valid);
      andInto(rest, open);
      orInto(result, rest);
    }
    return result;
  }

  /** Admin or Baseline: candidates in decision order; the first to claim a peer decides it. */
  private tier(lane: Lane, policies: Policy[], direction: Direction, subject: EndpointClass, q: PortQuery, skipEks: boolean): { allow: Bits; decided: Bits } {
    const allow = new Uint32Array(lane.width);
    const decided = new Uint32Array(lane.width);
    const claimed = new Uint32Array(lane.width);
    const candidates: { policy: Policy; rule: Rule; bits: Bits }[] = [];
    for (const policy of policies) {
      if (skipEks && policy.semantics === 'priority-action') continue;
      const covered = policy.semantics === 'first-match' ? new Uint32Array(lane.width) : undefined;
      for (const rule of policy[direction]) {
        let bits = this.ruleBits(lane, rule, direction, subject, q);
        if (covered) {
          const own = bits;
          bits = bits.slice();
          for (let i = 0; i < bits.length; i++) bits[i]! &= ~covered[i]!;
          orInto(covered, own);
        }
        candidates.push({ policy, rule, bits });
      }
    }
    candidates.sort(
      (a, b) =>
        a.policy.priority - b.policy.priority ||
        ACTION_RANK[a.rule.action] - ACTION_RANK[b.rule.action] ||
        this.engine.order.get(a.policy)! - this.engine.order.get(b.policy)! ||
        a.rule.index - b.rule.index,
    );
    for (const c of candidates) {
      if (c.rule.action === 'allow') orAndNotInto(allow, c.bits, claimed);
      if (c.rule.action !== 'pass') orAndNotInto(decided, c.bits, claimed);
      orInto(claimed, c.bits);
    }
    return { allow, decided };
  }

  /** The peers a rule matches for this query (ports included). */
  private ruleBits(lane: Lane, rule: Rule, direction: Direction, subject: EndpointClass, q: PortQuery): Bits {
    const peers = this.rulePeers(lane, rule);
    if (!rule.ports) return peers;
    if (direction === 'ingress') {
      return rule.ports.some((pm) => portMatches(pm, q.port, q.protocol, subject.rep)) ? peers : new Uint32Array(lane.width);
    }
    // egress: numeric ports decide alone; named ports depend on each destination's container ports
    const destinationless = { kind: 'external' as const };
    if (rule.ports.some((pm) => pm.type !== 'named' && portMatches(pm, q.port, q.protocol, destinationless))) return peers;
    const out = new Uint32Array(lane.width);
    for (const pm of rule.ports) {
      if (pm.type !== 'named') continue;
      if (pm.protocol !== undefined && pm.protocol !== q.protocol) continue;
      const named = this.named(lane, pm.name, q);
      for (let i = 0; i < out.length; i++) out[i]! |= named[i]! & peers[i]!;
    }
    return out;
  }

  /**
   * The classes a rule's peers match, in `lane`. A rule of one peer shares that peer's bits (ClassIndex keeps
   * them per selection) rather than a copy per rule: tens of thousands of rules on a large cluster.
   */
  private rulePeers(lane: Lane, rule: Rule): Bits {
    let b = lane.peerBits.get(rule);
    if (b) return b;
    if (!rule.peers) b = lane.project(this.classes.all);
    else if (rule.peers.length === 1) b = lane.project(this.classes.peer(rule.peers[0]!));
    else {
      b = new Uint32Array(lane.width);
      for (const p of rule.peers) orInto(b, lane.project(this.classes.peer(p)));
    }
    lane.peerBits.set(rule, b);
    return b;
  }

  private named(lane: Lane, name: string, q: PortQuery): Bits {
    const k = `${name}:${q.port}/${q.protocol}`;
    let b = lane.namedBits.get(k);
    if (b) return b;
    if (lane !== this.whole) b = lane.project(this.named(this.whole, name, q));
    else {
      b = empty(this.classes.size);
      for (const c of this.classes.classes) {
        if (c.pod?.ports.some((cp) => cp.name === name && cp.port === q.port && cp.protocol === q.protocol)) set(b, c.index);
      }
    }
    lane.namedBits.set(k, b);
    return b;
  }

  /**
   * The complete class-by-class reachability for one query, row by row (allowed destinations of
   * each source class). Destinations are grouped by their ingress answer, so a row costs one pass
   * over the groups rather than one test per destination.
   */
  *rows(q: PortQuery): Generator<{ from: EndpointClass; allowed: Bits }> {
    const row = this.rowOf(q);
    for (const s of this.classes.classes) yield { from: s, allowed: row(s) };
  }

  /**
   * The same rows one source class at a time, in any order (the matrix walks sources in the order it
   * prints them). The destinations' grouping by ingress answer is made once per query.
   *
   * `sources`: the only classes whose rows will be asked for (`within`, its words `words`, as rowWithin's). The
   * destinations' ingress sides are then computed on those words only: a matrix of one namespace makes whole
   * rows for that namespace's sources alone, and needs not every class's full-width ingress side (on the
   * extreme benchmark, 150,000 pods, about 5 GB of them).
   */
  rowOf(q: PortQuery, sources?: { within: Bits; words: readonly number[] }): (s: EndpointClass) => Bits {
    const lane = sources ? this.lane(sources.within, sources.words) : this.whole;
    const at = sources ? wordIndex(sources.within, sources.words) : undefined;
    const entries = this.byIngress(q, this.classes.classes.map((d) => d.index), (w) => w, lane);
    return (s) => {
      // where the source's bit is in the lane's sides
      let bit = s.index;
      if (sources) {
        if (!has(sources.within, s.index)) throw new Error(`rowOf: class ${s.index} is not among the sources it was made for`);
        bit = at![s.index >>> 5]! * 32 + (s.index & 31);
      }
      const row = this.side('egress', s, q).slice();
      for (const g of entries) {
        if (has(g.ingress, bit)) continue;
        const m = g.members;
        for (let i = 0; i < m.length; i++) row[g.first + i]! &= ~m[i]!;
      }
      return row;
    };
  }

  /**
   * Destination classes `ds` grouped by their ingress side for `q`, each group's members as bits over the span of
   * words it covers only (`first` on; a class's word is wordOf(its word)): classes of a namespace sit together,
   * so the groups of a cluster with tens of thousands of distinct sides stay small.
   */
  private byIngress(q: PortQuery, ds: readonly number[], wordOf: (w: number) => number, lane: Lane = this.whole): { ingress: Bits; first: number; members: Uint32Array }[] {
    const groups = new Map<Bits, number[]>();
    // in a narrow lane, sides alike on its few words are one group, and one that lets every source of the lane
    // in (it takes nothing from any row) is none: tens of thousands of destinations make a few groups
    const narrow = lane !== this.whole;
    const alike = new Map<string, Bits>();
    const everyone = narrow ? String(lane.valid) : '';
    for (const d of ds) {
      let ingress = this.sideIn(lane, 'ingress', this.classes.classes[d]!, q);
      if (narrow) {
        const k = String(ingress);
        if (k === everyone) continue;
        const first = alike.get(k);
        if (first) ingress = first;
        else alike.set(k, ingress);
      }
      const list = groups.get(ingress);
      if (list) list.push(d);
      else groups.set(ingress, [d]);
    }
    return [...groups].map(([ingress, list]) => {
      let first = Infinity;
      let last = -1;
      for (const d of list) {
        const w = wordOf(d >>> 5);
        if (w < first) first = w;
        if (w > last) last = w;
      }
      const members = new Uint32Array(last - first + 1);
      for (const d of list) members[wordOf(d >>> 5) - first]! |= 1 << (d & 31);
      return { ingress, first, members };
    });
  }

  /**
   * rowOf's rows toward the classes of `within` only, compact: word i of a row is word `words[i]` of rowOf's
   * row masked by `within` (`words`: the words where `within` has bits). A matrix filtered to one namespace
   * needs its classes' columns from every source: this costs those words and the ingress answers of those
   * classes, not the whole row.
   */
  rowWithin(q: PortQuery, within: Bits, words: readonly number[]): (s: EndpointClass) => Bits {
    const at = wordIndex(within, words);
    const entries = this.byIngress(q, [...members(within)], (w) => at[w]!);
    // egress sides are computed on these words only (Lane), each already masked by `within`
    const lane = this.lane(within, words);
    return (s) => {
      const rep = s.rep;
      const policy = isPolicyPod(rep);
      const egress = policy ? this.policySide(lane, 'egress', s, q) : lane.valid;
      const local = policy && rep.pod.nodeName ? this.onNode.get(rep.pod.nodeName) : undefined;
      const row = new Uint32Array(words.length);
      for (let i = 0; i < words.length; i++) {
        const w = words[i]!;
        row[i] = egress[i]! | ((local ? local[w]! : 0) & within[w]!);
      }
      for (const g of entries) {
        if (has(g.ingress, s.index)) continue;
        const m = g.members;
        for (let i = 0; i < m.length; i++) row[g.first + i]! &= ~m[i]!;
      }
      return row;
    };
  }

  /** The lane of `within`'s words (`words`: those where it has bits), shared by the rows of every port query there. */
  private lane(within: Bits, words: readonly number[]): Lane {
    let byWords = this.lanes.get(within);
    let lane = byWords?.get(words);
    if (lane) return lane;
    const project = (b: Bits): Bits => {
      const out = new Uint32Array(words.length);
      for (let i = 0; i < words.length; i++) out[i] = b[words[i]!]! & within[words[i]!]!;
      return out;
    };
    lane = makeLane(words.length, project(this.classes.all), project);
    if (!byWords) this.lanes.set(within, (byWords = new WeakMap()));
    byWords.set(words, lane);
    return lane;
  }

  /** side() in `lane`. */
  private sideIn(lane: Lane, direction: Direction, subject: EndpointClass, q: PortQuery): Bits {
    if (lane === this.whole) return this.side(direction, subject, q);
    const rep = subject.rep;
    if (!isPolicyPod(rep)) return lane.valid;
    const result = this.policySide(lane, direction, subject, q);
    const local = rep.pod.nodeName ? this.onNode.get(rep.pod.nodeName) : undefined;
    if (!local) return result;
    const withLocal = result.slice();
    orInto(withLocal, lane.project(local));
    return withLocal;
  }

  /** May a pod of class `from` reach a pod of class `to`? (Both sides.) */
  allowed(from: EndpointClass, to: EndpointClass, q: PortQuery): boolean {
    return has(this.side('egress', from, q), to.index) && has(this.side('ingress', to, q), from.index);
  }
}

/** Per word of a bitset: its place among `words` (-1: not there). */
function wordIndex(within: Bits, words: readonly number[]): Int32Array {
  const at = new Int32Array(within.length).fill(-1);
  words.forEach((w, i) => (at[w] = i));
  return at;
}

/** The lane's classes not in `b` (`valid`: the lane's classes). */
function notBits(b: Bits, valid: Bits): Bits {
  const out = new Uint32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ~b[i]! & valid[i]!;
  return out;
}

function andInto(target: Bits, src: Bits): void {
  for (let i = 0; i < target.length; i++) target[i]! &= src[i]!;
}
