/** Where the same YAML does something different on EKS than upstream. */
import { selects } from '../../engine/match.js';
import { policyLabel } from '../../policy/types.js';
import type { Check, Draft } from '../check.js';

/** Kinds the EKS network policy agent enforces with NetworkPolicy semantics. */
const isEksNamespaced = (kind: string): boolean => kind === 'NetworkPolicy' || kind === 'ApplicationNetworkPolicy';
const EKS_PORT_LIMIT = 24;

export const eksOneDirectionIsolation: Check = {
  id: 'eks-one-direction-isolation',
  title: 'EKS allows everything in the direction a NetworkPolicy does not isolate',
  severity: 'warning',
  help: 'On EKS, a pod selected by a NetworkPolicy for one direction gets an allow-all entry for the other direction at the NetworkPolicy tier: Baseline-tier rules for that direction never apply to it, and strict mode does not deny by default there. Upstream, the Baseline tier would decide.',
  run(ctx) {
    const out: Draft[] = [];
    const strict = ctx.cluster.settings.enforcingMode === 'strict';
    for (const pod of ctx.workloads()) {
      const selecting = ctx.engine.namespacePolicies(pod.namespace).filter((p) => (p.isolates.ingress || p.isolates.egress) && selects(p.subject, pod, ctx.engine.ctx));
      if (selecting.length === 0) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        if (selecting.some((p) => p.isolates[direction])) continue;
        const baseline = ctx.engine.baseline.filter((p) => p.semantics === 'priority-action' && p[direction].length > 0 && selects(p.subject, pod, ctx.engine.ctx));
        if (baseline.length === 0 && !strict) continue;
        const what = baseline.length ? `Baseline rules of ${baseline.map((p) => p.ref.name).join(', ')} never apply to its ${direction}` : `strict mode's default deny does not apply to its ${direction}`;
        out.push({
          object: ctx.podLabel(pod),
          location: pod.location,
          message: `${ctx.podLabel(pod)} is selected by ${selecting.map((p) => p.ref.name).join(', ')} for ${direction === 'ingress' ? 'egress' : 'ingress'} only; on EKS ${what}`,
          remedy: `add ${direction === 'ingress' ? 'Ingress' : 'Egress'} to the policyTypes of a policy selecting it (with the rules it needs), so the direction is decided on purpose`,
        });
      }
    }
    return out;
  },
};

export const eksPortLimit: Check = {
  id: 'eks-port-limit',
  title: 'More than 24 port entries for one peer',
  severity: 'error',
  help: `The EKS agent keeps at most ${EKS_PORT_LIMIT} port/protocol entries per peer address; it drops the rest silently, so traffic the policy allows is denied.`,
  run(ctx) {
    const out: Draft[] = [];
    for (const { policy: p, direction, rule: r } of ctx.rules(true)) {
      if (!isEksNamespaced(p.ref.kind) && p.semantics !== 'priority-action') continue;
      const n = r.ports?.length ?? 0;
      if (n <= EKS_PORT_LIMIT) continue;
      out.push({
        object: policyLabel(p.ref),
        location: r.location,
        message: `${direction} rule ${r.name ?? r.index} of ${policyLabel(p.ref)} lists ${n} port entries; EKS keeps ${EKS_PORT_LIMIT} per peer and drops the rest silently`,
        remedy: 'merge adjacent ports into ranges (endPort / portRange), or split the peers across rules',
      });
    }
    return out;
  },
};

export const eksNamedPortIpBlock: Check = {
  id: 'eks-named-port-ipblock',
  title: 'Named port in a rule whose peers are ipBlocks',
  severity: 'warning',
  help: 'EKS resolves named ports against pods; in a rule whose peers are ipBlocks it has no pod to resolve against and drops the port, so the rule does not allow what it says.',
  run(ctx) {
    const out: Draft[] = [];
    for (const { policy: p, direction, rule: r } of ctx.rules(true)) {
      if (!isEksNamespaced(p.ref.kind) || !r.ports?.some((pm) => pm.type === 'named') || !r.peers?.some((x) => x.type === 'ipBlock')) continue;
      out.push({
        object: policyLabel(p.ref),
        location: r.location,
        message: `${direction} rule ${r.index} of ${policyLabel(p.ref)} combines a named port with ipBlock peers; EKS drops the named port`,
        remedy: 'use the port number for ipBlock peers',
      });
    }
    return out;
  },
};

export const anpPolicyTypesMissing: Check = {
  id: 'anp-policytypes-missing',
  title: 'ApplicationNetworkPolicy without policyTypes',
  severity: 'error',
  help: 'EKS does not default policyTypes for ApplicationNetworkPolicy as Kubernetes does for NetworkPolicy: without them it isolates nothing and its rules have no effect.',
  run(ctx) {
    return ctx.cluster.policies
      .filter((p) => p.ref.kind === 'ApplicationNetworkPolicy' && p.policyTypesGiven === false)
      .map((p) => ({
        object: policyLabel(p.ref),
        location: p.ref.location,
        message: `${policyLabel(p.ref)} has no policyTypes: on EKS it isolates nothing and its rules have no effect`,
        remedy: 'set spec.policyTypes: [Egress] (and Ingress if it has ingress rules)',
      }));
  },
};
