import { isEmpty, members } from '../../engine/bitset.js';
import { ACTION_RANK } from '../../engine/engine.js';
import type { Endpoint } from '../../model/endpoint.js';
import type { Direction, Policy, Rule } from '../../policy/types.js';
import { policyLabel } from '../../policy/types.js';
import type { Check, Draft } from '../check.js';
import type { AuditContext } from '../context.js';
import { covers } from '../overlap.js';

const SAMPLE = 16;

export const shadowedRule: Check = {
  id: 'shadowed-rule',
  title: 'A rule that can never decide anything',
  severity: 'warning',
  help: 'A rule is shadowed when another rule always decides first for every connection it matches: an earlier rule of the same first-match policy, an EKS rule of better priority or action, or (for NetworkPolicy allow rules) the Admin tier, which is evaluated before NetworkPolicies. Shadowed rules mislead readers about what is allowed.',
  run(ctx) {
    const out: Draft[] = [];
    for (const { policy: p, direction, rule: r } of ctx.rules()) {
      const by = p.tier === 'namespace' ? adminAlwaysDecides(ctx, p, r, direction) : coveredInTier(ctx, p, r, direction);
      if (!by) continue;
      out.push({
        object: policyLabel(p.ref),
        location: r.location,
        message: `${direction} rule ${r.name ?? r.index} of ${policyLabel(p.ref)} never decides: ${by}`,
        remedy: 'remove the rule, or change the rule that decides first if it is the one that is wrong',
      });
    }
    return out;
  },
};

function coveredInTier(ctx: AuditContext, p: Policy, r: Rule, direction: Direction): string | undefined {
  if (p.semantics === 'first-match') {
    const earlier = p[direction].find((o) => o.index < r.index && covers(o, r));
    return earlier ? `rule ${earlier.name ?? earlier.index} above it matches everything it matches (first match wins)` : undefined;
  }
  if (p.semantics !== 'priority-action') return undefined;
  const subject = ctx.classes.select(p.subject);
  const tier = p.tier === 'admin' ? ctx.engine.admin : ctx.engine.baseline;
  for (const q of tier) {
    if (q.semantics !== 'priority-action') continue;
    if (q !== p && !(isEmpty(subject) ? false : [...members(subject)].every((i) => (ctx.classes.select(q.subject)[i >>> 5]! & (1 << (i & 31))) !== 0))) continue;
    for (const o of q[direction]) {
      if (o === r) continue;
      const first = q.priority < p.priority || (q.priority === p.priority && ACTION_RANK[o.action] < ACTION_RANK[r.action]);
      if (first && covers(o, r)) return `${o.action} rule ${o.name ?? o.index} of ${q.ref.name} (priority ${q.priority}) decides first for everything it matches`;
    }
  }
  return undefined;
}

/** A NetworkPolicy allow rule whose every sampled match is already decided by the Admin tier. */
function adminAlwaysDecides(ctx: AuditContext, p: Policy, r: Rule, direction: Direction): string | undefined {
  if (ctx.engine.admin.length === 0 || !r.peers || r.peers.some((x) => x.type !== 'pods')) return undefined;
  const subjects = [...members(ctx.classes.select(p.subject))].slice(0, SAMPLE).map((i) => ctx.classes.classes[i]!.pod!);
  const peerSet = new Set<number>();
  for (const x of r.peers) for (const i of members(ctx.classes.peer(x))) peerSet.add(i);
  const peers = [...peerSet].slice(0, SAMPLE).map((i) => ctx.classes.classes[i]!.pod!);
  if (subjects.length === 0 || peers.length === 0) return undefined;
  const deciders = new Set<string>();
  let checked = 0;
  for (const s of subjects) {
    for (const c of peers) {
      if (s === c) continue;
      const [from, to] = direction === 'egress' ? [s, c] : [c, s];
      const dest = to;
      const ports = r.ports
        ? r.ports.flatMap((pm) => (pm.type === 'range' ? [{ port: pm.from, protocol: pm.protocol }] : pm.type === 'protocol' ? [{ port: 1, protocol: pm.protocol }] : dest.ports.filter((cp) => cp.name === pm.name).map((cp) => ({ port: cp.port, protocol: cp.protocol }))))
        : [{ port: dest.ports[0]?.port ?? 1, protocol: dest.ports[0]?.protocol ?? ('TCP' as const) }];
      for (const q of ports) {
        const ends: [Endpoint, Endpoint] = [{ kind: 'pod', pod: from }, { kind: 'pod', pod: to }];
        const v = ctx.engine.decide({ from: ends[0], to: ends[1], port: q.port, protocol: q.protocol });
        const first = v[direction].steps[0]!;
        if (first.tier !== 'admin' || first.outcome === 'pass' || first.outcome === 'no-match') return undefined;
        deciders.add(`${first.rule!.name} (${first.outcome === 'allow' ? 'Accept' : 'Deny'})`);
        checked++;
      }
    }
  }
  return checked > 0 ? `the Admin tier decides first for every connection it matches (${[...deciders].join(', ')})` : undefined;
}
