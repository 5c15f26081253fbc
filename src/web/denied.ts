/**
 * The denied view: what one workload can NOT reach and what can NOT reach it (pods and peers outside
 * the pod network), per port range, each with the reason the served data plane gives: the side that
 * denied, its tier, and the deciding policy and rule (or the policies that isolate it with no rule
 * allowing the connection).
 */
import { specDecider, type Decider } from '../analysis/deciders.js';
import { judge } from '../analysis/judgement.js';
import { computeMatrix, NODES, type MatrixEdge } from '../analysis/matrix.js';
import { workloadId } from '../model/cluster.js';
import { focusedMatrix } from './focus.js';
import type { PortRange } from '../engine/ports.js';
import { summarize, tierLabel } from '../engine/verdict-text.js';
import { deciding, type Verdict } from '../engine/verdict.js';
import { FOLD_ABOVE, planeOf, type ApiContext } from './api-context.js';
import { error, ok, type ApiResponse } from './api-response.js';
import { eksGroupMatrix } from './eks-groups.js';

/** Reasons are computed for this many denied edges; the answer says how many more there were. */
export const DENIED_LIMIT = 200;

export interface DenialReason {
  text: string;
  side: 'egress' | 'ingress';
  tier: string;
  policy?: string;
  rule?: string;
  file?: string;
  line?: number;
}

export function deniedView(ctx: ApiContext, q: URLSearchParams): ApiResponse {
  const id = q.get('workload');
  if (!id) return error(400, 'denied needs workload=NAMESPACE/NAME');
  const w = ctx.workloads.get(id);
  if (!w) return error(404, `no workload ${JSON.stringify(id)} (give NAMESPACE/NAME as the graph names it)`);
  const d = ctx.dataplane;
  // a large cluster: only the pairs of this workload are decided, on the served data plane
  const large = ctx.workloads.size > FOLD_ABOVE;
  const m: { edges: MatrixEdge[]; dataplane?: { name: 'eks' | 'kubernetes' } } = !large
    ? computeMatrix(ctx.engine, { namespaces: [w.namespace], world: ctx.world, dataplane: d.name === 'eks' ? planeOf(d) : { name: 'kubernetes' } })
    : d.name === 'eks'
      ? { edges: eksGroupMatrix(ctx.engine, ctx.planes()!, { world: ctx.world, groupOf: workloadId, inFocus: (g) => g === id, reading: 'pairs', denied: true, report: (p) => ctx.report(p), unit: 'workloads and peers outside' }).edges, dataplane: d }
      : { edges: focusedMatrix(ctx.engine, { world: ctx.world, groupOf: workloadId, inFocus: (g) => g === id, denied: true }) };
  const mine = m.edges.filter((e) => (e.from === id || e.to === id) && (!e.allowed || e.partial) && e.ports.length > 0);
  // denied before partial, then by the other end
  mine.sort((a, b) => Number(a.allowed) - Number(b.allowed) || (a.from === id ? a.to : a.from).localeCompare(b.from === id ? b.to : b.from));
  // the reasons come from the data plane the edges answer for (the specification until the matrix answers for EKS)
  const dataplane = m.dataplane?.name ?? 'kubernetes';
  const decider = dataplane === ctx.dataplane.name ? ctx.decider() : specDecider(ctx.engine);
  const edges = mine.slice(0, DENIED_LIMIT).map((e) => {
    const direction: 'egress' | 'ingress' = e.from === id ? 'egress' : 'ingress';
    const ports = e.ports.map((r): PortRange => ({ from: r.from, to: r.to, protocol: r.protocol }));
    return { from: e.from, to: e.to, direction, ports, verdict: e.allowed ? 'partial' : 'denied', reason: reasonFor(ctx, decider, e.from, e.to, ports[0]!) };
  });
  const note = dataplane !== ctx.dataplane.name ? { dataplaneNote: 'this build\'s matrix answers for the specification only: denials and reasons are the specification\'s' } : {};
  return ok({ workload: id, dataplane, ...note, edges, truncated: Math.max(0, mine.length - DENIED_LIMIT) });
}

/** Why the first port of a denied range is denied between two graph ends, on the served data plane. */
function reasonFor(ctx: ApiContext, decider: Decider, from: string, to: string, r: PortRange): DenialReason {
  if (from === NODES || to === NODES) return { text: 'the nodes are folded into one peer: explain one node (node/NAME) for its reason', side: from === NODES ? 'ingress' : 'egress', tier: 'none' };
  const f = ctx.reference(from);
  const t = ctx.reference(to);
  if (!f.ok || !t.ok) return { text: (!f.ok ? f : (t as { error: string })).error, side: 'egress', tier: 'none' };
  const j = judge(decider, f.ref, t.ref, r.from, r.protocol);
  if (!j.ok) return { text: j.error, side: 'egress', tier: 'none' };
  const v = j.judgement.denied;
  if (!v) return { text: `allowed on ${r.protocol} ${r.from} for every pair the reason was asked for`, side: 'egress', tier: 'none' };
  const cmp = j.judgement.deniedComparison;
  const reason = verdictReason(v);
  // on EKS a denial the specification would allow says which EKS mechanism makes the difference
  if (cmp && !cmp.agree) reason.text = `EKS denies it (the specification allows it), because: ${cmp.mechanisms.join(', ') || 'an EKS mechanism podwall cannot name'}; ${reason.text}`;
  return reason;
}

/** The side that denied, its tier and the deciding policy and rule, from a verdict of the specification. */
export function verdictReason(v: Verdict): DenialReason {
  const side = !v.egress.allowed ? v.egress : v.ingress;
  const step = deciding(side);
  const rule = step.rule;
  return {
    text: summarize(v),
    side: side.direction,
    tier: tierLabel(step.tier),
    ...(rule ? { policy: `${rule.kind} ${rule.namespace ? `${rule.namespace}/` : ''}${rule.name}` } : step.policies?.length ? { policy: step.policies.join(' + ') } : {}),
    ...(rule?.ruleIndex !== undefined ? { rule: `${side.direction} rule ${rule.ruleIndex}${rule.ruleName ? ` (${rule.ruleName})` : ''}` } : {}),
    ...(rule?.file ? { file: rule.file } : {}),
    ...(rule?.line !== undefined ? { line: rule.line } : {}),
  };
}
