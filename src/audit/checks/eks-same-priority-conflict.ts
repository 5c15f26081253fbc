import { and, isEmpty } from '../../engine/bitset.js';
import { ACTION_RANK } from '../../engine/engine.js';
import type { Policy, Rule } from '../../policy/types.js';
import { policyLabel } from '../../policy/types.js';
import type { Check, Draft } from '../check.js';
import type { AuditContext } from '../context.js';
import { peersOverlap, portsOverlap } from '../overlap.js';

const VERB = { allow: 'Accept', deny: 'Deny', pass: 'Pass' } as const;

export const eksSamePriorityConflict: Check = {
  id: 'eks-same-priority-conflict',
  title: 'EKS rules of equal priority disagree',
  severity: 'warning',
  help: 'On EKS every rule of a ClusterNetworkPolicy takes the policy\'s priority, and at equal priority Deny beats Accept beats Pass whatever the written order. Rules written to be read top-down (an Accept above a broader Deny) do not work that way.',
  run(ctx) {
    const out: Draft[] = [];
    for (const tier of [ctx.engine.admin, ctx.engine.baseline]) {
      const eks = tier.filter((p) => p.semantics === 'priority-action');
      for (const direction of ['ingress', 'egress'] as const) {
        const rules = eks.flatMap((p) => p[direction].map((r) => ({ p, r })));
        for (let i = 0; i < rules.length; i++) {
          for (let j = i + 1; j < rules.length; j++) {
            const a = rules[i]!;
            const b = rules[j]!;
            if (a.p.priority !== b.p.priority || a.r.action === b.r.action) continue;
            if (!overlap(ctx, a.p, a.r, b.p, b.r)) continue;
            const [win, lose] = ACTION_RANK[a.r.action] < ACTION_RANK[b.r.action] ? [a, b] : [b, a];
            out.push({
              object: policyLabel(lose.p.ref),
              location: lose.r.location,
              message: `${VERB[lose.r.action]} rule ${lose.r.name ?? lose.r.index} of ${lose.p.ref.name} overlaps ${VERB[win.r.action]} rule ${win.r.name ?? win.r.index} of ${win.p.ref.name} at priority ${a.p.priority}: on EKS ${VERB[win.r.action]} wins where they overlap, whatever the rule order`,
              remedy: `move the ${VERB[lose.r.action]} rule to its own ClusterNetworkPolicy with a lower (more important) priority number`,
            });
          }
        }
      }
    }
    return out;
  },
};

function overlap(ctx: AuditContext, pa: Policy, ra: Rule, pb: Policy, rb: Rule): boolean {
  const subjects = and(ctx.classes.select(pa.subject), ctx.classes.select(pb.subject));
  if (isEmpty(subjects) && ctx.cluster.pods.length > 0) return false;
  return peersOverlap(ctx, ra, rb) && portsOverlap(ra, rb);
}
