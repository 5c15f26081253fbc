/**
 * The engine's verdicts for flows, shared between endpoints that no policy can tell apart (the
 * engine's endpoint classes, src/engine/classes.ts): a log names thousands of pod pairs, and the
 * replicas of two workloads are judged once. Only what depends on the policies is shared: the
 * verdicts are those of the first pair of the classes asked, so names in their text may be another
 * replica's (attribution reads the deciding tier, policy and rule, never those names).
 */
import { ClassIndex } from '../engine/classes.js';
import type { Engine } from '../engine/engine.js';
import type { Endpoint } from '../engine/endpoint.js';
import type { Verdict } from '../engine/verdict.js';
import type { Pod, Protocol } from '../model/cluster.js';
import { decideTargets, type FlowDestination, type FlowTarget } from './endpoints.js';

/** Distinct (source, destination) keys kept; past it the cache starts again. */
const LIMIT = 500_000;

export class ClassVerdicts {
  private classes: Map<Pod, number> | undefined;
  private readonly cache = new Map<string, Verdict[]>();
  private readonly services = new WeakMap<FlowDestination, number>();
  private nextService = 0;

  constructor(private readonly engine: Engine) {}

  private classOf(pod: Pod): number | undefined {
    if (!this.classes) {
      this.classes = new Map();
      for (const c of new ClassIndex(this.engine.cluster, this.engine.ctx).classes) for (const p of c.pods) this.classes.set(p, c.index);
    }
    return this.classes.get(pod);
  }

  private key(e: Endpoint): string | undefined {
    if (e.kind === 'pod') {
      const c = this.classOf(e.pod);
      return c === undefined ? undefined : `c${c}`;
    }
    if (e.kind === 'external' && e.address && !e.domain) return `a${e.address.family}:${e.address.value}:${e.node?.name ?? ''}`;
    return undefined;
  }

  /** The verdict of each place the flow may have gone, as decideTargets gives them. */
  decide(from: Endpoint, dst: FlowDestination, protocol: Protocol): { target: FlowTarget; verdict: Verdict }[] {
    const k = this.cacheKey(from, dst, protocol);
    if (k === undefined) return decideTargets(this.engine, from, dst, protocol);
    const hit = this.cache.get(k);
    if (hit) return dst.targets.map((target, i) => ({ target, verdict: hit[i]! }));
    const judged = decideTargets(this.engine, from, dst, protocol);
    if (this.cache.size >= LIMIT) this.cache.clear();
    this.cache.set(
      k,
      judged.map((j) => j.verdict),
    );
    return judged;
  }

  private cacheKey(from: Endpoint, dst: FlowDestination, protocol: Protocol): string | undefined {
    const src = this.key(from);
    if (src === undefined) return undefined;
    // a pod talking to itself is allowed whatever the policies say: never shared with its class
    if (from.kind === 'pod' && dst.targets.some((t) => t.endpoint.kind === 'pod' && t.endpoint.pod === from.pod)) return undefined;
    if (dst.service) {
      // a Service's backends, target ports and Service fields belong to this destination object
      let id = this.services.get(dst);
      if (id === undefined) this.services.set(dst, (id = this.nextService++));
      return `${src}>s${id}/${protocol}`;
    }
    const t = dst.targets[0]!;
    if (dst.targets.length !== 1 || t.service) return undefined;
    const to = this.key(t.endpoint);
    return to === undefined ? undefined : `${src}>${to}:${t.port}/${protocol}`;
  }
}
