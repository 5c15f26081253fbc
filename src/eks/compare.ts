/**
 * Both data planes for one connection: the specification's verdict (the engine) and the EKS verdict (the
 * pipeline), and, when they differ, the EKS mechanisms that make the difference. A mechanism is named only
 * when switching it alone to the specification's behaviour gives the specification's verdict back; when no
 * single one does, the smallest set found by switching them all is named. Explain, the audit and the matrix
 * ask this one place.
 */
import { Engine } from '../engine/engine.js';
import { selects } from '../engine/match.js';
import type { Verdict } from '../engine/verdict.js';
import type { Cluster } from '../model/cluster.js';
import { isPolicyPod, type Connection, type Endpoint } from '../model/endpoint.js';
import type { Address } from '../net/ip.js';
import type { Direction, Policy } from '../policy/types.js';
import { EksDataplane, type EksVerdict } from './decide.js';
import { MECHANISMS, type Compute, type EksOptions, type IdentifierMaps, type Mechanism } from './types.js';

export interface Comparison {
  kubernetes: Verdict;
  eks: EksVerdict;
  agree: boolean;
  /** Why EKS differs (empty when they agree). */
  mechanisms: Mechanism[];
  /** False when they differ and no mechanism explains it: a bug in podwall's model. */
  explained: boolean;
  /** Mechanisms that may make EKS differ even where the verdicts agree (the 24-slot limit). */
  caveats: Mechanism[];
}

/** Mechanisms the comparison can switch to the specification's behaviour. */
const SWITCHABLE = (Object.keys(MECHANISMS) as Mechanism[]).filter((m) => m !== 'port-limit' && m !== 'upstream-kind-not-enforced' && m !== 'unknown-address' && m !== 'pod-holds-node-address');

/**
 * The mechanisms each step of the pipeline reads (its `on(...)` checks; held to the sources by a test): a variant
 * whose switches the controller never reads shares the real plane's controller output, and one whose switches
 * neither the controller nor the agent reads shares its maps too.
 */
export const CONTROLLER_READS: ReadonlySet<Mechanism> = new Set<Mechanism>([
  'anp-egress-without-to',
  'cnp-ingress-first-peer-namespaces',
  'cnp-ingress-named-port-first-namespace',
  'cnp-named-port',
  'cnp-port-merge',
  'domain-named-port-all-ports',
  'egress-named-port-dropped',
  'host-network-peer',
  'ingress-named-port-union',
  'init-container-ports',
  'policytypes-not-respected',
  'service-clusterip',
]);
export const AGENT_READS: ReadonlySet<Mechanism> = new Set<Mechanism>([
  'cp-no-node-entry',
  'domain-names-ec2',
  'except-shadows-rules',
  'family-filter',
  'identifier-sharing',
  'init-container-ports',
  'port-limit',
  'selected-without-isolation',
  'strict-no-node-entry',
]);

/**
 * A variant data plane is dropped once it has decided for this many identifiers: what it keeps (maps, endpoints)
 * stays bounded. Comparisons about identifiers it has already made maps for do not count: they add nothing to keep,
 * and a plane dropped for them is rebuilt with cold caches (a matrix asks about the same identifiers again and again;
 * dropping after 256 comparisons of any kind, up to 512 identifiers, made its naming twice as dear).
 */
const VARIANT_USES = 256;
/** At most this many variant data planes are kept at once (each set of switches is one). */
const VARIANT_PLANES = 48;

export class Dataplanes {
  readonly engine: Engine;
  readonly eks: EksDataplane;
  /** Variant data planes by their switches, and the identifiers each has decided for (`uses`: how many). */
  private readonly variants = new Map<string, { plane: EksDataplane; uses: number; seen: Set<IdentifierMaps> }>();

  constructor(
    readonly cluster: Cluster,
    readonly options: { version: string; compute: Compute; controller?: string },
  ) {
    this.engine = new Engine(cluster);
    this.eks = new EksDataplane(cluster, options);
  }

  /**
   * The data plane with `spec` switched to the specification's behaviour, sharing what the real plane computed
   * for every step that does not read them. Kept for a bounded number of comparisons: a variant keeps the maps
   * of every identifier it is asked about, and over a whole matrix that is most of them, once per variant.
   */
  private variant(spec: readonly Mechanism[]): EksDataplane {
    const key = spec.join(',');
    let v = this.variants.get(key);
    if (!v || v.uses >= VARIANT_USES) {
      if (!v && this.variants.size >= VARIANT_PLANES) this.variants.clear();
      const share = spec.some((m) => CONTROLLER_READS.has(m)) ? undefined : spec.some((m) => AGENT_READS.has(m)) ? 'controller' : 'maps';
      const opts: EksOptions = { ...this.options, spec: new Set(spec) };
      this.variants.set(key, (v = { plane: new EksDataplane(this.cluster, opts, this.eks, share), uses: 0, seen: new Set() }));
    }
    return v.plane;
  }

  compare(conn: Connection): Comparison {
    const kubernetes = this.engine.decide(conn);
    const eks = this.eks.decide(conn);
    const caveats: Mechanism[] = eks.egress.uncertain || eks.ingress.uncertain ? ['port-limit'] : [];
    if (kubernetes.allowed === eks.allowed) return { kubernetes, eks, agree: true, mechanisms: [], explained: true, caveats };
    const same = (v: EksVerdict): boolean => v.allowed === kubernetes.allowed;
    // Only the mechanisms that can touch this connection are switched: any other leaves the controller's and the
    // agent's output for its two identifiers, and the program's steps, as they are, so its variant answers as the
    // real plane does (and the names found are those switching every mechanism would find).
    const relevant = relevantMechanisms(this.eks, conn);
    const verdicts = new Map<string, EksVerdict>();
    const decide = (spec: readonly Mechanism[]): EksVerdict => {
      const key = spec.join(',');
      let v = verdicts.get(key);
      if (!v) verdicts.set(key, (v = this.variant(spec).decide(conn)));
      return v;
    };
    // (every mechanism switched at once, or all but one, is the same variant however many are relevant: kept)
    let mechanisms: Mechanism[] = relevant.filter((m) => same(decide([m])));
    if (mechanisms.length === 0 && relevant.length > 0 && same(decide(SWITCHABLE))) {
      // several act together: keep those without which the specification's verdict does not come back
      mechanisms = relevant.filter((m) => !same(decide(SWITCHABLE.filter((x) => x !== m))));
      if (mechanisms.length === 0) mechanisms = relevant.filter((m) => decide([m]).allowed !== eks.allowed || changesSide(decide([m]), eks));
    }
    for (const key of verdicts.keys()) {
      const v = this.variants.get(key);
      if (!v) continue;
      for (const e of [conn.from, conn.to]) {
        const maps = isPolicyPod(e) ? v.plane.mapsOf(e.pod) : undefined;
        if (maps && !v.seen.has(maps)) {
          v.seen.add(maps);
          v.uses++;
        }
      }
    }
    if (mechanisms.length === 0) {
      if (this.upstreamDecides(conn)) mechanisms = ['upstream-kind-not-enforced'];
      else if ([conn.from, conn.to].some((e) => this.eks.addressing.isPlaceholder(this.eks.address(e)))) mechanisms = ['unknown-address'];
      else if (this.podHoldsPeerNodeAddress(conn)) mechanisms = ['pod-holds-node-address'];
    }
    if (mechanisms.length === 0 && caveats.length > 0) mechanisms = ['port-limit'];
    return { kubernetes, eks, agree: false, mechanisms, explained: mechanisms.length > 0, caveats };
  }

  /**
   * Does one side, a pod that is not host-network, hold an address of the other side's node? The agent's node entry
   * allows that address on the other side's maps whoever holds it; the VPC CNI never hands it to such a pod, so the
   * input is a stale or mixed snapshot (the model warns when it is read), not a mechanism to switch.
   */
  private podHoldsPeerNodeAddress(conn: Connection): boolean {
    const holds = (holder: Endpoint, other: Endpoint): boolean => {
      if (!isPolicyPod(holder) || holder.pod.hostNetwork || !isPolicyPod(other)) return false;
      const address = this.eks.address(holder);
      return (this.eks.addressing.node(other.pod.nodeName)?.addresses ?? []).some((a) => a.family === address.family && a.value === address.value);
    };
    return holds(conn.from, conn.to) || holds(conn.to, conn.from);
  }

  /** Does an upstream kind (which EKS does not enforce) select one of the connection's pods? */
  private upstreamDecides(conn: Connection): boolean {
    const sides: [Direction, Endpoint][] = [['egress', conn.from], ['ingress', conn.to]];
    return sides.some(([d, e]) => isPolicyPod(e) && this.cluster.policies.some((p) => p.ref.apiVersion.startsWith('policy.networking.k8s.io/') && p[d].length > 0 && selects(p.subject, e.pod, this.engine.ctx)));
  }
}

/**
 * The switchable mechanisms that may change the EKS verdict of `conn`, in SWITCHABLE's order: a superset, never
 * missing one. A side's verdict is read from the maps of one pod identifier (the source's on egress, the
 * destination's on ingress), made by the agent from the PolicyEndpoints of the policies selecting its pods, each
 * written by the controller from its own policy; the program adds the packet's addresses. So a mechanism whose
 * trigger is absent from those policies (for every switch set: they are read as written, before any switch),
 * those pods and those addresses leaves every variant's answer as it is without it.
 */
export function relevantMechanisms(eks: EksDataplane, conn: Connection): Mechanism[] {
  const cluster = eks.cluster;
  const groups: IdentifierFeatures[] = [];
  for (const e of [conn.from, conn.to]) {
    if (!isPolicyPod(e)) continue;
    const maps = eks.mapsOf(e.pod);
    if (maps) groups.push(identifierFeatures(eks, maps));
  }
  if (groups.length === 0) return [];
  const f = new Set<Feature>();
  for (const g of groups) for (const x of g.features) f.add(x);
  const strictWithoutIsolation = cluster.settings.enforcingMode === 'strict' && groups.some((g) => !g.isolated);
  let whole = clusterFeatures.get(cluster);
  if (!whole) {
    const hostNetwork = cluster.pods.some((p) => p.hostNetwork);
    const namedTargetPort = cluster.services.some((s) => (s.ports ?? []).some((sp) => typeof sp.targetPort === 'string'));
    clusterFeatures.set(cluster, (whole = { hostNetwork, namedTargetPort }));
  }
  const { hostNetwork, namedTargetPort } = whole;
  const addresses: Address[] = [eks.address(conn.from), eks.address(conn.to), ...(conn.service?.address ? [conn.service.address] : [])];
  const ownNodeAddress = [conn.from, conn.to].some((e) => isPolicyPod(e) && (eks.addressing.node(e.pod.nodeName)?.addresses ?? []).some((a) => addresses.some((x) => x.family === a.family && x.value === a.value)));
  const has = (x: Feature): boolean => f.has(x);
  const test: Record<(typeof SWITCHABLE)[number], () => boolean> = {
    'ingress-named-port-union': () => has('np-ingress-named'),
    'egress-named-port-dropped': () => has('egress-named'),
    'init-container-ports': () => has('named') || (has('egress-pods') && namedTargetPort),
    'policytypes-not-respected': () => has('outside-policytypes'),
    'selected-without-isolation': () => has('np-unisolated'),
    'anp-egress-without-to': () => has('anp-egress-without-to'),
    'host-network-peer': () => has('pods-peer') && hostNetwork,
    'node-primary-ip-only': () => ownNodeAddress,
    'strict-no-node-entry': () => strictWithoutIsolation,
    'cp-no-node-entry': () => has('cnp'),
    'service-clusterip': () => conn.service !== undefined || (has('egress-pods') && cluster.services.length > 0),
    'except-shadows-rules': () => has('np-except'),
    'identifier-sharing': () => groups.some((g) => g.pods > 1),
    'domain-names-ec2': () => eks.options.compute === 'ec2' && has('domains'),
    'domain-named-port-all-ports': () => has('domains-named'),
    'family-filter': () => addresses.some((a) => a.family !== eks.addressing.family),
    'cnp-port-merge': () => has('cnp'),
    'cnp-named-port': () => has('cnp-named'),
    'cnp-ingress-named-port-first-namespace': () => has('cnp-ingress-named'),
    'cnp-ingress-first-peer-namespaces': () => has('cnp-ingress-first-pods'),
  };
  return SWITCHABLE.filter((m) => test[m as keyof typeof test]());
}

/** What an identifier's policies hold (their features), whether one of them isolates a direction, and its pods. */
interface IdentifierFeatures {
  features: ReadonlySet<Feature>;
  isolated: boolean;
  pods: number;
}

/** Per identifier of the real plane, made once: a comparison asks about two, a matrix about the same ones often. */
const identifierCache = new WeakMap<IdentifierMaps, IdentifierFeatures>();
const clusterFeatures = new WeakMap<Cluster, { hostNetwork: boolean; namedTargetPort: boolean }>();

function identifierFeatures(eks: EksDataplane, maps: IdentifierMaps): IdentifierFeatures {
  let out = identifierCache.get(maps);
  if (out) return out;
  const policies = new Set<Policy>();
  let isolated = false;
  for (const pod of maps.pods) {
    const { pes, cpes } = eks.controller.selecting(pod);
    for (const pe of pes) {
      policies.add(pe.policy);
      if (pe.policy.isolates.ingress || pe.policy.isolates.egress) isolated = true;
    }
    for (const c of cpes) policies.add(c.policy);
  }
  const features = new Set<Feature>();
  for (const p of policies) policyFeatures(p, features);
  identifierCache.set(maps, (out = { features, isolated, pods: maps.pods.length }));
  return out;
}

type Feature =
  | 'named'
  | 'np-ingress-named'
  | 'egress-named'
  | 'outside-policytypes'
  | 'np-unisolated'
  | 'anp-egress-without-to'
  | 'pods-peer'
  | 'egress-pods'
  | 'np-except'
  | 'domains'
  | 'domains-named'
  | 'cnp'
  | 'cnp-named'
  | 'cnp-ingress-named'
  | 'cnp-ingress-first-pods';

/** What in one policy, as written (rules outside its policyTypes too), a mechanism can act on. */
function policyFeatures(p: Policy, f: Set<Feature>): void {
  const namespaced = p.tier === 'namespace';
  if (!namespaced) f.add('cnp');
  if (namespaced && !p.isolates.ingress && !p.isolates.egress) f.add('np-unisolated');
  const outside = p.rulesOutsidePolicyTypes;
  if (outside && outside.ingress.length + outside.egress.length > 0) f.add('outside-policytypes');
  for (const d of ['ingress', 'egress'] as const) {
    for (const rule of [...p[d], ...(outside?.[d] ?? [])]) {
      const named = (rule.ports ?? []).some((pm) => pm.type === 'named');
      if (named) {
        f.add('named');
        if (d === 'egress') f.add('egress-named');
        if (namespaced && d === 'ingress') f.add('np-ingress-named');
        if (!namespaced) f.add('cnp-named');
        if (!namespaced && d === 'ingress') f.add('cnp-ingress-named');
      }
      if (!rule.peers && d === 'egress' && p.ref.kind === 'ApplicationNetworkPolicy') f.add('anp-egress-without-to');
      if (!namespaced && d === 'ingress' && rule.peers?.[0]?.type === 'pods') f.add('cnp-ingress-first-pods');
      for (const peer of rule.peers ?? []) {
        if (peer.type === 'pods') {
          f.add('pods-peer');
          if (d === 'egress') f.add('egress-pods');
        } else if (peer.type === 'ipBlock') {
          if (namespaced && peer.except.length > 0) f.add('np-except');
        } else if (peer.type === 'domains') {
          f.add('domains');
          if (named) f.add('domains-named');
        }
      }
    }
  }
}

function changesSide(a: EksVerdict, b: EksVerdict): boolean {
  return a.egress.allowed !== b.egress.allowed || a.ingress.allowed !== b.ingress.allowed;
}

export function describeMechanism(m: Mechanism): string {
  return `${m}: ${MECHANISMS[m]}`;
}
