import type { Diagnostic, SourceLocation } from '../k8s/errors.js';
import type { Labels } from '../k8s/labels.js';
import type { Address } from '../net/ip.js';
import type { Protocol } from '../net/protocol.js';
import type { Policy } from '../policy/types.js';

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
  /** Declared by an init container (the EKS controller resolves named ports from spec.containers only). */
  init?: true;
}

export interface Namespace {
  name: string;
  labels: Labels;
  /** Absent when the namespace was only inferred from the objects in it. */
  location?: SourceLocation;
}

export interface WorkloadRef {
  kind: string;
  name: string;
}

export interface Pod {
  name: string;
  namespace: string;
  labels: Labels;
  ips: readonly Address[];
  ports: readonly ContainerPort[];
  /** Host-network pods share the node's address; pod policies neither select nor match them. */
  hostNetwork: boolean;
  nodeName?: string;
  /** The workload that owns the pod (Deployment rather than its ReplicaSet), when known. */
  workload?: WorkloadRef;
  /** True for the representative pod made from a workload template. */
  synthesized: boolean;
  location: SourceLocation;
}

export interface Node {
  name: string;
  labels: Labels;
  addresses: readonly Address[];
  location: SourceLocation;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServicePort {
  name?: string;
  port: number;
  protocol: Protocol;
  /** The backing pod's port: a number, or the name of a container port (resolved per pod). */
  targetPort: number | string;
  nodePort?: number;
}

export interface Service {
  name: string;
  namespace: string;
  type: ServiceType;
  /** The virtual addresses kube-proxy translates (none for headless and ExternalName Services). */
  clusterIPs: readonly Address[];
  /** `clusterIP: None`: the name resolves to the backing pods' own addresses. */
  headless: boolean;
  ports: readonly ServicePort[];
  /** Absent: the Service has no selector, and its endpoints are managed outside the model. */
  selector?: Labels;
  externalName?: string;
  /** `Local` keeps an outside client's address; `Cluster` (the default) lets kube-proxy masquerade it. */
  externalTrafficPolicy: 'Cluster' | 'Local';
  location: SourceLocation;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort: number | string;
  protocol: Protocol;
}

export type EnforcingMode = 'standard' | 'strict';

export interface Settings {
  /** The EKS agent's pod default: allow in standard mode, deny in strict mode. */
  enforcingMode: EnforcingMode;
  enforcingModeSource?: string;
  /** EKS Auto Mode's kube-system/amazon-vpc-cni ConfigMap, when in the inputs. */
  vpcCniConfigMap?: { data: Readonly<Record<string, string>>; location: SourceLocation };
  /** The aws-node DaemonSet, when in the inputs: the network policy agent's image tag (its version). */
  awsNode?: { agentImageTag?: string; location: SourceLocation };
}

/** Everything podwall knows about one cluster: the model the engine decides on. */
export interface Cluster {
  namespaces: ReadonlyMap<string, Namespace>;
  pods: readonly Pod[];
  nodes: readonly Node[];
  services: readonly Service[];
  policies: readonly Policy[];
  settings: Settings;
  /** Things that are valid but probably not what the author meant. */
  warnings: readonly Diagnostic[];
}

export function podId(p: { namespace: string; name: string }): string {
  return `${p.namespace}/${p.name}`;
}

/** The name a pod is shown under when pods are grouped by workload. */
export function workloadId(p: Pod): string {
  return `${p.namespace}/${p.workload ? p.workload.name : p.name}`;
}
