/**
 * The cause of an incident: the change point that blocked the connection, the model's explanation
 * of the denial after it, and which changed objects are decisive (undoing that object's change
 * alone lets the model allow the connection again: a counterfactual, not a guess from names).
 * Only objects whose policy (before or after the change) selects an end of the connection can
 * matter: every tier consults only the policies whose subject selects the pod. The counterfactual
 * is built for those alone, so a change point that touches a thousand policies stays cheap.
 */
import { Engine } from '../engine/engine.js';
import { makeMatchContext, selects, type MatchContext } from '../engine/match.js';
import { chain, tierLabel } from '../engine/verdict-text.js';
import type { Attributor, Snapshot } from '../flows/attribute.js';
import { FlowEndpoints } from '../flows/endpoints.js';
import type { FlowRecord } from '../flows/record.js';
import { buildCluster, type BuildOptions } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import { isPolicyPod } from '../model/endpoint.js';
import { InputError } from '../k8s/errors.js';
import { policyLabel, type Policy } from '../policy/types.js';
import type { CausingObject, DenialExplanation, IncidentCause } from './incident.js';
import type { PolicyObject } from './policy-objects.js';
import type { ChangePoint, ObjectChange, PolicyTimeline } from './timeline.js';

interface StateIndex {
  cluster: Cluster;
  endpoints: FlowEndpoints;
  match: MatchContext;
  /** `apiVersion|Kind ns/name` -> the compiled policy. */
  policies: Map<string, Policy>;
  /** Admin- and Baseline-tier policies: they may select a pod in any namespace. */
  clusterWide: Policy[];
  /** Namespace -> its NetworkPolicy-tier policies. */
  byNamespace: Map<string, Policy[]>;
}

export class CauseFinder {
  /** State after a change point -> (change point, object, namespaces of the ends) -> the model with only that object's change undone; null when it cannot be built. */
  private readonly undone = new Map<number, Map<string, Engine | null>>();
  private readonly indexes = new Map<number, StateIndex>();

  /** `snapshots`: the timeline's states as built for the attributor (same order). */
  constructor(
    private readonly timeline: PolicyTimeline,
    private readonly snapshots: readonly Snapshot[],
    private readonly attributor: Attributor,
    private readonly options: BuildOptions = {},
  ) {}

  /** Does the model allow the flow (its logged side, or the whole connection) under the policies after `cp`? */
  allowsAfter(flow: FlowRecord, cp: ChangePoint): boolean {
    return this.attributor.attribute({ ...flow, time: cp.at }).modelAllowed;
  }

  cause(flow: FlowRecord & { time: number }, cp: ChangePoint, explained: boolean): IncidentCause {
    // objects whose policy selects neither end cannot have changed this verdict: counted, not listed
    const relevant = cp.changes.filter((c) => this.selectsAnEnd(flow, cp, c));
    const objects: CausingObject[] = relevant.map((c) => ({ ...c, decisive: explained && this.undoAllows(flow, cp, c) }));
    // no single object undoes it: they are decisive together
    if (explained && !objects.some((o) => o.decisive)) for (const o of objects) o.decisive = true;
    return {
      change: cp.index,
      at: cp.at,
      before: cp.before,
      after: cp.after,
      detectedAfterMs: flow.time - cp.at,
      explained,
      ...(explained ? { explanation: this.explain(flow, cp) } : {}),
      objects,
      unrelatedObjects: cp.changes.length - relevant.length,
    };
  }

  private explain(flow: FlowRecord, cp: ChangePoint): DenialExplanation {
    const v = this.attributor.verdict({ ...flow, time: cp.at });
    const side = flow.direction ? v[flow.direction] : !v.egress.allowed ? v.egress : v.ingress;
    const step = side.steps[side.steps.length - 1]!;
    return {
      side: side.direction,
      subject: side.subject,
      tier: tierLabel(step.tier),
      decidedBy: this.attributor.attribute({ ...flow, time: cp.at }).decidedBy,
      ...(step.rule ? { rule: step.rule } : {}),
      ...(step.policies?.length ? { policies: step.policies } : {}),
      text: `${side.direction} of ${side.subject} denied: ${chain(side)}`,
    };
  }

  /** Does the object's policy, before or after the change, select the pod at either end of the flow? */
  private selectsAnEnd(flow: FlowRecord, cp: ChangePoint, change: ObjectChange): boolean {
    const versions: [number, PolicyObject | undefined][] = [
      [cp.state - 1, change.before],
      [cp.state, change.after],
    ];
    for (const [state, version] of versions) {
      if (!version) continue;
      const index = this.index(state);
      const policy = index.policies.get(`${version.apiVersion}|${version.label}`);
      if (!policy) return true; // not found under that name: cannot rule it out
      for (const address of [flow.src, flow.dst]) {
        const e = index.endpoints.resolve(address).endpoint;
        if (isPolicyPod(e) && selects(policy.subject, e.pod, index.match)) return true;
      }
    }
    return false;
  }

  private index(state: number): StateIndex {
    let i = this.indexes.get(state);
    if (!i) {
      const cluster = this.snapshots[state]!.cluster;
      const clusterWide: Policy[] = [];
      const byNamespace = new Map<string, Policy[]>();
      for (const p of cluster.policies) {
        if (p.tier !== 'namespace') clusterWide.push(p);
        else byNamespace.get(p.ref.namespace!)?.push(p) ?? byNamespace.set(p.ref.namespace!, [p]); // in place: a copy per policy is quadratic
      }
      i = { cluster, endpoints: new FlowEndpoints(cluster), match: makeMatchContext(cluster), policies: new Map(cluster.policies.map((p) => [`${p.ref.apiVersion}|${policyLabel(p.ref)}`, p])), clusterWide, byNamespace };
      this.indexes.set(state, i);
    }
    return i;
  }

  /**
   * The model after the change with only this object's change undone, for the connection's ends.
   * A compiled policy depends on its own object alone, so the cluster after the change is reused
   * with that one policy swapped back (no rebuild of workloads); the flow's ends resolve as after
   * the change. The engine consults, for a pod, the cluster-wide tiers and its own namespace's
   * policies only (their relative order is all that breaks ties), so the counterfactual holds just
   * those of the ends' namespaces: a change point that touches a thousand policies of a large
   * cluster costs a thousand small models, not a thousand copies of the cluster's policies.
   */
  private undoAllows(flow: FlowRecord, cp: ChangePoint, change: ObjectChange): boolean {
    const ends = this.index(cp.state).endpoints;
    const from = ends.resolve(flow.src).endpoint;
    const to = ends.resolve(flow.dst).endpoint;
    const namespaces = [...new Set([from, to].filter(isPolicyPod).map((e) => e.pod.namespace))].sort();
    const key = `${cp.index}\u0000${change.key}\u0000${namespaces.join('\u0000')}`;
    let built = this.undone.get(cp.state);
    if (!built) this.undone.set(cp.state, (built = new Map()));
    let engine = built.get(key);
    if (engine === undefined) {
      engine = this.undoneEngine(cp, change, namespaces);
      built.set(key, engine);
    }
    if (engine === null) return false;
    const v = engine.decide({ from, to, port: flow.dstPort, protocol: flow.protocol });
    return flow.direction ? v[flow.direction].allowed : v.allowed;
  }

  private undoneEngine(cp: ChangePoint, change: ObjectChange, namespaces: readonly string[]): Engine | null {
    const after = this.index(cp.state);
    const before = this.index(cp.state - 1);
    const drop = change.after ? after.policies.get(`${change.after.apiVersion}|${change.after.label}`) : undefined;
    const restore = change.before ? before.policies.get(`${change.before.apiVersion}|${change.before.label}`) : undefined;
    if ((change.after && !drop) || (change.before && !restore)) {
      // the compiled policy is not found under its name: rebuild from the objects
      const objects = this.timeline.states[cp.state]!.objects.filter((o) => o !== change.after?.source);
      if (change.before) objects.push(change.before.source);
      try {
        return new Engine(buildCluster(objects, this.options));
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        return null; // the older version does not build alongside the rest: it cannot be the sole cause
      }
    }
    const policies = [...after.clusterWide, ...namespaces.flatMap((ns) => after.byNamespace.get(ns) ?? [])].filter((p) => p !== drop);
    if (restore) policies.push(restore);
    return new Engine({ ...after.cluster, policies });
  }

  /** Forgets what it built for a state (a long-running `watch` bounds its memory). */
  forget(state: number): void {
    this.indexes.delete(state);
    this.undone.delete(state);
    this.undone.delete(state + 1);
  }
}
