/**
 * The shapes that flow through the EKS data-plane pipeline: what the controller writes
 * (PolicyEndpoints, ClusterPolicyEndpoints), what the agent programs per pod identifier (LPM entries),
 * and the switches that name each place where EKS departs from the specification.
 */
import type { Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { Address, Cidr } from '../net/ip.js';
import type { Action, Direction, Policy } from '../policy/types.js';

/**
 * The EKS mechanisms that can make EKS and the specification disagree. Each one can be switched to the
 * specification's behaviour (`spec` in `EksOptions`): the comparison names a mechanism only when switching it
 * alone gives the specification's verdict back.
 */
export const MECHANISMS = {
  'ingress-named-port-union': 'ingress named ports are resolved over every pod the policy selects, and the union is opened on each of them',
  'egress-named-port-dropped': 'egress named ports are dropped for ipBlock peers and rules without `to`; a peer left with only named ports yields nothing',
  'init-container-ports': 'named ports come from spec.containers only; init containers are ignored',
  'policytypes-not-respected': 'rules of a direction that policyTypes leaves out are still enforced (controller PR #229 open)',
  'selected-without-isolation': 'a policy that selects a pod without isolating it (an ApplicationNetworkPolicy without policyTypes) still has the agent program it: a direction without rules gets the catch-all, which in strict mode opens it',
  'anp-egress-without-to': 'an ApplicationNetworkPolicy egress rule without `to` yields no entry',
  'host-network-peer': 'a host-network pod used as a peer resolves to its node\'s IP',
  'node-primary-ip-only': 'only the node\'s primary IP (the agent\'s node IP) is always allowed, not every address of the Node',
  'strict-no-node-entry': 'in strict mode a pod that no NetworkPolicy selects has no node entry at all',
  'cp-no-node-entry': 'agent v1.4.1 and older write no node entry into the cluster-policy maps',
  'service-clusterip': 'egress is judged on the Service ClusterIP and port the client dialled, before address translation',
  'except-shadows-rules': 'an ipBlock except becomes a deny (or rule-less) entry for the pod and direction as a whole',
  'port-limit': 'at most 24 port entries per CIDR; which ones the agent keeps depends on Go map order',
  'identifier-sharing': 'maps are kept per pod identifier and node: pods whose names differ only after the last dash share them',
  'domain-names-ec2': 'domain names are enforced on EKS Auto Mode only; the agent on EC2 nodes drops entries without a CIDR',
  'domain-named-port-all-ports': 'a named port with domainNames opens every port of its protocol',
  'family-filter': 'rules of the other IP family are ignored, and the other family\'s packets are not inspected',
  'cnp-port-merge': 'ClusterNetworkPolicy entries of one CIDR and action are merged by concatenating port lists',
  'cnp-named-port': 'a ClusterNetworkPolicy named port for pod, namespace or network peers is not resolved (the controller reads a missing protocol; v1.1.7 and older)',
  'cnp-ingress-named-port-first-namespace': 'a ClusterNetworkPolicy ingress named port is resolved over the subject pods of the first subject namespace by name, and the union is opened on every subject pod (controller after v1.1.7, PR #232)',
  'cnp-ingress-first-peer-namespaces': 'a ClusterNetworkPolicy ingress rule takes the namespaces it resolves in from its first peer only: when that peer matches no namespace, the whole rule writes nothing (controller v1.1.7 and older)',
  'upstream-kind-not-enforced': 'the EKS controller does not reconcile upstream AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy (policy.networking.k8s.io)',
  'unknown-address': 'a pod without a known IP gets a placeholder address that only /0 rules contain',
  'pod-holds-node-address': 'a pod (not host-network) holds its peer\'s node address, which the agent always allows: a stale or mixed snapshot, since the VPC CNI never gives a pod its node\'s address',
} as const;
export type Mechanism = keyof typeof MECHANISMS;

export type Compute = 'auto' | 'ec2';

export interface EksOptions {
  /** The agent version whose behaviour is modelled (see versions.ts). */
  version: string;
  /** The controller release whose behaviour is modelled (versions.ts `controllerBehaviour`); default the one read, v1.1.7. */
  controller?: string;
  compute: Compute;
  /** Mechanisms switched to the specification's behaviour (for the comparison; empty for EKS itself). */
  spec?: ReadonlySet<Mechanism>;
}

export type PodState = 'POLICIES_APPLIED' | 'DEFAULT_ALLOW' | 'DEFAULT_DENY';

/** Which policy and rule produced something. */
export interface EntrySource {
  policy: string;
  direction: Direction;
  rule: number;
  ruleName?: string;
}

/** A port item as the controller writes it; no `port` = every port of the protocol. */
export interface PortSpec {
  protocol: Protocol;
  port?: number;
  endPort?: number;
  /** Left unresolved for the agent step when named ports are resolved per destination (spec behaviour). */
  named?: string;
}

/** One EndpointInfo of a PolicyEndpoint; `ports` empty = every port and protocol. */
export interface NpEndpoint {
  cidr?: Cidr;
  except: readonly Cidr[];
  domain?: string;
  ports: readonly PortSpec[];
  source: EntrySource;
}

export interface Dropped {
  direction: Direction;
  cidr?: string;
  what: string;
  why: string;
  mechanism?: Mechanism;
  source?: EntrySource;
  /** The slot the agent could not keep (port-limit): `l4` in the eks-maps JSON, as FORMAT.md's `dropped` shows it. */
  slot?: L4Slot | CpSlot;
}

/** What the controller writes for one NetworkPolicy or ApplicationNetworkPolicy. */
export interface PolicyEndpoints {
  policy: Policy;
  label: string;
  /** The pods the policy selects (podSelectorEndpoints): never host-network pods. */
  pods: readonly Pod[];
  /** podIsolation: policyTypes as written (NetworkPolicy: as defaulted by the API server). */
  isolation: { ingress: boolean; egress: boolean };
  ingress: readonly NpEndpoint[];
  egress: readonly NpEndpoint[];
  dropped: readonly Dropped[];
}

/** One ClusterEndpointInfo of a ClusterPolicyEndpoint; `ports` empty = every port and protocol. */
export interface CpEndpoint {
  cidr?: Cidr;
  domain?: string;
  action: Action;
  ports: readonly PortSpec[];
  sources: readonly EntrySource[];
}

export interface ClusterPolicyEndpoints {
  policy: Policy;
  label: string;
  tier: 'Admin' | 'Baseline';
  priority: number;
  pods: readonly Pod[];
  ingress: readonly CpEndpoint[];
  egress: readonly CpEndpoint[];
  dropped: readonly Dropped[];
}

export type L4Protocol = Protocol | 'ANY' | 'RESERVED';

/** One slot of a NetworkPolicy LPM value: port 0 = every port; endPort 0 = a single port. */
export interface L4Slot {
  protocol: L4Protocol;
  port: number;
  endPort: number;
  source?: EntrySource;
}

export type EntryKind = 'node' | 'catch-all' | 'rule' | 'except' | 'domain';

export interface NpEntry {
  cidr?: Cidr;
  domain?: string;
  kind: EntryKind;
  l4: readonly L4Slot[];
  /** Slots beyond the 24 the value holds (which ones the agent drops depends on Go map order). */
  overflow: readonly L4Slot[];
  sources: readonly EntrySource[];
}

export interface CpSlot {
  tier: 'Admin' | 'Baseline';
  priority: number;
  action: Action;
  protocol: Protocol | 'ANY';
  port: number;
  endPort: number;
  source?: EntrySource;
}

export interface CpEntry {
  cidr?: Cidr;
  domain?: string;
  kind: 'node' | 'rule' | 'domain';
  rules: readonly CpSlot[];
  overflow: readonly CpSlot[];
  sources: readonly EntrySource[];
}

export interface DirectionMaps {
  podState: PodState;
  cpPodState: PodState;
  entries: readonly NpEntry[];
  cpEntries: readonly CpEntry[];
  dropped: readonly Dropped[];
  /** The PolicyEndpoints behind the entries (and why the direction is isolated or caught all). */
  policies: readonly string[];
  /**
   * The same object for directions whose maps differ at most in their node entries (the agent computed them
   * once): renderers may share their work between them.
   */
  shared?: object;
}

/** One set of maps: a pod identifier on one node. */
export interface IdentifierMaps {
  identifier: string;
  node: string;
  nodeIp: Address;
  pods: readonly Pod[];
  ingress: DirectionMaps;
  egress: DirectionMaps;
}

export type { Address, Cidr };
