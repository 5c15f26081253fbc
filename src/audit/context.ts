/**
 * What every check may ask: the cluster, the engine, the configuration, whether enforcement is on,
 * and probes that ask the engine about pods that do not exist yet (a new pod in a namespace, a
 * stranger from a new namespace), so that "is this namespace default-deny?" is the engine's answer.
 */
import { clusterDnsPods } from '../analysis/dns.js';
import { ClassIndex } from '../engine/classes.js';
import { Engine } from '../engine/engine.js';
import type { SourceLocation } from '../k8s/errors.js';
import { objectLabel } from '../k8s/errors.js';
import { workloadId, type Cluster, type Namespace, type Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { Endpoint } from '../model/endpoint.js';
import type { Direction, Policy, Rule } from '../policy/types.js';
import type { AuditConfig } from './config.js';
import { eksDifferences, type EksDifferences } from './eks-differences.js';
import { chooseVersion } from '../eks/versions.js';
import type { Compute } from '../eks/types.js';
import { EksDataplane } from '../eks/decide.js';
import { compareEndpoints, type DriftReport, type WrittenEndpoints } from '../eks/drift.js';
import { parseAddress } from '../net/ip.js';

/** What is known about the VPC CNI's network policy switch, from one source. */
export interface EnforcementState {
  source: string;
  /** undefined when the source did not say. */
  enabled: boolean | undefined;
  location?: SourceLocation;
  detail: string;
}

const STRANGER_NS = 'podwall-probe-stranger';
const INTERNET = parseAddress('203.0.113.1')!; // TEST-NET-3: an address no rule should single out
const PROBE_PORT = 1;

export class AuditContext {
  readonly engine: Engine;
  private readonly probeEngine: Engine;
  private readonly probes = new Map<string, Pod>();
  private readonly stranger: Pod;
  private readonly dns: { pods: Pod[]; hypothetical: boolean };

  constructor(
    readonly cluster: Cluster,
    readonly config: AuditConfig,
    readonly enforcement: EnforcementState[],
    /** The EKS agent version and compute kind the EKS comparison models (default: from the inputs). */
    eks?: { version: string; compute: Compute; controller?: string; endpoints?: WrittenEndpoints },
  ) {
    this.engine = new Engine(cluster);
    this.eksOptions = eks ? { version: eks.version, compute: eks.compute, ...(eks.controller ? { controller: eks.controller } : {}) } : defaultEksOptions(cluster);
    this.writtenEndpoints = eks?.endpoints;
    const probe = (namespace: string): Pod => ({
      name: 'podwall-probe',
      namespace,
      labels: {},
      ips: [],
      ports: [],
      hostNetwork: false,
      synthesized: true,
      location: { file: '<probe>' },
    });
    for (const ns of cluster.namespaces.keys()) this.probes.set(ns, probe(ns));
    this.stranger = probe(STRANGER_NS);
    const namespaces = new Map<string, Namespace>(cluster.namespaces);
    namespaces.set(STRANGER_NS, { name: STRANGER_NS, labels: { 'kubernetes.io/metadata.name': STRANGER_NS } });
    this.probeEngine = new Engine({ ...cluster, namespaces, pods: [...cluster.pods, ...this.probes.values(), this.stranger] });

    const real = clusterDnsPods(cluster.pods);
    this.dns = real.length
      ? { pods: real, hypothetical: false }
      : {
          pods: [
            {
              ...probe('kube-system'),
              name: 'coredns',
              labels: { 'k8s-app': 'kube-dns' },
              ports: [
                { name: 'dns', port: 53, protocol: 'UDP' },
                { name: 'dns-tcp', port: 53, protocol: 'TCP' },
              ],
            },
          ],
          hypothetical: true,
        };
  }

  private classIndex?: ClassIndex;
  /** Pods by equivalence class, for fast "which pods does this select" questions. */
  get classes(): ClassIndex {
    this.classIndex ??= new ClassIndex(this.cluster, this.engine.ctx);
    return this.classIndex;
  }

  /** Every rule of every audited policy (policies of exempt namespaces only when asked). */
  *rules(includeExempt = false): Generator<{ policy: Policy; direction: Direction; rule: Rule }> {
    for (const policy of this.cluster.policies) {
      if (!includeExempt && policy.ref.namespace && this.exempt(policy.ref.namespace)) continue;
      for (const direction of ['ingress', 'egress'] as const) for (const rule of policy[direction]) yield { policy, direction, rule };
    }
  }

  exempt(namespace: string): boolean {
    return this.config.exemptNamespaces.includes(namespace);
  }

  /** Audited namespaces, in name order. */
  namespaces(): Namespace[] {
    return [...this.cluster.namespaces.values()].filter((n) => !this.exempt(n.name)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One pod per workload (the first), for findings that concern workloads rather than replicas. */
  workloads(): Pod[] {
    const seen = new Map<string, Pod>();
    for (const p of this.cluster.pods) if (!p.hostNetwork && !this.exempt(p.namespace) && !seen.has(workloadId(p))) seen.set(workloadId(p), p);
    return [...seen.values()];
  }

  /**
   * Would a new, unlabelled pod in `namespace` be denied `direction` traffic with a stranger (a pod
   * of a new namespace; for egress also an Internet address)? That is default-deny, from any tier.
   */
  defaultDeny(namespace: string, direction: Direction): boolean {
    const probe: Endpoint = { kind: 'pod', pod: this.probes.get(namespace)! };
    const stranger: Endpoint = { kind: 'pod', pod: this.stranger };
    // only the probe's own side counts: the stranger's policies must not answer for the namespace
    const side = (from: Endpoint, to: Endpoint): boolean => this.probeEngine.decide({ from, to, port: PROBE_PORT, protocol: 'TCP' })[direction].allowed;
    if (direction === 'ingress') return !side(stranger, probe);
    return !side(probe, stranger) && !side(probe, { kind: 'external', address: INTERNET });
  }

  /**
   * Is this pod isolated in this direction, whatever the tier: would it be denied traffic with a
   * stranger (a pod of a new namespace)? Accept-only rules (a DNS allowance) do not isolate.
   */
  isolated(pod: Pod, direction: Direction): boolean {
    if (pod.hostNetwork) return false;
    const me: Endpoint = { kind: 'pod', pod };
    const stranger: Endpoint = { kind: 'pod', pod: this.stranger };
    const [from, to] = direction === 'ingress' ? [stranger, me] : [me, stranger];
    return !this.probeEngine.decide({ from, to, port: PROBE_PORT, protocol: 'TCP' })[direction].allowed;
  }

  readonly eksOptions: { version: string; compute: Compute; controller?: string };
  /** The PolicyEndpoints the controller wrote, when a live cluster was read. */
  readonly writtenEndpoints?: WrittenEndpoints;
  private drift?: DriftReport;
  /** Live only: the written endpoints against podwall's controller model (undefined without a live cluster). */
  get eksDrift(): DriftReport | undefined {
    if (!this.writtenEndpoints) return undefined;
    if (!this.drift) {
      const dp = new EksDataplane(this.cluster, this.eksOptions);
      this.drift = compareEndpoints(this.cluster, dp.controller, dp.addressing, this.writtenEndpoints);
    }
    return this.drift;
  }
  private eksDiff?: EksDifferences;
  /** Where EKS and the specification disagree, asked as explain asks (computed once, for every EKS check). */
  get eksDifferences(): EksDifferences {
    this.eksDiff ??= eksDifferences(this.cluster, this.eksOptions);
    return this.eksDiff;
  }

  dnsPods(): { pods: Pod[]; hypothetical: boolean } {
    return this.dns;
  }

  canReachDns(pod: Pod, protocol: Protocol): boolean {
    const engine = this.dns.hypothetical ? this.probeEngineWithDns() : this.engine;
    return this.dns.pods.some((d) => engine.decide({ from: { kind: 'pod', pod }, to: { kind: 'pod', pod: d }, port: 53, protocol }).allowed);
  }

  private dnsEngine?: Engine;
  private probeEngineWithDns(): Engine {
    this.dnsEngine ??= new Engine({ ...this.cluster, pods: [...this.cluster.pods, ...this.dns.pods] });
    return this.dnsEngine;
  }

  podLabel(p: Pod): string {
    return p.workload ? objectLabel(p.workload.kind, p.workload.name, p.namespace) : objectLabel('Pod', p.name, p.namespace);
  }
}

/** As the CLI infers them without flags: the aws-node image tag, else the newest known agent; EC2 when aws-node is in the inputs. */
function defaultEksOptions(cluster: Cluster): { version: string; compute: Compute; controller?: string } {
  const v = chooseVersion(undefined, cluster);
  return { version: 'error' in v ? 'v1.4.1' : v.text, compute: cluster.settings.awsNode ? 'ec2' : 'auto' };
}
