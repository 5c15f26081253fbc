/**
 * Where EKS enforces something other than the specification, derived from the one comparison explain uses
 * (src/eks/compare.ts via src/audit/eks-differences.ts), not from rules of their own: one finding per mechanism
 * and direction, naming a connection on which `podwall explain` shows that mechanism. EKS allowing what the
 * specification denies is an error (a hole); EKS denying what it allows is a warning (broken traffic).
 *
 * Three older check ids live on as slices of the same family, so configurations and code-scanning history that
 * name them keep working: `eks-port-limit` (port-limit), `eks-named-port-ipblock` (egress-named-port-dropped)
 * and `anp-policytypes-missing` (selected-without-isolation). `eks-differs` holds every other mechanism.
 */
import { MECHANISMS, type Mechanism } from '../../eks/types.js';
import { objectLabel } from '../../k8s/errors.js';
import { policyLabel } from '../../policy/types.js';
import type { Check, Draft } from '../check.js';
import type { AuditContext } from '../context.js';
import type { EksDifference } from '../eks-differences.js';

const REMEDY: Partial<Record<Mechanism, string>> = {
  'ingress-named-port-union': 'give the port by number, or select only pods that declare the named port',
  'egress-named-port-dropped': 'use the port number for ipBlock peers and for rules without `to`',
  'init-container-ports': 'declare the port on a regular container, or give the port by number',
  'policytypes-not-respected': 'remove the rules of the direction policyTypes leaves out, or add that direction to policyTypes',
  'selected-without-isolation': 'set spec.policyTypes to the directions the policy means to isolate',
  'anp-egress-without-to': 'give the rule a `to` (e.g. the networks or pods it means)',
  'host-network-peer': 'do not rely on pod selectors for host-network pods: their traffic is their node\'s',
  'node-primary-ip-only': 'allow the node\'s other addresses explicitly if it sends from them',
  'strict-no-node-entry': 'select the pod with a policy that allows its node (kubelet probes), or use standard mode',
  'cp-no-node-entry': 'upgrade the agent past v1.4.1, or exclude the node addresses from the cluster policy\'s Deny',
  'service-clusterip': 'allow the Service ClusterIP range, or the pods behind it, for egress',
  'except-shadows-rules': 'split the ipBlock so that its except does not cover addresses another rule allows',
  'port-limit': 'merge adjacent ports into ranges (endPort / portRange), or split the peers across rules',
  'identifier-sharing': 'give pods that must be treated differently names that differ before their last dash',
  'domain-names-ec2': 'allow the addresses behind the domain names (CIDRs) on EC2 nodes',
  'domain-named-port-all-ports': 'give the port by number with domain names',
  'family-filter': 'write the rule for the cluster\'s IP family',
  'cnp-port-merge': 'do not list one network in an all-ports and a port-restricted rule of one action',
  'cnp-named-port': 'give the port by number in ClusterNetworkPolicies',
  'cnp-ingress-first-peer-namespaces': 'put a peer that matches an existing namespace first, or split the rule per peer',
  'cnp-ingress-named-port-first-namespace': 'give the port by number in ClusterNetworkPolicy ingress rules',
  'upstream-kind-not-enforced': 'write the policy as a networking.k8s.aws ClusterNetworkPolicy',
  'unknown-address': 'give the pod an IP (status.podIP) in the inputs, or read the cluster live',
  'pod-holds-node-address': 'read the cluster again in one consistent snapshot: no pod but a host-network one holds its node\'s address',
};

/** Mechanisms that keep the id of the check that reported them before the comparison existed. */
const LEGACY: Record<string, readonly Mechanism[]> = {
  'eks-port-limit': ['port-limit'],
  'eks-named-port-ipblock': ['egress-named-port-dropped'],
  'anp-policytypes-missing': ['selected-without-isolation'],
};
const CLAIMED = new Set(Object.values(LEGACY).flat());

function drafts(ctx: AuditContext, take: (m: Mechanism) => boolean, withUnexplained = false): Draft[] {
  const found = ctx.eksDifferences;
  const policies = new Map(ctx.cluster.policies.map((p) => [policyLabel(p.ref), p]));
  const out: Draft[] = [];
  for (const d of found.differences) if (take(d.mechanism)) out.push(draft(ctx, d, policies));
  if (withUnexplained && found.unexplained.length) {
    const p = found.unexplained[0]!;
    out.push({
      object: `${p.from} -> ${p.to}`,
      message: `EKS and the specification disagree on ${p.from} -> ${p.to} ${p.port}/${p.protocol} (and ${found.unexplained.length - 1} more) and podwall cannot name the mechanism: a gap in podwall's model of EKS`,
      remedy: `run podwall explain --from ${p.from} --to ${p.to} --port ${p.port} --protocol ${p.protocol}, and report it`,
      severity: 'warning',
    });
  }
  return out;
}

function draft(ctx: AuditContext, d: EksDifference, policies: Map<string, { ref: { location: Draft['location'] } }>): Draft {
  const c = d.comparison;
  const e = d.example;
  // the side where the planes part: its EKS entry sources name the policy behind the difference
  const side = d.kind === 'uncertain' ? (c.eks.egress.uncertain ? c.eks.egress : c.eks.ingress) : c.eks.egress.allowed !== c.kubernetes.egress.allowed ? c.eks.egress : c.eks.ingress;
  const specRule = c.kubernetes[side.direction].steps.map((s) => s.rule).filter((r) => r !== undefined).pop();
  const specPolicy = specRule ? policyLabel({ kind: specRule.kind, name: specRule.name, apiVersion: specRule.apiVersion, location: { file: specRule.file }, ...(specRule.namespace ? { namespace: specRule.namespace } : {}) }) : undefined;
  const policy = [...side.sources.map((s) => s.policy), specPolicy].find((p) => p !== undefined && policies.has(p));
  const pod = ctx.cluster.pods.find((p) => `${p.namespace}/${p.name}` === (side.direction === 'egress' ? e.from : e.to));
  const object = policy ?? (pod ? objectLabel('Pod', pod.name, pod.namespace) : `${e.from} -> ${e.to}`);
  const location = policy ? policies.get(policy)!.ref.location : pod?.location;
  const verdict = d.kind === 'over-allow' ? 'ALLOWS' : d.kind === 'under-allow' ? 'DENIES' : 'may drop';
  const spec = d.kind === 'uncertain' ? `which the specification allows (${side.uncertain})` : `which the specification ${d.kind === 'over-allow' ? 'denies' : 'allows'}`;
  const more = d.probes > 1 ? ` (and ${d.probes - 1} more connection${d.probes > 2 ? 's' : ''} of ${ctx.eksDifferences.probes} probed)` : '';
  return {
    object,
    ...(location ? { location } : {}),
    message: `on EKS (agent ${ctx.eksOptions.version}, compute ${ctx.eksOptions.compute}) ${e.from} -> ${e.to} ${e.port}/${e.protocol}: EKS ${verdict} it, ${spec}${more}; ${d.mechanism}: ${MECHANISMS[d.mechanism]}`,
    remedy: `${REMEDY[d.mechanism] ?? 'see docs/semantics.md'}; podwall explain --from ${e.from} --to ${e.to} --port ${e.port} --protocol ${e.protocol} shows both verdicts`,
    ...(d.kind === 'uncertain' ? {} : { severity: d.kind === 'over-allow' ? 'error' : 'warning' }),
    eks: { mechanism: d.mechanism, kind: d.kind, from: e.from, to: e.to, port: e.port, protocol: e.protocol, probes: d.probes },
  };
}

export const eksDiffers: Check = {
  id: 'eks-differs',
  title: 'EKS enforces something other than the specification',
  severity: 'warning',
  help: 'podwall models what the EKS network policy controller and agent program and compares it, connection by connection, with the Kubernetes specification (the comparison explain prints). One finding per EKS mechanism and direction: EKS allowing what the specification denies is an error, EKS denying what it allows a warning. Each names a connection on which `podwall explain` shows the mechanism.',
  run(ctx) {
    const out = drafts(ctx, (m) => !CLAIMED.has(m), true);
    if (ctx.eksDifferences.truncated) {
      out.push({
        object: 'cluster',
        message: `the EKS comparison stopped after ${ctx.eksDifferences.probes} connections: differences among the rest are not reported`,
        remedy: 'audit a namespace at a time, or run podwall matrix --dataplane eks for every pair',
        severity: 'info',
      });
    }
    return out;
  },
};

export const eksPortLimit: Check = {
  id: 'eks-port-limit',
  title: 'More than 24 port entries for one peer (EKS drops some)',
  severity: 'error',
  help: 'The EKS agent keeps at most 24 port/protocol entries per peer address; it drops the rest (which ones depends on Go map order), so traffic the policy allows may be denied. Found by the EKS comparison on a connection that hits a dropped entry.',
  run: (ctx) => drafts(ctx, (m) => LEGACY['eks-port-limit']!.includes(m)),
};

export const eksNamedPortIpBlock: Check = {
  id: 'eks-named-port-ipblock',
  title: 'Egress named port dropped for an ipBlock peer or a rule without `to`',
  severity: 'warning',
  help: 'The EKS controller resolves egress named ports against peer pods; for ipBlock peers and rules without `to` it drops them, so the rule does not allow what it says. Found by the EKS comparison on a connection where it changes the verdict.',
  run: (ctx) => drafts(ctx, (m) => LEGACY['eks-named-port-ipblock']!.includes(m)),
};

export const anpPolicyTypesMissing: Check = {
  id: 'anp-policytypes-missing',
  title: 'A policy that selects pods without isolating them is still programmed on EKS',
  severity: 'error',
  help: 'EKS does not default policyTypes for ApplicationNetworkPolicy: the specification\'s reading isolates nothing, but the agent still programs the rules, and the direction without rules gets the catch-all. Found by the EKS comparison on a connection where it changes the verdict.',
  run: (ctx) => drafts(ctx, (m) => LEGACY['anp-policytypes-missing']!.includes(m)),
};

/** For the docs and the config: which mechanisms each EKS check id reports. */
export function eksCheckMechanisms(id: string): readonly Mechanism[] {
  return LEGACY[id] ?? (Object.keys(MECHANISMS) as Mechanism[]).filter((m) => !CLAIMED.has(m));
}
