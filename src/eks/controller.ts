/**
 * The controller step: policies and the cluster model -> the PolicyEndpoints and ClusterPolicyEndpoints
 * the EKS network policy controller writes (aws/amazon-network-policy-controller-k8s at ecc7e6a7:
 * pkg/resolvers/endpoints.go, applicationnetworkpolicy_resolver.go, clusternetworkpolicy_resolver.go,
 * pkg/policyendpoints/manager.go). Pure: the cluster in, the endpoints out.
 */
import { namespaceMatches, type MatchContext } from '../engine/match.js';
import type { Cluster, Pod } from '../model/cluster.js';
import { cidrContains } from '../net/ip.js';
import { policyLabel, type Direction, type Peer, type PodSelection, type Policy, type Rule } from '../policy/types.js';
import { ALL_V4, ALL_V6, cidrKey, hostCidr, type Addressing } from './addressing.js';
import { dedupPorts, portKey, portSpec, resolveOnPod, serviceListenPort } from './ports.js';
import type { ClusterPolicyEndpoints, CpEndpoint, Dropped, EntrySource, EksOptions, Mechanism, NpEndpoint, PolicyEndpoints, PortSpec } from './types.js';
import { SelectionIndex } from './selection-index.js';
import { controllerBehaviour, parseControllerVersion, type ControllerBehaviour } from './versions.js';

export interface ControllerOutput {
  /** Every PolicyEndpoints, in the controller's order (policy label): resolved on first access. */
  readonly policyEndpoints: readonly PolicyEndpoints[];
  /** Every ClusterPolicyEndpoints, in the same order: resolved on first access. */
  readonly clusterPolicyEndpoints: readonly ClusterPolicyEndpoints[];
  /** Policies the EKS controller does not reconcile at all. */
  readonly notEnforced: readonly { policy: string; why: string }[];
  /**
   * The PolicyEndpoints and ClusterPolicyEndpoints whose selector lists this pod, in the controller's order.
   * Only these are resolved: a question about two pods does not pay for every policy of the cluster.
   */
  selecting(pod: Pod): { pes: readonly PolicyEndpoints[]; cpes: readonly ClusterPolicyEndpoints[] };
  /** A policy's place in the controller's order. */
  order(policy: Policy): number;
}

export const isEksClusterPolicy = (p: Policy): boolean => p.ref.kind === 'ClusterNetworkPolicy' && p.ref.apiVersion.startsWith('networking.k8s.aws/');
const isUpstreamKind = (p: Policy): boolean => p.ref.apiVersion.startsWith('policy.networking.k8s.io/');

export class Controller {
  private readonly on: (m: Mechanism) => boolean;
  private readonly release: ControllerBehaviour;
  /** What selectors find in this cluster: shared with every other controller of the cluster (variants). */
  private readonly index: SelectionIndex;

  constructor(
    private readonly cluster: Cluster,
    private readonly ctx: MatchContext,
    private readonly addressing: Addressing,
    options: EksOptions,
  ) {
    this.on = (m) => !options.spec?.has(m);
    this.release = controllerBehaviour(parseControllerVersion(options.controller));
    this.index = SelectionIndex.of(cluster, ctx);
  }

  /**
   * The controller's output, resolved lazily and once per policy: the policies are sorted and indexed by the
   * namespace their subject is confined to (as the spec engine indexes them), so finding the policies that
   * select a pod tests only its namespace's policies and the cluster-wide ones.
   */
  run(): ControllerOutput {
    const sorted = this.index.sorted;
    const namespaced: Policy[] = [];
    const clusterWide: Policy[] = [];
    const notEnforced: { policy: string; why: string }[] = [];
    for (const p of sorted) {
      if (p.tier === 'namespace') namespaced.push(p);
      else if (isEksClusterPolicy(p)) clusterWide.push(p);
      else if (isUpstreamKind(p)) notEnforced.push({ policy: policyLabel(p.ref), why: 'the EKS controller reconciles networking.k8s.aws ClusterNetworkPolicy only, not the upstream policy.networking.k8s.io kinds' });
    }
    // candidates per namespace, in the controller's order; a subject not confined to one namespace is a candidate everywhere
    const order = new Map<Policy, number>();
    [...namespaced, ...clusterWide].forEach((p, i) => order.set(p, i));
    const anywhere = [...namespaced, ...clusterWide].filter((p) => p.subject.namespaces.kind !== 'named');
    const inNamespace = new Map<string, Policy[]>();
    for (const p of [...namespaced, ...clusterWide]) {
      if (p.subject.namespaces.kind !== 'named') continue;
      const name = p.subject.namespaces.name;
      (inNamespace.get(name) ?? inNamespace.set(name, []).get(name)!).push(p);
    }
    const candidatesOf = new Map<string, Policy[]>();
    const candidates = (ns: string): Policy[] => {
      let list = candidatesOf.get(ns);
      if (!list) candidatesOf.set(ns, (list = [...(inNamespace.get(ns) ?? []), ...anywhere].sort((a, b) => order.get(a)! - order.get(b)!)));
      return list;
    };
    const pe = new Map<Policy, PolicyEndpoints>();
    const cpe = new Map<Policy, ClusterPolicyEndpoints>();
    const peOf = (p: Policy): PolicyEndpoints => pe.get(p) ?? pe.set(p, this.policyEndpoints(p)).get(p)!;
    const cpeOf = (p: Policy): ClusterPolicyEndpoints => cpe.get(p) ?? cpe.set(p, this.clusterPolicyEndpoints(p)).get(p)!;
    let allPe: PolicyEndpoints[] | undefined;
    let allCpe: ClusterPolicyEndpoints[] | undefined;
    return {
      notEnforced,
      order: (p) => order.get(p) ?? -1,
      get policyEndpoints() {
        return (allPe ??= namespaced.map(peOf));
      },
      get clusterPolicyEndpoints() {
        return (allCpe ??= clusterWide.map(cpeOf));
      },
      selecting: (pod) => {
        const pes: PolicyEndpoints[] = [];
        const cpes: ClusterPolicyEndpoints[] = [];
        if (pod.hostNetwork) return { pes, cpes }; // podSelectorEndpoints never hold host-network pods
        // the candidates whose subject selects the pod, found once per pod for every controller of the cluster
        for (const p of this.index.selecting(pod, candidates)) {
          if (p.tier === 'namespace') pes.push(peOf(p));
          else cpes.push(cpeOf(p));
        }
        return { pes, cpes };
      },
    };
  }

  private subjectPods(s: PodSelection): readonly Pod[] {
    return this.index.subjectPods(s);
  }

  /** Pods a peer selector lists: host-network pods too (the controller lists pods by label), unless switched off. */
  private peerPods(s: PodSelection): readonly Pod[] {
    return this.index.peerPods(s, this.on('host-network-peer'));
  }

  /**
   * The pods an ingress named port is resolved on (getIngressRulesPorts, controller ecc7e6a7 endpoints.go l.328-352):
   * every pod the selector lists by label in its namespace, host-network pods included. Only the PolicyEndpoints' pod
   * list (computePodSelectorEndpoints, l.301) leaves host-network pods out; the port lookup has no such filter.
   */
  private namedPortPods(s: PodSelection): readonly Pod[] {
    return this.index.labelledPods(s);
  }

  private podCidr(p: Pod) {
    return this.addressing.podCidr(p);
  }

  // ---- NetworkPolicy and ApplicationNetworkPolicy -> PolicyEndpoints

  private policyEndpoints(policy: Policy): PolicyEndpoints {
    const label = policyLabel(policy.ref);
    const pods = this.subjectPods(policy.subject);
    const dropped: Dropped[] = [];
    // rules outside policyTypes are written too, until a controller release respects policyTypes (PR #229)
    const outside = this.on('policytypes-not-respected') && !this.release.policyTypesRespected;
    const rules = (d: Direction): Rule[] => [...policy[d], ...(outside ? policy.rulesOutsidePolicyTypes?.[d] ?? [] : [])].sort((a, b) => a.index - b.index);
    const ingress: NpEndpoint[] = [];
    const egress: NpEndpoint[] = [];
    let portPods: readonly Pod[] | undefined;
    const namedPortPods = (): readonly Pod[] => (portPods ??= this.namedPortPods(policy.subject));
    for (const rule of rules('ingress')) ingress.push(...this.ingressRule(policy, label, rule, namedPortPods, dropped));
    for (const rule of rules('egress')) egress.push(...this.egressRule(policy, label, rule, dropped));
    return { policy, label, pods, isolation: { ...policy.isolates }, ingress, egress, dropped };
  }

  private source(label: string, direction: Direction, rule: Rule): EntrySource {
    return { policy: label, direction, rule: rule.index, ...(rule.name ? { ruleName: rule.name } : {}) };
  }

  private ingressRule(policy: Policy, label: string, rule: Rule, namedPortPods: () => readonly Pod[], dropped: Dropped[]): NpEndpoint[] {
    const source = this.source(label, 'ingress', rule);
    const specs = (rule.ports ?? []).map(portSpec);
    let ports: PortSpec[] = specs;
    if (specs.some((s) => s.named !== undefined) && this.on('ingress-named-port-union')) {
      // resolved over every pod the policy's selector lists (host-network ones too); the union is opened on each selected pod
      ports = dedupPorts(namedPortPods().flatMap((pod) => resolveOnPod(pod, specs, !this.on('init-container-ports'))));
      if (ports.length === 0) {
        dropped.push({ direction: 'ingress', what: `rule ${rule.index}`, why: 'no named port resolves on the pods the policy selects: the rule yields nothing', mechanism: 'ingress-named-port-union', source });
        return [];
      }
    }
    if (!rule.peers) return [ALL_V4, ALL_V6].map((cidr) => ({ cidr, except: [], ports, source }));
    const out: NpEndpoint[] = [];
    for (const peer of rule.peers) {
      if (peer.type === 'ipBlock') out.push({ cidr: peer.cidr, except: peer.except, ports, source });
      else if (peer.type === 'pods') for (const pod of this.peerPods(peer.selection)) out.push({ cidr: this.podCidr(pod), except: [], ports, source });
    }
    void policy;
    return out;
  }

  private egressRule(policy: Policy, label: string, rule: Rule, dropped: Dropped[]): NpEndpoint[] {
    const source = this.source(label, 'egress', rule);
    const isAnp = policy.ref.kind === 'ApplicationNetworkPolicy';
    const specs = (rule.ports ?? []).map(portSpec);
    const numeric = specs.filter((s) => s.named === undefined);
    const named = specs.filter((s) => s.named !== undefined);
    const dropNamed = this.on('egress-named-port-dropped');
    const out: NpEndpoint[] = [];
    const cidrEntries = (cidrs: NpEndpoint['cidr'][], except: NpEndpoint['except'], what: string): void => {
      if (named.length > 0 && !dropNamed) out.push(...this.namedPortsInside(cidrs, except, named, source));
      if (specs.length > 0 && numeric.length === 0) {
        if (dropNamed) dropped.push({ direction: 'egress', what, why: 'only named ports, which cannot be resolved for addresses: nothing is written', mechanism: 'egress-named-port-dropped', source });
        return;
      }
      if (named.length > 0 && dropNamed) dropped.push({ direction: 'egress', what: `${what} named ports ${named.map((n) => n.named).join(', ')}`, why: 'named ports cannot be resolved for addresses: dropped', mechanism: 'egress-named-port-dropped', source });
      for (const cidr of cidrs) out.push({ cidr, except, ports: numeric, source });
    };
    if (!rule.peers) {
      if (isAnp && this.on('anp-egress-without-to')) {
        dropped.push({ direction: 'egress', what: `rule ${rule.index}`, why: 'an ApplicationNetworkPolicy egress rule without `to` yields no entry', mechanism: 'anp-egress-without-to', source });
        return [];
      }
      cidrEntries([ALL_V4, ALL_V6], [], `rule ${rule.index} (no \`to\`)`);
      return out;
    }
    for (const peer of rule.peers) {
      if (peer.type === 'ipBlock') cidrEntries([peer.cidr], peer.except, peer.cidr.text);
      else if (peer.type === 'pods') {
        for (const pod of this.peerPods(peer.selection)) {
          const ports = resolveOnPod(pod, specs, !this.on('init-container-ports'));
          if (specs.length > 0 && ports.length === 0) continue;
          out.push({ cidr: this.podCidr(pod), except: [], ports, source });
        }
        if (this.on('service-clusterip')) out.push(...this.serviceEndpoints(peer, specs, source));
      } else if (peer.type === 'domains') {
        const ports = this.domainPorts(specs, 'egress', source, dropped);
        if (specs.length > 0 && ports.length === 0) continue;
        for (const domain of peer.patterns) out.push({ except: [], domain, ports, source });
      }
    }
    return out;
  }

  /** The spec's reading of a named port toward addresses: every pod inside the block, on its own port of that name. */
  private namedPortsInside(cidrs: NpEndpoint['cidr'][], except: NpEndpoint['except'], named: PortSpec[], source: EntrySource): NpEndpoint[] {
    const out: NpEndpoint[] = [];
    for (const pod of this.cluster.pods) {
      if (pod.hostNetwork) continue;
      const a = this.addressing.podAddress(pod);
      if (!cidrs.some((c) => c && cidrContains(c, a)) || except.some((x) => cidrContains(x, a))) continue;
      const ports = resolveOnPod(pod, named, true);
      if (ports.length > 0) out.push({ cidr: hostCidr(a), except: [], ports, source });
    }
    return out;
  }

  /** Domain names keep numeric ports; a named port opens every port of its protocol. */
  private domainPorts(specs: PortSpec[], direction: Direction, source: EntrySource, dropped: Dropped[]): PortSpec[] {
    const out: PortSpec[] = [];
    for (const s of specs) {
      if (s.named === undefined) out.push(s);
      else if (this.on('domain-named-port-all-ports')) out.push({ protocol: s.protocol });
      else dropped.push({ direction, what: `named port ${s.named}`, why: 'a named port never matches outside the pod network', source });
    }
    return out;
  }

  /**
   * Service ClusterIPs for a pod or namespace peer (getMatchingServiceClusterIPs): Services in the peer's
   * namespaces whose selector the peer's pod selector matches, at the Service port.
   */
  private serviceEndpoints(peer: Extract<Peer, { type: 'pods' }>, specs: PortSpec[], source: EntrySource): NpEndpoint[] {
    const out: NpEndpoint[] = [];
    // (headless Services, without a ClusterIP, are left out)
    for (const svc of this.index.peerServices(peer.selection)) {
      const first = svc.clusterIPs[0]!;
      const backing = this.index.backingPods(svc);
      const ports: PortSpec[] = [];
      for (const s of specs) {
        if (s.port === undefined && s.named === undefined) {
          ports.push(s);
          continue;
        }
        const listen = serviceListenPort(svc, s, specs, backing, !this.on('init-container-ports'));
        if (listen !== undefined) ports.push({ protocol: s.protocol, port: listen, ...(s.endPort ? { endPort: s.endPort } : {}) });
      }
      if (specs.length > 0 && ports.length === 0) continue;
      out.push({ cidr: hostCidr(first), except: [], ports, source: { ...source } });
    }
    return out;
  }

  // ---- EKS ClusterNetworkPolicy -> ClusterPolicyEndpoints

  private clusterPolicyEndpoints(policy: Policy): ClusterPolicyEndpoints {
    const label = policyLabel(policy.ref);
    const dropped: Dropped[] = [];
    const side = (d: Direction): CpEndpoint[] => {
      const raw: CpEndpoint[] = [];
      for (const rule of policy[d]) raw.push(...this.cpRule(policy, label, d, rule, dropped));
      return this.combine(this.dedupe(raw));
    };
    return {
      policy,
      label,
      tier: policy.tier === 'admin' ? 'Admin' : 'Baseline',
      priority: policy.priority,
      pods: this.subjectPods(policy.subject),
      ingress: side('ingress'),
      egress: side('egress'),
      dropped,
    };
  }

  private cpRule(policy: Policy, label: string, direction: Direction, rule: Rule, dropped: Dropped[]): CpEndpoint[] {
    const source = this.source(label, direction, rule);
    const sources = [source];
    // checked before any port is read: the controller never resolves such a rule
    if (direction === 'ingress' && this.firstPeerMatchesNoNamespace(rule)) {
      dropped.push({ direction, what: `rule ${rule.index}`, why: 'its first peer matches no namespace, and the controller resolves the rule only in the namespaces of its first peer: no entry for any peer', mechanism: 'cnp-ingress-first-peer-namespaces', source });
      return [];
    }
    const specs = (rule.ports ?? []).map(portSpec);
    const named = specs.filter((s) => s.named !== undefined);
    const nonDomain = (rule.peers ?? []).filter((p) => p.type !== 'domains');
    // up to v1.1.7 a CNP namedPort reaches the resolver without a protocol and the controller panics (PR #232 sets TCP)
    const crash = named.length > 0 && this.release.cnpNamedPortCrash && this.on('cnp-named-port');
    if (crash && nonDomain.length > 0) {
      dropped.push({ direction, what: `rule ${rule.index}`, why: 'a namedPort for pod, namespace or network peers: the controller converts it without a protocol and cannot resolve it (not modelled further): no entry', mechanism: 'cnp-named-port', source });
    }
    // ingress ports are resolved once per rule; pod peers then carry them (named ones left to the agent = per destination)
    let ingressPorts: PortSpec[] = specs;
    if (direction === 'ingress' && named.length > 0 && !this.release.cnpNamedPortCrash && this.on('cnp-ingress-named-port-first-namespace')) {
      const pods = this.firstSubjectNamespacePods(policy);
      ingressPorts = dedupPorts(pods.flatMap((pod) => resolveOnPod(pod, specs, !this.on('init-container-ports'))));
      if (ingressPorts.length === 0) {
        dropped.push({ direction, what: `rule ${rule.index}`, why: `no named port resolves on the subject pods of the first subject namespace${pods.length ? ` (${pods[0]!.namespace})` : ''}: the rule yields nothing`, mechanism: 'cnp-ingress-named-port-first-namespace', source });
        return [];
      }
    }
    const out: CpEndpoint[] = [];
    for (const peer of rule.peers ?? []) {
      if (peer.type === 'domains') {
        if (rule.action === 'deny') continue;
        // convertCNPPortsToEndpointPorts ignores named ports: with only named ports the entry opens every port
        const portsOut = specs.filter((s) => s.named === undefined);
        if (!this.on('domain-named-port-all-ports') && specs.length > 0 && portsOut.length === 0) continue;
        for (const domain of peer.patterns) out.push({ domain, action: rule.action, ports: portsOut, sources });
        continue;
      }
      if (crash) continue;
      if (peer.type === 'ipBlock') out.push(...this.cpNetwork(peer, rule, specs, sources, dropped));
      else if (peer.type === 'pods') {
        for (const pod of this.peerPods(peer.selection)) {
          if (direction === 'ingress') {
            out.push({ cidr: this.podCidr(pod), action: rule.action, ports: ingressPorts, sources });
            continue;
          }
          const ports = resolveOnPod(pod, specs, !this.on('init-container-ports'));
          if (specs.length > 0 && ports.length === 0) continue;
          out.push({ cidr: this.podCidr(pod), action: rule.action, ports, sources });
        }
        if (direction === 'egress' && this.on('service-clusterip')) {
          for (const e of this.serviceEndpoints(peer, specs, source)) out.push({ cidr: e.cidr!, action: rule.action, ports: e.ports, sources });
        }
      }
    }
    return out;
  }

  /**
   * A network peer (egress only): convertToPolicyInfoPortForCIDRs drops named ports, and a peer left with none of its
   * ports is skipped; the specification's reading opens each pod inside the network on its own port of that name.
   */
  private cpNetwork(peer: Extract<Peer, { type: 'ipBlock' }>, rule: Rule, specs: PortSpec[], sources: EntrySource[], dropped: Dropped[]): CpEndpoint[] {
    const named = specs.filter((s) => s.named !== undefined);
    if (named.length === 0) return [{ cidr: peer.cidr, action: rule.action, ports: specs, sources }];
    const numeric = specs.filter((s) => s.named === undefined);
    const out: CpEndpoint[] = [];
    // up to v1.1.7 the controller never got this far (cnp-named-port): with that switched off, the specification's reading
    if (!this.release.cnpNamedPortCrash && this.on('egress-named-port-dropped')) {
      dropped.push({ direction: 'egress', what: `${peer.cidr.text} named ports ${named.map((n) => n.named).join(', ')}`, why: numeric.length ? 'named ports cannot be resolved for addresses: dropped' : 'only named ports, which cannot be resolved for addresses: nothing is written', mechanism: 'egress-named-port-dropped', source: sources[0]! });
    } else {
      for (const e of this.namedPortsInside([peer.cidr], [], named, sources[0]!)) out.push({ cidr: e.cidr!, action: rule.action, ports: e.ports, sources });
    }
    if (numeric.length > 0) out.push({ cidr: peer.cidr, action: rule.action, ports: numeric, sources });
    return out;
  }

  /**
   * getSubjectNamespace (controller after v1.1.7, PR #232): ingress named ports of a ClusterNetworkPolicy resolve
   * against the pods its subject selects in one namespace, the first by name of those its subject matches.
   */
  private firstSubjectNamespacePods(policy: Policy): Pod[] {
    const first = [...this.namespaceNames()].filter((name) => namespaceMatches(policy.subject.namespaces, this.ctx.namespaces.get(name), name)).sort()[0];
    // the temporary NetworkPolicy in that namespace lists its pods by label alone (getIngressRulesPorts): host-network ones too
    return first === undefined ? [] : this.namedPortPods(policy.subject).filter((p) => p.namespace === first);
  }

  /**
   * resolveCNPIngressRules (controller v1.1.7): the namespaces to resolve the rule in come from `from[0]` alone (its
   * `namespaces`, or its `pods`' namespaceSelector), listed among the Namespace objects; every peer then keeps its own
   * selector, so the rule's entries are whole as long as that first list is not empty.
   */
  private firstPeerMatchesNoNamespace(rule: Rule): boolean {
    if (!this.release.cnpIngressFirstPeerNamespaces || !this.on('cnp-ingress-first-peer-namespaces')) return false;
    const first = rule.peers?.[0];
    if (first?.type !== 'pods') return false;
    const m = first.selection.namespaces;
    return ![...this.namespaceNames()].some((name) => namespaceMatches(m, this.ctx.namespaces.get(name), name));
  }

  /** The namespaces that exist: the Namespace objects, and every namespace a pod, Service or policy lives in. */
  private namespaceNames(): ReadonlySet<string> {
    return this.index.namespaceNames();
  }

  /** mergeClusterEndpointInfo: the same CIDR, action and ports once. */
  private dedupe(list: CpEndpoint[]): CpEndpoint[] {
    const seen = new Map<string, CpEndpoint>();
    for (const e of list) {
      const key = `${e.cidr ? cidrKey(e.cidr) : e.domain}|${e.action}|${e.ports.map(portKey).join(',')}`;
      const prev = seen.get(key);
      if (prev) seen.set(key, { ...prev, sources: [...prev.sources, ...e.sources.filter((s) => !prev.sources.includes(s))] });
      else seen.set(key, e);
    }
    return [...seen.values()];
  }

  /**
   * combineClusterRulesEndpoints: entries of one CIDR (or domain) and action become one, their port lists
   * concatenated, so an all-ports entry merged with a port-restricted one keeps only the restricted ports.
   */
  private combine(list: CpEndpoint[]): CpEndpoint[] {
    if (!this.on('cnp-port-merge')) return list;
    const byKey = new Map<string, CpEndpoint>();
    for (const e of list) {
      const key = `${e.cidr ? cidrKey(e.cidr) : e.domain}|${e.action}`;
      const prev = byKey.get(key);
      if (!prev) byKey.set(key, e);
      else byKey.set(key, { ...prev, ports: dedupPorts([...prev.ports, ...e.ports]), sources: [...prev.sources, ...e.sources] });
    }
    return [...byKey.values()];
  }
}
