import { isEmpty } from '../../engine/bitset.js';
import { describePeer } from '../../engine/match.js';
import { matches } from '../../k8s/labels.js';
import { policyLabel } from '../../policy/types.js';
import type { Check, Draft } from '../check.js';

export const peerSelectsNothing: Check = {
  id: 'peer-selects-nothing',
  title: 'A rule peer matches no pod or namespace',
  severity: 'info',
  help: 'A peer that selects no pod or no namespace admits nothing: usually a typo in a label or a namespace name.',
  run(ctx) {
    const out: Draft[] = [];
    for (const { policy: p, direction, rule: r } of ctx.rules()) {
      for (const peer of r.peers ?? []) {
        let what: string | undefined;
        if (peer.type === 'pods' && isEmpty(ctx.classes.select(peer.selection))) {
          const ns = peer.selection.namespaces;
          const anyNamespace = ns.kind === 'named' ? ctx.cluster.namespaces.has(ns.name) : [...ctx.cluster.namespaces.values()].some((n) => matches(ns.selector, n.labels));
          what = anyNamespace ? 'no pod' : 'no namespace';
        } else if (peer.type === 'nodes' && ctx.cluster.nodes.length > 0 && !ctx.cluster.nodes.some((n) => matches(peer.selector, n.labels))) {
          what = 'no node';
        }
        if (!what) continue;
        out.push({
          object: policyLabel(p.ref),
          location: r.location,
          message: `${direction} rule ${r.name ?? r.index} of ${policyLabel(p.ref)}: peer "${describePeer(peer)}" matches ${what}`,
          remedy: 'check the labels and namespace names in the peer against the cluster',
        });
      }
    }
    return out;
  },
};
