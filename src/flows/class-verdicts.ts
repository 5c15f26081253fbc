/**
 * The engine's verdicts for flows, shared between endpoints that no policy can tell apart (the
 * engine's endpoint classes, src/engine/classes.ts): a log names thousands of pod pairs, and the
 * replicas of two workloads are judged once. Only what depends on the policies is shared: the
 * verdicts are those of the first pair of the classes asked, so names in their text may be another
 * replica's (attribution reads the deciding tier, policy and rule, never those names).
 */
import { ClassIndex } from '../engine/classes.js';
import type { Engine } from '../engine/engine.js';
import type { Verdict } from '../engine/verdict.js';
import type { Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { Endpoint } from '../model/endpoint.js';
import { decideTargets, type FlowDestination, type FlowTarget } from './endpoints.js';
import { PROTOCOL_CODE } from './plain-connection.js';

/** Distinct (source, destination) keys kept; past it the cache starts again. */
const LIMIT = 500_000;

/**
 * The cache is keyed by numbers, found without building a string per connection: the source's
 * number, then one number for the destination, port and protocol. An endpoint's number (`id`) is
 * even for a pod class (2 * its index) and odd for an address outside the pod network (its node
 * included, as the policies can tell nodes apart), so the two never meet. A destination that is
 * a Service takes a negative number of its own, as before its own key: its backends, target ports
 * and Service fields belong to that destination object.
 */
export class ClassVerdicts {
  private classes: Map<Pod, number> | undefined;
  private readonly cache = new Map<number, Map<number, Verdict[]>>();
  private size = 0;
  private readonly services = new WeakMap<FlowDestination, number>();
  private nextService = 0;
  /** Outside endpoints' numbers, by the object (flows resolve each address once) then by their text. */
  private outsideIds = new WeakMap<Endpoint, number>();
  private readonly outsideByText = new Map<string, number>();

  constructor(private readonly engine: Engine) {}

  private classOf(pod: Pod): number | undefined {
    if (!this.classes) {
      this.classes = new Map();
      for (const c of new ClassIndex(this.engine.cluster, this.engine.ctx).classes) for (const p of c.pods) this.classes.set(p, c.index);
    }
    return this.classes.get(pod);
  }

  /** The endpoint's number (see the class comment); undefined for what is never shared (a domain, a pod of no class). */
  private id(e: Endpoint): number | undefined {
    if (e.kind === 'pod') {
      const c = this.classOf(e.pod);
      return c === undefined ? undefined : 2 * c;
    }
    if (!e.address || e.domain) return undefined;
    let id = this.outsideIds.get(e);
    if (id === undefined) {
      // the same text as the string key this replaced: family, address and node name
      const text = `${e.address.family}:${e.address.value}:${e.node?.name ?? ''}`;
      id = this.outsideByText.get(text);
      if (id === undefined) this.outsideByText.set(text, (id = 2 * this.outsideByText.size + 1));
      this.outsideIds.set(e, id);
    }
    return id;
  }

  /** The verdict of each place the flow may have gone, as decideTargets gives them. */
  decide(from: Endpoint, dst: FlowDestination, protocol: Protocol): { target: FlowTarget; verdict: Verdict }[] {
    const src = this.id(from);
    const to = src === undefined ? undefined : this.destinationKey(from, dst, protocol);
    if (to === undefined) return decideTargets(this.engine, from, dst, protocol);
    let row = this.cache.get(src!);
    const hit = row?.get(to);
    if (hit) return dst.targets.map((target, i) => ({ target, verdict: hit[i]! }));
    const judged = decideTargets(this.engine, from, dst, protocol);
    if (this.size >= LIMIT || this.outsideByText.size >= LIMIT) {
      // numbers are given again from the start: none given before may stay in a key or an
      // endpoint, this verdict's own included (its numbers are of the old count)
      this.cache.clear();
      this.size = 0;
      this.outsideByText.clear();
      this.outsideIds = new WeakMap();
      return judged;
    }
    if (!row) this.cache.set(src!, (row = new Map()));
    row.set(
      to,
      judged.map((j) => j.verdict),
    );
    this.size++;
    return judged;
  }

  /** The destination's part of the key, with the port and protocol; undefined when the verdict is not shared. */
  private destinationKey(from: Endpoint, dst: FlowDestination, protocol: Protocol): number | undefined {
    // a pod talking to itself is allowed whatever the policies say: never shared with its class
    if (from.kind === 'pod' && dst.targets.some((t) => t.endpoint.kind === 'pod' && t.endpoint.pod === from.pod)) return undefined;
    const p = PROTOCOL_CODE[protocol];
    if (dst.service) {
      let id = this.services.get(dst);
      if (id === undefined) this.services.set(dst, (id = this.nextService++));
      return -(id * 4 + p) - 1;
    }
    const t = dst.targets[0]!;
    // (a port past 16 bits, from a log that does not check it, would take another's place in the number)
    if (dst.targets.length !== 1 || t.service || (t.port & 0xffff) !== t.port) return undefined;
    const to = this.id(t.endpoint);
    // ports are 0-65535, codes 1-3: the number is (to, port, protocol) in mixed radix, never negative
    return to === undefined ? undefined : (to * 65536 + t.port) * 4 + p;
  }
}
