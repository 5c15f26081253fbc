/**
 * Where EKS and the specification disagree, found by asking the same question explain asks: each probe is a
 * (from, to, port, protocol) written as the references a user would give `podwall explain`, resolved by the same
 * resolver and judged by the same `judge` over the same EKS decider (the controller/agent/program pipeline beside
 * the engine). A finding built from a probe therefore names a pair on which explain shows the same mechanism:
 * the audit and explain cannot contradict each other.
 *
 * The probes: one pod per group the EKS data plane cannot tell apart (policy key, pod identifier, node), every
 * address the policies single out (ipBlock CIDRs and their excepts, cluster-policy networks), every node address,
 * a neutral outside address per family, every domain name, and every Service; on every port the policies, pods
 * and Services mention plus one they do not. The number of probes is bounded: the result says when it was cut;
 * the pairs come from probe-order.ts one at a time, so the bound also bounds the work.
 */
import { eksDecider } from '../analysis/deciders.js';
import { judge } from '../analysis/judgement.js';
import { podIdentifier } from '../eks/addressing.js';
import { Dataplanes, type Comparison } from '../eks/compare.js';
import type { Compute, Mechanism } from '../eks/types.js';
import type { Cluster, Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import { EndpointResolver, type Reference } from '../model/refs.js';
import { probePairs } from './probe-order.js';

/** One question, as `podwall explain --from FROM --to TO --port PORT --protocol PROTOCOL` asks it. */
export interface Probe {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
}

/** EKS allows what the specification denies, denies what it allows, or may drop what it allows (24 slots). */
export type DifferenceKind = 'over-allow' | 'under-allow' | 'uncertain';

export interface EksDifference {
  mechanism: Mechanism;
  kind: DifferenceKind;
  /** The first probe found: explain on it names the mechanism. */
  example: Probe;
  comparison: Comparison;
  /** Probes of this mechanism and kind. */
  probes: number;
}

export interface EksDifferences {
  differences: EksDifference[];
  /** Probes where the planes differ and no mechanism explains it (a gap in podwall's model). */
  unexplained: Probe[];
  probes: number;
  /** The bound was reached: pairs were left unasked. */
  truncated: boolean;
}

export const DEFAULT_PROBE_BUDGET = 20_000;
const OUTSIDE = { 4: '203.0.113.1', 6: '100::1' } as const; // TEST-NET-3 and the discard prefix

export function eksDifferences(cluster: Cluster, options: { version: string; compute: Compute; controller?: string }, budget = DEFAULT_PROBE_BUDGET): EksDifferences {
  const planes = new Dataplanes(cluster, options);
  const decider = eksDecider(planes);
  const resolver = new EndpointResolver(cluster);
  const refs = new Map<string, Reference | undefined>();
  const ref = (text: string): Reference | undefined => {
    if (!refs.has(text)) {
      const r = resolver.reference(text);
      refs.set(text, r.ok ? r.ref : undefined);
    }
    return refs.get(text);
  };

  const pods = representatives(cluster.pods, decider.podKey);
  const { addresses, domains } = policyAddresses(cluster);
  const { ports, protocols } = candidatePorts(cluster);
  const services = cluster.services.filter((s) => s.type !== 'ExternalName' && !s.headless && s.clusterIPs.length > 0);

  const podRefs = pods.map((p) => `${p.namespace}/${p.name}`);
  const servicePorts = services.flatMap((s) => s.ports.map((sp) => ({ ref: `${s.namespace}/svc/${s.name}`, port: sp.port, protocol: sp.protocol })));

  const found = new Map<string, EksDifference>();
  const unexplained: Probe[] = [];
  let probes = 0;
  let truncated = false;
  outer: for (const pair of probePairs(podRefs, addresses, domains, servicePorts)) {
    const from = ref(pair.from);
    const to = ref(pair.to);
    if (!from || !to || from.kind === 'service') continue;
    for (const protocol of pair.protocol ? [pair.protocol] : protocols) {
      for (const port of pair.ports ?? ports) {
        if (probes >= budget) {
          truncated = true;
          break outer;
        }
        probes++;
        const r = judge(decider, from, to, port, protocol);
        if (!r.ok) continue;
        const probe: Probe = { from: pair.from, to: pair.to, port, protocol };
        for (const c of [r.judgement.allowedComparison, r.judgement.deniedComparison]) {
          if (!c) continue;
          if (!c.agree && c.mechanisms.length === 0) {
            if (unexplained.length < 10) unexplained.push(probe);
            continue;
          }
          const kind: DifferenceKind | undefined = !c.agree ? (c.eks.allowed ? 'over-allow' : 'under-allow') : c.caveats.length && c.eks.allowed ? 'uncertain' : undefined;
          if (!kind) continue;
          for (const m of c.agree ? c.caveats : c.mechanisms) {
            const key = `${m}\u0000${kind}`;
            const d = found.get(key);
            if (d) d.probes++;
            else found.set(key, { mechanism: m, kind, example: probe, comparison: c, probes: 1 });
          }
        }
      }
    }
  }
  return { differences: [...found.values()], unexplained, probes, truncated };
}

/** One pod per group the EKS data plane decides alike, per node (the agent keeps maps per node). */
function representatives(pods: readonly Pod[], key: (p: Pod) => string): Pod[] {
  const seen = new Map<string, Pod>();
  for (const p of pods) {
    const k = `${key(p)}\u0000${p.nodeName ?? ''}\u0000${podIdentifier(p)}`;
    if (!seen.has(k)) seen.set(k, p);
  }
  return [...seen.values()];
}

/** The addresses and names the policies single out, node addresses, and a neutral outside address per family. */
function policyAddresses(cluster: Cluster): { addresses: string[]; domains: string[] } {
  const addresses = new Set<string>();
  const domains = new Set<string>();
  const families = new Set<4 | 6>([4]);
  const first = (cidrText: string): string => cidrText.split('/')[0]!;
  for (const p of cluster.policies) {
    for (const r of [...p.ingress, ...p.egress, ...(p.rulesOutsidePolicyTypes?.ingress ?? []), ...(p.rulesOutsidePolicyTypes?.egress ?? [])]) {
      for (const peer of r.peers ?? []) {
        if (peer.type === 'ipBlock') {
          families.add(peer.cidr.family);
          addresses.add(first(peer.cidr.text));
          for (const e of peer.except) addresses.add(first(e.text));
        } else if (peer.type === 'domains') {
          for (const d of peer.patterns) domains.add(d.startsWith('*.') ? `probe.${d.slice(2)}` : d);
        }
      }
    }
  }
  for (const n of cluster.nodes) for (const a of n.addresses) addresses.add(a.text);
  for (const f of families) addresses.add(OUTSIDE[f]);
  return { addresses: [...addresses], domains: [...domains] };
}

/** Every port the policies, pods and Services mention, and one nobody mentions; the protocols mentioned. */
function candidatePorts(cluster: Cluster): { ports: number[]; protocols: Protocol[] } {
  const ports = new Set<number>();
  const protocols = new Set<Protocol>(['TCP']);
  for (const p of cluster.policies) {
    for (const r of [...p.ingress, ...p.egress, ...(p.rulesOutsidePolicyTypes?.ingress ?? []), ...(p.rulesOutsidePolicyTypes?.egress ?? [])]) {
      for (const m of r.ports ?? []) {
        if (m.protocol) protocols.add(m.protocol);
        if (m.type === 'range') {
          ports.add(m.from);
          ports.add(m.to);
        }
      }
    }
  }
  for (const pod of cluster.pods) for (const cp of pod.ports) {
    ports.add(cp.port);
    protocols.add(cp.protocol);
  }
  for (const s of cluster.services) for (const sp of s.ports) {
    ports.add(sp.port);
    if (typeof sp.targetPort === 'number') ports.add(sp.targetPort);
  }
  let free = 7;
  while (ports.has(free)) free++;
  ports.add(free);
  return { ports: [...ports].sort((a, b) => a - b), protocols: [...protocols] };
}
