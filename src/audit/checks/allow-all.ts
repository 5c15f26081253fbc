import { policyLabel, type Direction, type Peer, type Rule } from '../../policy/types.js';
import type { Check, Draft } from '../check.js';
import type { AuditContext } from '../context.js';

/** What "every peer" a rule admits, if it admits every source or destination of some kind. */
export function allowsAll(rule: Rule): string | undefined {
  if (rule.action !== 'allow') return undefined;
  if (!rule.peers) return 'every peer, in and outside the cluster';
  const all = rule.peers.find((p: Peer) => (p.type === 'ipBlock' && p.cidr.bits === 0 && p.except.length === 0) || (p.type === 'pods' && p.selection.pods.key === '{}' && p.selection.namespaces.kind === 'selector' && p.selection.namespaces.selector.key === '{}'));
  if (!all) return undefined;
  return all.type === 'ipBlock' ? `every address (${all.cidr.text})` : 'every pod in every namespace';
}

function check(direction: Direction): Check {
  const word = direction === 'ingress' ? 'source' : 'destination';
  return {
    id: `allow-all-${direction}`,
    title: `A rule admits every ${word}`,
    severity: 'warning',
    help: `An allow rule whose peers cover every ${word} voids segmentation for the pods it selects: one compromised pod anywhere can reach them${direction === 'egress' ? ', or they can reach anything' : ''}.`,
    run(ctx: AuditContext) {
      const out: Draft[] = [];
      for (const { policy: p, direction: d, rule: r } of ctx.rules()) {
        if (d !== direction) continue;
        const what = allowsAll(r);
        if (!what) continue;
        const ports = r.ports ? ` on ${r.ports.length} port entr${r.ports.length === 1 ? 'y' : 'ies'}` : ' on every port';
        out.push({
          object: policyLabel(p.ref),
          location: r.location,
          message: `${direction} rule ${r.name ?? r.index} of ${policyLabel(p.ref)} admits ${what}${ports}`,
          remedy: `name the ${word}s this rule is for (pod and namespace selectors, or narrow CIDRs)`,
        });
      }
      return out;
    },
  };
}

export const allowAllIngress = check('ingress');
export const allowAllEgress = check('egress');
