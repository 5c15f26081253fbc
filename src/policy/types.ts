import type { SourceLocation } from '../k8s/errors.js';
import type { Selector } from '../k8s/labels.js';
import type { Cidr } from '../net/ip.js';
import type { Protocol } from '../net/protocol.js';

/**
 * The one model every policy kind is compiled into: policies in tiers, each with a subject
 * (the pods it applies to) and ordered rules per direction.
 */
export type Tier = 'admin' | 'namespace' | 'baseline';
export type Direction = 'ingress' | 'egress';
export type Action = 'allow' | 'deny' | 'pass';

/**
 * How a tier picks the deciding rule among the matches of one policy kind:
 * - `first-match`: upstream; within a policy the first matching rule in written order decides.
 * - `priority-action`: EKS's agent; every matching rule is a candidate, written order is ignored,
 *   and at equal priority Deny beats Accept beats Pass.
 * - `union`: NetworkPolicy; any matching allow rule admits the connection.
 */
export type Semantics = 'first-match' | 'priority-action' | 'union';

export interface PolicyRef {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  location: SourceLocation;
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
}

/** Which namespaces: a fixed one (a NetworkPolicy's own), or those matching a selector. */
export type NamespaceMatch = { kind: 'named'; name: string } | { kind: 'selector'; selector: Selector };

/** Pods chosen by namespace and pod labels; host-network pods are never chosen. */
export interface PodSelection {
  namespaces: NamespaceMatch;
  pods: Selector;
}

export type Peer =
  | { type: 'pods'; selection: PodSelection }
  | { type: 'ipBlock'; cidr: Cidr; except: readonly Cidr[] }
  | { type: 'nodes'; selector: Selector }
  | { type: 'domains'; patterns: readonly string[] };

export type PortMatch =
  | { type: 'range'; protocol: Protocol; from: number; to: number }
  /** Every port of one protocol (a NetworkPolicy port item with a protocol but no port). */
  | { type: 'protocol'; protocol: Protocol }
  /** Resolved against the destination pod's container ports; `protocol` undefined = the container port's own. */
  | { type: 'named'; name: string; protocol?: Protocol };

export interface Rule {
  index: number;
  name?: string;
  action: Action;
  /** undefined = every peer, in and outside the cluster. */
  peers?: readonly Peer[];
  /** undefined = every port and protocol. */
  ports?: readonly PortMatch[];
  location: SourceLocation;
}

export interface Policy {
  ref: PolicyRef;
  tier: Tier;
  semantics: Semantics;
  /** Lower is more important; NetworkPolicies have none (0). */
  priority: number;
  subject: PodSelection;
  /** For the namespace tier: which directions this policy isolates its pods in. */
  isolates: { ingress: boolean; egress: boolean };
  ingress: readonly Rule[];
  egress: readonly Rule[];
  /** Namespace tier: rules of directions policyTypes leaves out (ignored here; the EKS controller still writes them). */
  rulesOutsidePolicyTypes?: { ingress: readonly Rule[]; egress: readonly Rule[] };
  /** Namespace tier: whether policyTypes was written (EKS does not default it for ApplicationNetworkPolicy). */
  policyTypesGiven?: boolean;
  /** A short name of the semantics applied, printed by explain (e.g. "EKS ClusterNetworkPolicy"). */
  flavour: string;
}

export function policyLabel(ref: PolicyRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
