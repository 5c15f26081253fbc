/**
 * What the controller step finds by selector in one cluster, found once and shared by every controller of that
 * cluster: the policies in the controller's order, the policies whose subject selects each pod, the pods a
 * selection lists, the Services a peer's selector matches, the pods behind a Service and the namespaces that exist.
 * None of it depends on a mechanism switch (a switch decides what the controller does with these, never which
 * objects a selector finds), so the comparison's variant data planes (compare.ts), each with a controller of its
 * own, no longer repeat these walks over the cluster; nor does the same controller for every pod it is asked about.
 * Results are in the cluster's order, as the walks they replace gave them.
 */
import { namespaceMatches, type MatchContext } from '../engine/match.js';
import { matches, type Selector } from '../k8s/labels.js';
import type { Cluster, Pod, Service } from '../model/cluster.js';
import { policyLabel, type NamespaceMatch, type Policy, type PodSelection } from '../policy/types.js';

export class SelectionIndex {
  /** Per match context (variants share theirs with the real plane); a context is made for one cluster. */
  static of(cluster: Cluster, ctx: MatchContext): SelectionIndex {
    let index = byContext.get(ctx);
    if (!index || index.cluster !== cluster) {
      index = new SelectionIndex(cluster, ctx);
      byContext.set(ctx, index);
    }
    return index;
  }

  /** Every policy, sorted by label as the controller orders its output. */
  readonly sorted: readonly Policy[];

  private constructor(
    readonly cluster: Cluster,
    private readonly ctx: MatchContext,
  ) {
    this.sorted = [...cluster.policies].sort((a, b) => policyLabel(a.ref).localeCompare(policyLabel(b.ref)));
  }

  private readonly candidatesIn = new Map<string, readonly Policy[]>();
  private readonly selectingPod = new Map<Pod, readonly Policy[]>();

  /**
   * The policies among `candidates(namespace)` (in their order) whose subject selects the pod. The namespace half of
   * each subject is tested once per namespace; each pod then tests only its labels.
   */
  selecting(pod: Pod, candidates: (namespace: string) => readonly Policy[]): readonly Policy[] {
    let list = this.selectingPod.get(pod);
    if (list) return list;
    if (pod.hostNetwork) list = [];
    else {
      let inNamespace = this.candidatesIn.get(pod.namespace);
      if (!inNamespace) {
        const ns = this.ctx.namespaces.get(pod.namespace);
        inNamespace = candidates(pod.namespace).filter((p) => namespaceMatches(p.subject.namespaces, ns, pod.namespace));
        this.candidatesIn.set(pod.namespace, inNamespace);
      }
      list = inNamespace.filter((p) => matches(p.subject.pods, pod.labels));
    }
    this.selectingPod.set(pod, list);
    return list;
  }

  private podsByNamespace?: Map<string, Pod[]>;

  /** The pods a selection can reach: its one namespace's when it names one (in the cluster's order), else all. */
  candidatePods(s: PodSelection): readonly Pod[] {
    if (s.namespaces.kind !== 'named') return this.cluster.pods;
    return this.byNamespace().get(s.namespaces.name) ?? [];
  }

  /** Each namespace's pods in the cluster's order; the namespaces in the order their first pod comes. */
  private byNamespace(): Map<string, Pod[]> {
    if (!this.podsByNamespace) {
      this.podsByNamespace = new Map();
      for (const p of this.cluster.pods) (this.podsByNamespace.get(p.namespace) ?? this.podsByNamespace.set(p.namespace, []).get(p.namespace)!).push(p);
    }
    return this.podsByNamespace;
  }

  private readonly subjects = new Map<PodSelection, readonly Pod[]>();

  /** The pods a policy subject selects (never host-network pods). */
  subjectPods(s: PodSelection): readonly Pod[] {
    let pods = this.subjects.get(s);
    if (!pods) {
      pods = this.inNamespaces(s.namespaces).filter((p) => !p.hostNetwork && matches(s.pods, p.labels));
      this.subjects.set(s, pods);
    }
    return pods;
  }

  private readonly byLabels = new Map<PodSelection, readonly Pod[]>();

  /** The pods a subject lists by label in the namespaces it matches, host-network pods too. */
  labelledPods(s: PodSelection): readonly Pod[] {
    let pods = this.byLabels.get(s);
    if (!pods) {
      pods = this.inNamespaces(s.namespaces).filter((p) => matches(s.pods, p.labels));
      this.byLabels.set(s, pods);
    }
    return pods;
  }

  private readonly peers = new Map<string, readonly Pod[]>();

  /** The pods a peer selector lists: host-network ones only when `withHost` (the controller lists pods by label). */
  peerPods(s: PodSelection, withHost: boolean): readonly Pod[] {
    const key = `${withHost ? 'host' : 'no host'}|${selectionKey(s)}`;
    let pods = this.peers.get(key);
    if (!pods) {
      // a host-network pod is listed by label (when `withHost`); any other pod as `selects` has it: the same test
      pods = this.inNamespaces(s.namespaces).filter((p) => (!p.hostNetwork || withHost) && matches(s.pods, p.labels));
      this.peers.set(key, pods);
    }
    return pods;
  }

  private readonly podsOfMatch = new WeakMap<NamespaceMatch, readonly Pod[]>();
  private runs?: { namespace: string; start: number; end: number }[];

  /**
   * The pods of the namespaces a match matches, in the cluster's order, each namespace tested once. The cluster's
   * pods are taken as runs of one namespace (files and listings give a namespace's pods together; pods made from
   * workloads follow, again by namespace), so the walk is over runs, not over every pod.
   */
  private inNamespaces(m: NamespaceMatch): readonly Pod[] {
    if (m.kind === 'named') return this.byNamespace().get(m.name) ?? [];
    let pods = this.podsOfMatch.get(m);
    if (pods) return pods;
    if (!this.runs) {
      this.runs = [];
      const all = this.cluster.pods;
      for (let i = 0; i < all.length; i++) {
        const last = this.runs[this.runs.length - 1];
        if (last && last.namespace === all[i]!.namespace) last.end = i + 1;
        else this.runs.push({ namespace: all[i]!.namespace, start: i, end: i + 1 });
      }
    }
    const inNamespace = this.namespaceTest(m);
    const out: Pod[] = [];
    for (const run of this.runs) if (inNamespace(run.namespace)) for (let i = run.start; i < run.end; i++) out.push(this.cluster.pods[i]!);
    this.podsOfMatch.set(m, (pods = out));
    return pods;
  }

  /** Whether a namespace matches, tested once per namespace (`namespaceMatches`, as `selects` tests it). */
  private namespaceTest(m: NamespaceMatch): (namespace: string) => boolean {
    if (m.kind === 'named') return (namespace) => namespace === m.name;
    const verdict = new Map<string, boolean>();
    return (namespace) => {
      let ok = verdict.get(namespace);
      if (ok === undefined) verdict.set(namespace, (ok = namespaceMatches(m, this.ctx.namespaces.get(namespace), namespace)));
      return ok;
    };
  }

  private withClusterIp?: Service[];
  private servicesByNamespace?: Map<string, Service[]>;
  private readonly servicesOfPeer = new Map<string, readonly Service[]>();

  /**
   * The Services with a ClusterIP in the peer's namespaces whose selector the peer's pod selector matches, in the
   * cluster's order (getMatchingServiceClusterIPs' walk).
   */
  peerServices(s: PodSelection): readonly Service[] {
    const key = selectionKey(s);
    let list = this.servicesOfPeer.get(key);
    if (list) return list;
    if (!this.withClusterIp) {
      this.withClusterIp = this.cluster.services.filter((svc) => svc.clusterIPs[0] !== undefined);
      this.servicesByNamespace = new Map();
      for (const svc of this.withClusterIp) (this.servicesByNamespace.get(svc.namespace) ?? this.servicesByNamespace.set(svc.namespace, []).get(svc.namespace)!).push(svc);
    }
    const namespaces = s.namespaces;
    const inNamespaces = namespaces.kind === 'named' ? (this.servicesByNamespace!.get(namespaces.name) ?? []) : this.inMatchingNamespaces(namespaces);
    list = inNamespaces.filter((svc) => matches(s.pods, svc.selector ?? {}));
    this.servicesOfPeer.set(key, list);
    return list;
  }

  /** Services with a ClusterIP in the namespaces a selector matches, each namespace tested once. */
  private inMatchingNamespaces(m: NamespaceMatch): Service[] {
    const inNamespace = this.namespaceTest(m);
    return this.withClusterIp!.filter((svc) => inNamespace(svc.namespace));
  }

  private readonly backing = new Map<Service, readonly Pod[]>();

  /** The pods a Service's selector picks in its namespace (for named target ports). */
  backingPods(svc: Service): readonly Pod[] {
    let pods = this.backing.get(svc);
    if (!pods) {
      const selector = svc.selector;
      const asSelector: Selector | undefined = selector ? { requirements: Object.entries(selector).map(([key, v]) => ({ key, operator: 'In' as const, values: [v] })), key: '' } : undefined;
      pods = asSelector ? this.candidatePods({ namespaces: { kind: 'named', name: svc.namespace }, pods: asSelector }).filter((p) => matches(asSelector, p.labels)) : [];
      this.backing.set(svc, pods);
    }
    return pods;
  }

  private namespaceSet?: ReadonlySet<string>;

  /** The namespaces that exist: the Namespace objects, and every namespace a pod, Service or policy lives in. */
  namespaceNames(): ReadonlySet<string> {
    if (!this.namespaceSet) {
      const names = new Set<string>(this.ctx.namespaces.keys());
      for (const p of this.cluster.pods) names.add(p.namespace);
      for (const s of this.cluster.services) names.add(s.namespace);
      for (const p of this.cluster.policies) if (p.ref.namespace) names.add(p.ref.namespace);
      this.namespaceSet = names;
    }
    return this.namespaceSet;
  }
}

const byContext = new WeakMap<MatchContext, SelectionIndex>();

/** A selection as a key: its namespace part (the name, or the selector's key) and its pod selector's key. */
function selectionKey(s: PodSelection): string {
  return `${s.namespaces.kind === 'named' ? `=${s.namespaces.name}` : s.namespaces.selector.key}|${s.pods.key}`;
}
