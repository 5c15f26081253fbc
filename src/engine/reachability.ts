/**
 * The engine's bulk form: for one port and protocol, which classes each class may reach (pods and
 * peers outside the pod network). It runs the same tier logic as Engine.decide over bitsets of
 * classes, and shares the work between classes that the same policies select. Tests hold it to
 * Engine.decide, pair by pair.
 */
import type { Direction, Policy, Rule } from '../policy/types.js';
import { empty, has, isEmpty, members, orAndNotInto, orInto, set, type Bits } from './bitset.js';
import type { ClassIndex, EndpointClass } from './classes.js';
import { isPolicyPod } from './endpoint.js';
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

export class Reachability {
  private readonly subjects: SubjectPolicies[];
  private readonly peerBits = new WeakMap<Rule, Bits>();
  private readonly namedBits = new Map<string, Bits>();
  private readonly sideCache = new Map<string, Bits>();
  /** Sides keyed by which of the subject's port rules match the query: ports no rule tells apart share them. */
  private readonly portCache = new Map<string, Bits>();
  /** Per node name: the classes that stand for that node (host-network pods, its Node object). */
  private readonly onNode = new Map<string, Bits>();
  private readonly strict: boolean;

  constructor(
    private readonly engine: Engine,
    readonly classes: ClassIndex,
  ) {
    this.strict = engine.cluster.settings.enforcingMode === 'strict';
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
    const result = this.policySide(direction, subject, q);
    // the own-node rule (own-node.ts): the classes that stand for the pod's node
    const local = rep.pod.nodeName ? this.onNode.get(rep.pod.nodeName) : undefined;
    if (!local) return result;
    const withLocal = result.slice();
    orInto(withLocal, local);
    return withLocal;
  }

  /** A policy pod's side before the own-node rule: shared by every class of the same signature. */
  private policySide(direction: Direction, subject: EndpointClass, q: PortQuery): Bits {
    const s = this.subjects[subject.index]!;
    const key = `${q.port}/${q.protocol}|${s.signature[direction]}`;
    let result = this.sideCache.get(key);
    if (!result) {
      const shared = `${this.portKey(direction, s, subject, q)}|${s.signature[direction]}`;
      result = this.portCache.get(shared);
      if (!result) {
        result = this.compute(direction, subject, s, q);
        this.portCache.set(shared, result);
      }
      this.sideCache.set(key, result);
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
            if (pm.type === 'named' && (pm.protocol === undefined || pm.protocol === q.protocol) && !isEmpty(this.named(pm.name, q))) key += `(${pm.name}:${q.port}/${q.protocol})`;
          }
        }
      }
    }
    return key;
  }

  private compute(direction: Direction, subject: EndpointClass, s: SubjectPolicies, q: PortQuery): Bits {
    const size = this.classes.size;
    const result = empty(size);
    // Admin tier: `claimed` holds peers some better-ranked candidate already decided or passed.
    const admin = this.tier(s.admin, direction, subject, q, false);
    orInto(result, admin.allow);
    const open = notBits(admin.decided, size); // passed or unmatched: continue
    const isolating = s.isolating[direction];
    if (isolating.length > 0) {
      const allowed = empty(size);
      for (const p of isolating) for (const r of p[direction]) orInto(allowed, this.ruleBits(r, direction, subject, q));
      andInto(allowed, open);
      orInto(result, allowed);
      return result;
    }
    const catchAll = s.selectedAny; // EKS: selected for the other direction only
    const baseline = this.tier(s.baseline, direction, subject, q, catchAll);
    const baseAllow = baseline.allow;
    andInto(baseAllow, open);
    orInto(result, baseAllow);
    if (catchAll || !this.strict) {
      // what neither Baseline allowed nor denied falls to the default (or EKS's catch-all)
      const rest = notBits(baseline.decided, size);
      andInto(rest, open);
      orInto(result, rest);
    }
    return result;
  }

  /** Admin or Baseline: candidates in decision order; the first to claim a peer decides it. */
  private tier(policies: Policy[], direction: Direction, subject: EndpointClass, q: PortQuery, skipEks: boolean): { allow: Bits; decided: Bits } {
    const size = this.classes.size;
    const allow = empty(size);
    const decided = empty(size);
    const claimed = empty(size);
    const candidates: { policy: Policy; rule: Rule; bits: Bits }[] = [];
    for (const policy of policies) {
      if (skipEks && policy.semantics === 'priority-action') continue;
      const covered = policy.semantics === 'first-match' ? empty(size) : undefined;
      for (const rule of policy[direction]) {
        let bits = this.ruleBits(rule, direction, subject, q);
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
  private ruleBits(rule: Rule, direction: Direction, subject: EndpointClass, q: PortQuery): Bits {
    const peers = this.rulePeers(rule);
    if (!rule.ports) return peers;
    if (direction === 'ingress') {
      return rule.ports.some((pm) => portMatches(pm, q.port, q.protocol, subject.rep)) ? peers : empty(this.classes.size);
    }
    // egress: numeric ports decide alone; named ports depend on each destination's container ports
    const destinationless = { kind: 'external' as const };
    if (rule.ports.some((pm) => pm.type !== 'named' && portMatches(pm, q.port, q.protocol, destinationless))) return peers;
    const out = empty(this.classes.size);
    for (const pm of rule.ports) {
      if (pm.type !== 'named') continue;
      if (pm.protocol !== undefined && pm.protocol !== q.protocol) continue;
      const named = this.named(pm.name, q);
      for (let i = 0; i < out.length; i++) out[i]! |= named[i]! & peers[i]!;
    }
    return out;
  }

  private rulePeers(rule: Rule): Bits {
    let b = this.peerBits.get(rule);
    if (b) return b;
    if (!rule.peers) b = this.classes.all;
    else {
      b = empty(this.classes.size);
      for (const p of rule.peers) orInto(b, this.classes.peer(p));
    }
    this.peerBits.set(rule, b);
    return b;
  }

  private named(name: string, q: PortQuery): Bits {
    const k = `${name}:${q.port}/${q.protocol}`;
    let b = this.namedBits.get(k);
    if (b) return b;
    b = empty(this.classes.size);
    for (const c of this.classes.classes) {
      if (c.pod?.ports.some((cp) => cp.name === name && cp.port === q.port && cp.protocol === q.protocol)) set(b, c.index);
    }
    this.namedBits.set(k, b);
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
   */
  rowOf(q: PortQuery): (s: EndpointClass) => Bits {
    const entries = this.byIngress(q, this.classes.classes.map((d) => d.index), (w) => w);
    return (s) => {
      const row = this.side('egress', s, q).slice();
      for (const g of entries) {
        if (has(g.ingress, s.index)) continue;
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
  private byIngress(q: PortQuery, ds: readonly number[], wordOf: (w: number) => number): { ingress: Bits; first: number; members: Uint32Array }[] {
    const groups = new Map<Bits, number[]>();
    for (const d of ds) {
      const ingress = this.side('ingress', this.classes.classes[d]!, q);
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
    const at = new Int32Array(within.length).fill(-1);
    words.forEach((w, i) => (at[w] = i));
    const entries = this.byIngress(q, [...members(within)], (w) => at[w]!);
    return (s) => {
      const rep = s.rep;
      const policy = isPolicyPod(rep);
      const egress = policy ? this.policySide('egress', s, q) : this.classes.all;
      const local = policy && rep.pod.nodeName ? this.onNode.get(rep.pod.nodeName) : undefined;
      const row = new Uint32Array(words.length);
      for (let i = 0; i < words.length; i++) {
        const w = words[i]!;
        row[i] = (egress[w]! | (local ? local[w]! : 0)) & within[w]!;
      }
      for (const g of entries) {
        if (has(g.ingress, s.index)) continue;
        const m = g.members;
        for (let i = 0; i < m.length; i++) row[g.first + i]! &= ~m[i]!;
      }
      return row;
    };
  }

  /** May a pod of class `from` reach a pod of class `to`? (Both sides.) */
  allowed(from: EndpointClass, to: EndpointClass, q: PortQuery): boolean {
    return has(this.side('egress', from, q), to.index) && has(this.side('ingress', to, q), from.index);
  }
}

function notBits(b: Bits, size: number): Bits {
  const out = new Uint32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ~b[i]!;
  const extra = size & 31;
  if (extra && out.length) out[out.length - 1]! &= (1 << extra) - 1;
  return out;
}

function andInto(target: Bits, src: Bits): void {
  for (let i = 0; i < target.length; i++) target[i]! &= src[i]!;
}
