/**
 * Drift: the PolicyEndpoints and ClusterPolicyEndpoints the EKS controller actually wrote in a live cluster,
 * against the ones podwall's controller model (controller.ts) expects from the same cluster's policies, pods and
 * Services. It finds what users meet as "policy not enforced until re-created" and stale endpoints: policies with
 * no endpoints yet, endpoints whose policy is gone, pod addresses that are stale or missing, and ingress/egress
 * entries or ports that are missing or extra. Pure: both sides in, the differences out.
 *
 * Both sides are brought to one form before comparing, as the controller's own merging allows: the chunks of one
 * policy (several objects, `<policy>-xxxxx`) are joined; entries are keyed by canonical CIDR and sorted excepts (or
 * domain name; plus the action for cluster policies) and their ports united, an all-ports entry covering the rest
 * (combineRulesEndpoints); a missing protocol is TCP (the CRDs' default). Pods without an address are left out of
 * the expectation, as the controller leaves pods that are not network-ready out (pkg/resolvers/endpoints.go).
 */
import type { SourceLocation } from '../k8s/errors.js';
import type { Pod } from '../model/cluster.js';
import { parseCidr } from '../net/ip.js';
import { canonicalText, type Addressing } from './addressing.js';
import type { ControllerOutput } from './controller.js';
import type { Cidr, CpEndpoint, NpEndpoint, PortSpec } from './types.js';

/** One port item; no protocol = as the CRD defaults it (TCP), no port = every port of the protocol. */
export interface LivePort {
  protocol?: string;
  port?: number;
  endPort?: number;
}

/** EndpointInfo / ClusterEndpointInfo. */
export interface LiveEndpoint {
  cidr?: string;
  except: string[];
  domainName?: string;
  /** ClusterEndpointInfo only: Accept, Deny or Pass. */
  action?: string;
  ports: LivePort[];
}

export interface LivePodEndpoint {
  name: string;
  namespace: string;
  podIP: string;
  hostIP: string;
}

export interface LivePolicyEndpoint {
  kind: 'PolicyEndpoint' | 'ClusterPolicyEndpoint';
  /** metadata.name, e.g. `web-allow-x7k2p`. */
  name: string;
  namespace?: string;
  /** spec.policyRef. */
  policy: { name: string; namespace?: string };
  /** The owner reference's kind (NetworkPolicy, ApplicationNetworkPolicy, ClusterNetworkPolicy), when there is one. */
  ownerKind?: string;
  podIsolation: string[];
  tier?: string;
  priority?: number;
  pods: LivePodEndpoint[];
  ingress: LiveEndpoint[];
  egress: LiveEndpoint[];
  location: SourceLocation;
}

/** What the controller wrote, as read from a live cluster. */
export interface WrittenEndpoints {
  policyEndpoints: readonly LivePolicyEndpoint[];
  /** undefined when the ClusterPolicyEndpoint CRD is not installed. */
  clusterPolicyEndpoints?: readonly LivePolicyEndpoint[];
}

export type DriftKind =
  | 'not-reconciled'
  | 'orphaned'
  | 'missing-pod'
  | 'stale-pod'
  | 'missing-entry'
  | 'extra-entry'
  | 'ports-differ'
  | 'isolation-differs'
  | 'tier-differs';

export const DRIFT_KINDS: Record<DriftKind, string> = {
  'not-reconciled': 'a policy with no PolicyEndpoints: the controller has not reconciled it (yet), so the agent enforces none of it',
  orphaned: 'PolicyEndpoints whose policy is gone: the agent may still enforce them',
  'missing-pod': 'a pod the policy selects is not among the endpoints\' pods: its maps are not programmed for this policy',
  'stale-pod': 'a pod among the endpoints\' pods is gone, has another address, or is no longer selected',
  'missing-entry': 'an address (or domain) the policy allows or denies is not in the endpoints',
  'extra-entry': 'the endpoints hold an address the policy no longer means (often a stale pod IP)',
  'ports-differ': 'one address with other ports than the policy means',
  'isolation-differs': 'podIsolation differs from the policy\'s policyTypes',
  'tier-differs': 'tier or priority differs from the cluster policy\'s',
};

export interface DriftItem {
  kind: DriftKind;
  /** The policy (`Kind namespace/name`), or for orphans what the endpoints name. */
  policy: string;
  /** The endpoint objects concerned (`namespace/name`). */
  objects: string[];
  direction?: 'ingress' | 'egress';
  /** The address, pod or field concerned. */
  subject?: string;
  expected?: string;
  actual?: string;
  detail: string;
  location?: SourceLocation;
}

export interface DriftReport {
  items: DriftItem[];
  policies: number;
  policyEndpoints: number;
  clusterPolicyEndpoints: number;
  /** False when the ClusterPolicyEndpoint CRD is not installed: cluster policies were not compared. */
  clusterPoliciesCompared: boolean;
}

interface Normal {
  /** key -> sorted port texts ('all' for every port and protocol). */
  entries: Map<string, Set<string>>;
}

const portText = (p: { protocol?: string; port?: number; endPort?: number; named?: string }): string => {
  const proto = (p.protocol ?? 'TCP').toUpperCase();
  if (p.named !== undefined) return `${proto} ${p.named}`;
  if (p.port === undefined) return `${proto} all`;
  return p.endPort !== undefined && p.endPort !== p.port ? `${proto} ${p.port}-${p.endPort}` : `${proto} ${p.port}`;
};

function cidrText(text: string): string {
  const r = parseCidr(text, { bareAddress: true });
  return r.ok ? canonicalText(r.cidr) : text;
}

function addEntry(n: Normal, key: string, ports: readonly string[]): void {
  const set = n.entries.get(key);
  const all = ports.length === 0;
  if (!set) n.entries.set(key, new Set(all ? ['all'] : ports));
  else if (all || set.has('all')) n.entries.set(key, new Set(['all']));
  else for (const p of ports) set.add(p);
}

const entryKey = (cidr: string | undefined, except: readonly string[], domain: string | undefined, action?: string): string =>
  `${cidr !== undefined ? cidrText(cidr) : `domain ${domain}`}${except.length ? ` except ${[...except].map(cidrText).sort().join(',')}` : ''}${action ? ` ${action}` : ''}`;

const ACTION = { allow: 'Accept', deny: 'Deny', pass: 'Pass' } as const;

/** The name the endpoints give their policy, and the owner kind that tells a NetworkPolicy from an ApplicationNetworkPolicy of one name. */
function liveLabel(pe: LivePolicyEndpoint): string {
  if (pe.kind === 'ClusterPolicyEndpoint') return `ClusterNetworkPolicy ${pe.policy.name}`;
  return `${pe.ownerKind ?? 'NetworkPolicy'} ${pe.policy.namespace ?? pe.namespace}/${pe.policy.name}`;
}

const objectName = (pe: LivePolicyEndpoint): string => (pe.namespace ? `${pe.namespace}/${pe.name}` : pe.name);

export function compareEndpoints(cluster: { pods: readonly Pod[] }, controller: ControllerOutput, addressing: Addressing, live: WrittenEndpoints): DriftReport {
  const items: DriftItem[] = [];
  const podsByName = new Map(cluster.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const podByIp = new Map<string, Pod>();
  for (const p of cluster.pods) if (!p.hostNetwork) for (const a of p.ips) podByIp.set(cidrText(a.text), p);
  const real = (c: Cidr | undefined): boolean => !c || c.bits !== (c.family === 4 ? 32 : 128) || !addressing.isPlaceholder({ family: c.family, value: c.base, text: c.text });

  const groups = new Map<string, LivePolicyEndpoint[]>();
  const all = [...live.policyEndpoints, ...(live.clusterPolicyEndpoints ?? [])];
  for (const pe of all) (groups.get(liveLabel(pe)) ?? groups.set(liveLabel(pe), []).get(liveLabel(pe))!).push(pe);
  const seen = new Set<string>();
  // an endpoint object without an owner reference (written by hand, or stripped) may belong to either namespaced kind of its name
  const groupOf = (label: string): LivePolicyEndpoint[] | undefined => {
    const own = groups.get(label);
    if (own || !label.startsWith('ApplicationNetworkPolicy ')) return own;
    const key = label.replace(/^ApplicationNetworkPolicy /, 'NetworkPolicy ');
    const ownerless = groups.get(key)?.filter((pe) => !pe.ownerKind);
    if (ownerless?.length) seen.add(key);
    return ownerless?.length ? ownerless : undefined;
  };

  interface Expected {
    label: string;
    location: SourceLocation;
    pods: readonly Pod[];
    ingress: Normal;
    egress: Normal;
    isolation?: string[];
    tier?: { tier: string; priority: number };
  }
  const expected: Expected[] = [];
  const npNormal = (list: readonly NpEndpoint[]): Normal => {
    const n: Normal = { entries: new Map() };
    for (const e of list) if (real(e.cidr)) addEntry(n, entryKey(e.cidr?.text, e.except.map((x) => x.text), e.domain), e.ports.map((p: PortSpec) => portText(p)));
    return n;
  };
  const cpNormal = (list: readonly CpEndpoint[]): Normal => {
    const n: Normal = { entries: new Map() };
    for (const e of list) if (real(e.cidr)) addEntry(n, entryKey(e.cidr?.text, [], e.domain, ACTION[e.action]), e.ports.map((p) => portText(p)));
    return n;
  };
  for (const pe of controller.policyEndpoints) {
    const iso = [...(pe.isolation.ingress ? ['Ingress'] : []), ...(pe.isolation.egress ? ['Egress'] : [])];
    expected.push({ label: pe.label, location: pe.policy.ref.location, pods: pe.pods, ingress: npNormal(pe.ingress), egress: npNormal(pe.egress), isolation: iso });
  }
  const comparedCp = live.clusterPolicyEndpoints !== undefined;
  if (comparedCp) {
    for (const cpe of controller.clusterPolicyEndpoints) expected.push({ label: cpe.label, location: cpe.policy.ref.location, pods: cpe.pods, ingress: cpNormal(cpe.ingress), egress: cpNormal(cpe.egress), tier: { tier: cpe.tier, priority: cpe.priority } });
  }

  for (const exp of expected) {
    const found = groupOf(exp.label);
    seen.add(exp.label);
    const base = { policy: exp.label, location: exp.location };
    if (!found || found.length === 0) {
      items.push({ ...base, kind: 'not-reconciled', objects: [], detail: `${exp.label} has no ${exp.tier ? 'ClusterPolicyEndpoints' : 'PolicyEndpoints'}: the controller has not reconciled it (is it running? does its log show an error for this policy?)` });
      continue;
    }
    const objects = found.map(objectName).sort();
    // pods: by namespace/name, with the address the controller wrote
    const livePods = new Map<string, { ip: string; objects: string[] }>();
    for (const pe of found) for (const p of pe.pods) {
      const k = `${p.namespace}/${p.name}`;
      const prev = livePods.get(k);
      if (prev) prev.objects.push(objectName(pe));
      else livePods.set(k, { ip: cidrText(p.podIP), objects: [objectName(pe)] });
    }
    const wantPods = new Map<string, string>();
    for (const p of exp.pods) {
      const a = addressing.podAddress(p);
      if (!addressing.isPlaceholder(a)) wantPods.set(`${p.namespace}/${p.name}`, cidrText(a.text));
    }
    for (const [k, ip] of wantPods) {
      const got = livePods.get(k);
      if (!got) items.push({ ...base, kind: 'missing-pod', objects, subject: k, expected: ip, detail: `pod ${k} (${ip}) is selected by ${exp.label} but missing from its endpoints' pods` });
      else if (got.ip !== ip) items.push({ ...base, kind: 'stale-pod', objects: got.objects, subject: k, expected: ip, actual: got.ip, detail: `pod ${k} is listed with ${got.ip}, but its address is ${ip}` });
    }
    for (const [k, got] of livePods) {
      if (wantPods.has(k)) continue;
      const pod = podsByName.get(k);
      const why = !pod ? 'no such pod exists' : addressing.isPlaceholder(addressing.podAddress(pod)) ? 'it has no address' : 'the policy no longer selects it';
      items.push({ ...base, kind: 'stale-pod', objects: got.objects, subject: k, actual: got.ip, detail: `pod ${k} (${got.ip}) is listed, but ${why}` });
    }
    // entries, per direction
    for (const direction of ['ingress', 'egress'] as const) {
      const got: Normal = { entries: new Map() };
      const where = new Map<string, string[]>();
      for (const pe of found) for (const e of pe[direction]) {
        const k = entryKey(e.cidr, e.except, e.domainName, e.action);
        addEntry(got, k, e.ports.map(portText));
        (where.get(k) ?? where.set(k, []).get(k)!).push(objectName(pe));
      }
      const want = exp[direction];
      for (const [k, ports] of want.entries) {
        const have = got.entries.get(k);
        if (!have) items.push({ ...base, kind: 'missing-entry', objects, direction, subject: k, expected: [...ports].sort().join(', '), detail: `${direction} entry ${k} (${[...ports].sort().join(', ')}) is missing` });
        else if (!sameSet(ports, have)) items.push({ ...base, kind: 'ports-differ', objects: where.get(k)!, direction, subject: k, expected: [...ports].sort().join(', '), actual: [...have].sort().join(', '), detail: `${direction} entry ${k} has ports ${[...have].sort().join(', ')}, expected ${[...ports].sort().join(', ')}` });
      }
      for (const [k, ports] of got.entries) {
        if (want.entries.has(k)) continue;
        const host = /^(\S+)\/(32|128)(?: |$)/.exec(k);
        const stale = host && !podByIp.has(`${host[1]}/${host[2]}`) ? ': no pod has this address now (a stale pod IP?)' : '';
        items.push({ ...base, kind: 'extra-entry', objects: where.get(k)!, direction, subject: k, actual: [...ports].sort().join(', '), detail: `${direction} entry ${k} (${[...ports].sort().join(', ')}) is not what the policy means${stale}` });
      }
    }
    if (exp.isolation) {
      const got = [...new Set(found.flatMap((pe) => pe.podIsolation))].sort();
      const want = [...exp.isolation].sort();
      if (got.join(',') !== want.join(',')) items.push({ ...base, kind: 'isolation-differs', objects, subject: 'podIsolation', expected: want.join(', ') || 'none', actual: got.join(', ') || 'none', detail: `podIsolation is ${got.join(', ') || 'empty'}, the policy's policyTypes ${want.join(', ') || 'none'}` });
    }
    if (exp.tier) {
      const bad = found.filter((pe) => pe.tier !== exp.tier!.tier || pe.priority !== exp.tier!.priority);
      if (bad.length) items.push({ ...base, kind: 'tier-differs', objects: bad.map(objectName), subject: 'tier/priority', expected: `${exp.tier.tier} ${exp.tier.priority}`, actual: `${bad[0]!.tier ?? 'none'} ${bad[0]!.priority ?? 'none'}`, detail: `tier/priority ${bad[0]!.tier ?? 'none'} ${bad[0]!.priority ?? 'none'}, the policy's ${exp.tier.tier} ${exp.tier.priority}` });
    }
  }
  const reconciled = new Set([...controller.policyEndpoints.map((p) => p.label), ...controller.clusterPolicyEndpoints.map((p) => p.label)]);
  for (const [label, list] of groups) {
    if (seen.has(label) || reconciled.has(label)) continue;
    items.push({
      kind: 'orphaned',
      policy: label,
      objects: list.map(objectName).sort(),
      detail: `${list.length} ${list[0]!.kind}${list.length > 1 ? 's' : ''} name ${label}, which does not exist: the agent may still enforce ${list.length > 1 ? 'them' : 'it'} (the controller deletes them with the policy; a leftover needs deleting by hand)`,
      location: list[0]!.location,
    });
  }
  const order: DriftKind[] = Object.keys(DRIFT_KINDS) as DriftKind[];
  items.sort((a, b) => a.policy.localeCompare(b.policy) || order.indexOf(a.kind) - order.indexOf(b.kind) || (a.direction ?? '').localeCompare(b.direction ?? '') || (a.subject ?? '').localeCompare(b.subject ?? ''));
  return { items, policies: expected.length, policyEndpoints: live.policyEndpoints.length, clusterPolicyEndpoints: live.clusterPolicyEndpoints?.length ?? 0, clusterPoliciesCompared: comparedCp };
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
