/**
 * The cause of an incident: the change point that blocked the connection, the model's explanation
 * of the denial after it, and which changed objects are decisive (undoing that object's change
 * alone lets the model allow the connection again: a counterfactual, not a guess from names).
 */
import { Attributor } from '../flows/attribute.js';
import type { FlowRecord } from '../flows/record.js';
import { buildCluster, type BuildOptions } from '../model/build.js';
import { InputError } from '../k8s/errors.js';
import { chain, tierLabel } from '../report/summary.js';
import type { CausingObject, DenialExplanation, IncidentCause } from './incident.js';
import type { ChangePoint, ObjectChange, PolicyTimeline } from './timeline.js';

export class CauseFinder {
  /** (change point, object) -> the model with only that object's change undone; null when it cannot be built. */
  private readonly undone = new Map<string, Attributor | null>();

  constructor(
    private readonly timeline: PolicyTimeline,
    private readonly attributor: Attributor,
    private readonly options: BuildOptions = {},
  ) {}

  /** Does the model allow the flow (its logged side, or the whole connection) under the policies after `cp`? */
  allowsAfter(flow: FlowRecord, cp: ChangePoint): boolean {
    return this.attributor.attribute({ ...flow, time: cp.at }).modelAllowed;
  }

  cause(flow: FlowRecord & { time: number }, cp: ChangePoint, explained: boolean): IncidentCause {
    const objects: CausingObject[] = cp.changes.map((c) => ({ ...c, decisive: explained && this.undoAllows(flow, cp, c) }));
    // no single object undoes it: the change point's objects are decisive together
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

  private undoAllows(flow: FlowRecord, cp: ChangePoint, change: ObjectChange): boolean {
    const key = `${cp.index}\u0000${change.key}`;
    let model = this.undone.get(key);
    if (model === undefined) {
      const objects = this.timeline.states[cp.state]!.objects.filter((o) => o !== change.after?.source);
      if (change.before) objects.push(change.before.source);
      try {
        model = new Attributor([{ label: `${cp.after} without the change of ${change.label}`, cluster: buildCluster(objects, this.options) }]);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        model = null; // the older version does not build alongside the rest: it cannot be the sole cause
      }
      this.undone.set(key, model);
    }
    return model !== null && model.attribute(flow).modelAllowed;
  }
}
