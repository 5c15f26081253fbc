/**
 * The diff view: what a `--proposed` policy set opens and closes, per pair and port range, with the
 * explanation under both policy sets and each side's verdict for all the pod pairs (allowed, partial,
 * denied). The graph draws the same changes on its nodes (graph.ts, `?diff=1`).
 */
import { makeDecider } from '../analysis/deciders.js';
import { diffClusters, type DiffChange } from '../analysis/diff.js';
import { judge, type Outcome } from '../analysis/judgement.js';
import type { MatrixDataplane } from '../analysis/matrix.js';
import { Engine } from '../engine/engine.js';
import { OutsideWorld } from '../engine/outside.js';
import type { Cluster } from '../model/cluster.js';
import { EndpointResolver, type Reference } from '../model/refs.js';
import { ok, type ApiResponse } from './api-response.js';

export type SideVerdictText = 'allowed' | 'denied' | 'partial' | 'absent';

export interface ExplainedChange extends Omit<DiffChange, 'before' | 'after'> {
  before: { verdict: SideVerdictText; text: string };
  after: { verdict: SideVerdictText; text: string };
}

/** Each side's verdict is judged on this many changes; beyond, it is inferred from the change alone. */
const JUDGED = 2000;

export class DiffOverlay {
  readonly changes: DiffChange[];
  private explained?: ExplainedChange[];
  private readonly newlyAllowed: number;
  private readonly newlyDenied: number;

  constructor(
    private readonly current: Cluster,
    private readonly proposed: Cluster,
    private readonly dataplane: MatrixDataplane = { name: 'kubernetes' },
  ) {
    const d = diffClusters(current, proposed, undefined, dataplane);
    this.changes = d.changes;
    this.newlyAllowed = d.newlyAllowed;
    this.newlyDenied = d.newlyDenied;
  }

  /** The changes with both sides' verdicts over every pod pair (the text explains one pair, as `podwall diff`). */
  result(): { changes: ExplainedChange[]; newlyAllowed: number; newlyDenied: number } {
    if (!this.explained) {
      const world = new OutsideWorld([this.current, this.proposed]);
      const before = side(this.current, world, this.dataplane);
      const after = side(this.proposed, world, this.dataplane);
      this.explained = this.changes.map((c, i) => {
        const guess = (allowedSide: boolean): SideVerdictText => (allowedSide ? (c.somePods ? 'partial' : 'allowed') : 'denied');
        const was = i < JUDGED ? before(c) : guess(c.change === 'newly-denied');
        const is = i < JUDGED ? after(c) : guess(c.change === 'newly-allowed');
        return { ...c, before: { verdict: was, text: c.before }, after: { verdict: is, text: c.after } };
      });
    }
    return { changes: this.explained, newlyAllowed: this.newlyAllowed, newlyDenied: this.newlyDenied };
  }
}

/** A judge of one policy set on the served data plane: the verdict over every pod pair of a change's ends on its first port. */
function side(cluster: Cluster, world: OutsideWorld, plane: MatrixDataplane): (c: DiffChange) => SideVerdictText {
  const decider = makeDecider(new Engine(cluster), plane.name, () => (plane.name === 'eks' ? { version: plane.version, compute: plane.compute, controller: plane.controller } : { version: '', compute: 'auto' }));
  const resolver = new EndpointResolver(cluster);
  const ref = (name: string): Reference | undefined => {
    const peer = world.get(name);
    if (peer) return { kind: 'endpoint', label: peer.name, endpoint: peer.rep };
    const r = resolver.reference(name);
    return r.ok ? r.ref : undefined;
  };
  return (c) => {
    const f = ref(c.from);
    const t = ref(c.to);
    if (!f || !t) return 'absent';
    const r = judge(decider, f, t, c.ports[0]!.from, c.ports[0]!.protocol);
    return r.ok ? outcomeVerdict(r.judgement.outcome) : 'absent';
  };
}

function outcomeVerdict(o: Outcome): SideVerdictText {
  return o === 'allow' ? 'allowed' : o === 'deny' ? 'denied' : o === 'mixed' ? 'partial' : 'absent';
}

export function diffView(d: DiffOverlay): ApiResponse {
  return ok(d.result());
}
