import { Cursor } from '../k8s/cursor.js';
import { objectLabel, type Diagnostic, type SourceLocation } from '../k8s/errors.js';
import type { ParsedDocument } from '../k8s/yaml.js';
import { parseApplicationNetworkPolicy } from '../policy/application-network-policy.js';
import {
  ADMIN_NETWORK_POLICY,
  BASELINE_ADMIN_NETWORK_POLICY,
  EKS_CLUSTER_NETWORK_POLICY,
  parseClusterPolicy,
  UPSTREAM_CLUSTER_NETWORK_POLICY,
} from '../policy/cluster-policies.js';
import { parseNetworkPolicy, type KindContext } from '../policy/networkpolicy.js';
import type { Policy, PolicyRef } from '../policy/types.js';
import type { Cluster, EnforcingMode, Namespace, Node, Pod, Service, ServicePort, Settings, WorkloadRef } from './cluster.js';
import { parseAddress, type Address } from './ip.js';
import type { Labels } from './labels.js';
import { parsePodIPs, parsePodSpec } from './pods.js';
import { parsePortNumber, parseProtocol } from '../policy/fields.js';

export interface BuildOptions {
  /** Overrides what the aws-node DaemonSet says. */
  enforcingMode?: EnforcingMode;
}

/** A Kubernetes object as it was read: the parsed value and where it came from. */
export interface SourceObject {
  value: unknown;
  file: string;
  /** Absent for objects read from a live cluster. */
  line?: number;
}

type PolicyParser = (root: Cursor, ctx: KindContext) => Policy;

const POLICY_KINDS: Record<string, PolicyParser> = {
  'networking.k8s.io/NetworkPolicy': (r, c) => parseNetworkPolicy(r, c),
  'networking.k8s.aws/ApplicationNetworkPolicy': parseApplicationNetworkPolicy,
  'networking.k8s.aws/ClusterNetworkPolicy': (r, c) => parseClusterPolicy(r, c, EKS_CLUSTER_NETWORK_POLICY),
  'policy.networking.k8s.io/AdminNetworkPolicy': (r, c) => parseClusterPolicy(r, c, ADMIN_NETWORK_POLICY),
  'policy.networking.k8s.io/BaselineAdminNetworkPolicy': (r, c) => parseClusterPolicy(r, c, BASELINE_ADMIN_NETWORK_POLICY),
  'policy.networking.k8s.io/ClusterNetworkPolicy': (r, c) => parseClusterPolicy(r, c, UPSTREAM_CLUSTER_NETWORK_POLICY),
};

const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']);

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);

/** `kind: List` and the typed lists kubectl prints (`PodList`, ...) hold their objects in `items`. */
export function expandLists(docs: readonly ParsedDocument[]): SourceObject[] {
  const out: SourceObject[] = [];
  const visit = (value: unknown, file: string, line: number): void => {
    const c = Cursor.root(value, { file, line });
    const kind = typeof (value as { kind?: unknown })?.kind === 'string' ? ((value as { kind: string }).kind) : undefined;
    if (kind && kind.endsWith('List') && Array.isArray((value as { items?: unknown }).items)) {
      for (const item of c.field('items').items()) visit(item.value, file, item.line ?? line);
      return;
    }
    out.push({ value, file, line });
  };
  for (const d of docs) visit(d.value, d.file, d.line);
  return out;
}

interface Workload {
  kind: string;
  name: string;
  namespace: string;
  labels: Labels;
  template: Cursor;
  owner?: WorkloadRef;
  location: SourceLocation;
}

/** Turns Kubernetes objects into the cluster model; invalid known objects are InputErrors. */
export function buildCluster(objects: readonly SourceObject[], options: BuildOptions = {}): Cluster {
  const warnings: Diagnostic[] = [];
  const namespaces = new Map<string, Namespace>();
  const seen = new Map<string, SourceLocation>();
  const pods: Pod[] = [];
  const podOwners: { pod: Pod; owner?: { kind: string; name: string }; hash?: string }[] = [];
  const workloads: Workload[] = [];
  const nodes: Node[] = [];
  const services: Service[] = [];
  const policies = new Map<string, Policy>();
  let enforcingMode: EnforcingMode | undefined;
  let enforcingModeSource: string | undefined;
  let vpcCniConfigMap: Settings['vpcCniConfigMap'];
  let awsNode: Settings['awsNode'];

  for (const obj of objects) {
    if (typeof obj.value !== 'object' || obj.value === null || Array.isArray(obj.value)) continue;
    const raw = obj.value as Record<string, unknown>;
    if (typeof raw.kind !== 'string' || typeof raw.apiVersion !== 'string') continue; // not a Kubernetes object
    const kind = raw.kind;
    const apiVersion = raw.apiVersion;
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const root = Cursor.root(raw, { file: obj.file, line: obj.line, object: kind });
    const meta = root.field('metadata');
    const name = meta.field('name').string();
    const clusterScoped = CLUSTER_SCOPED.has(kind) && (group !== 'networking.k8s.aws' || kind === 'ClusterNetworkPolicy');
    const namespace = clusterScoped ? undefined : meta.field('namespace').optString() ?? 'default';
    const where: SourceLocation = { file: obj.file, line: obj.line, object: objectLabel(kind, name, namespace) };
    const c = Cursor.root(raw, where);
    const m = c.field('metadata');
    const labels = m.field('labels').stringMap();
    const id = `${group}/${kind}/${namespace ?? ''}/${name}`;
    const warn = (message: string, at: Cursor): void => {
      warnings.push({ ...at.location(), severity: 'warning', message });
    };
    const isKnown = `${group}/${kind}` in POLICY_KINDS || (group === '' && ['Namespace', 'Pod', 'Node', 'Service'].includes(kind)) || WORKLOAD_KINDS.has(kind);
    if (isKnown) {
      const previous = seen.get(id);
      if (previous) warn(`defined again (first at ${previous.file}:${previous.line}); the later definition is used`, c);
      seen.set(id, where);
    }
    if (namespace && !namespaces.has(namespace)) namespaces.set(namespace, inferredNamespace(namespace));

    const policyParser = POLICY_KINDS[`${group}/${kind}`];
    if (policyParser) {
      const annotations = m.field('annotations').stringMap();
      const ref: PolicyRef = { kind, apiVersion, name, location: where, labels, annotations, ...(namespace ? { namespace } : {}) };
      policies.set(id, policyParser(c, { ref, warn }));
      continue;
    }
    if (group === '' && kind === 'Namespace') {
      namespaces.set(name, { name, labels: { ...labels, 'kubernetes.io/metadata.name': name }, location: where });
    } else if (group === '' && kind === 'Pod') {
      const spec = parsePodSpec(c.field('spec'));
      const pod: Pod = {
        name,
        namespace: namespace!,
        labels,
        ips: parsePodIPs(c.field('status')),
        ...spec,
        synthesized: false,
        location: where,
      };
      pods.push(pod);
      const owner = m.field('ownerReferences').items().map((o) => ({ kind: o.field('kind').string(), name: o.field('name').string(), controller: o.field('controller').value === true }));
      const ctl = owner.find((o) => o.controller) ?? owner[0];
      podOwners.push({ pod, ...(ctl ? { owner: { kind: ctl.kind, name: ctl.name } } : {}), ...(labels['pod-template-hash'] ? { hash: labels['pod-template-hash'] } : {}) });
    } else if (group === '' && kind === 'Node') {
      const addresses: Address[] = [];
      for (const a of c.field('status').field('addresses').items()) {
        const type = a.field('type').optString();
        if (type !== 'InternalIP' && type !== 'ExternalIP') continue;
        const ac: Cursor = a.field('address');
        const addr = parseAddress(ac.string());
        if (!addr) ac.fail('invalid IP address');
        addresses.push(addr);
      }
      nodes.push({ name, labels, addresses, location: where });
    } else if (group === '' && kind === 'ConfigMap' && name === 'amazon-vpc-cni' && namespace === 'kube-system') {
      vpcCniConfigMap = { data: c.field('data').stringMap(), location: where };
    } else if (group === '' && kind === 'Service') {
      services.push(parseService(c, name, namespace!, where));
    } else if (WORKLOAD_KINDS.has(kind) && (group === 'apps' || group === 'batch' || group === '')) {
      const spec = c.field('spec');
      const template = kind === 'CronJob' ? spec.field('jobTemplate').field('spec').field('template') : spec.field('template');
      if (template.missing) template.fail('is required');
      const owners = m.field('ownerReferences').items().map((o) => ({ kind: o.field('kind').string(), name: o.field('name').string() }));
      workloads.push({ kind, name, namespace: namespace!, labels, template, location: where, ...(owners[0] ? { owner: owners[0] } : {}) });
      if (kind === 'DaemonSet' && name === 'aws-node' && namespace === 'kube-system') {
        awsNode = { location: where, ...agentImageTag(template.field('spec')) };
        const mode = readEnforcingMode(template.field('spec'));
        if (mode) {
          enforcingMode = mode;
          enforcingModeSource = `${obj.file}:${obj.line} (aws-node NETWORK_POLICY_ENFORCING_MODE)`;
        }
      }
    }
  }

  resolveOwners(podOwners, workloads);
  pods.push(...synthesizeWorkloadPods(workloads, pods));

  const mode = options.enforcingMode ?? enforcingMode ?? 'standard';
  const source = options.enforcingMode ? '--enforcing-mode' : enforcingModeSource;
  return {
    namespaces,
    pods,
    nodes,
    services,
    policies: [...policies.values()],
    settings: { enforcingMode: mode, ...(source ? { enforcingModeSource: source } : {}), ...(vpcCniConfigMap ? { vpcCniConfigMap } : {}), ...(awsNode ? { awsNode } : {}) },
    warnings,
  };
}

function inferredNamespace(name: string): Namespace {
  return { name, labels: { 'kubernetes.io/metadata.name': name } };
}

function parseService(c: Cursor, name: string, namespace: string, where: SourceLocation): Service {
  const spec = c.field('spec');
  const ips: Address[] = [];
  const add = (x: Cursor): void => {
    const t = x.string();
    if (t === 'None' || t === '') return;
    const a = parseAddress(t);
    if (!a) x.fail(`invalid IP address ${JSON.stringify(t)}`);
    if (!ips.some((i) => i.value === a.value)) ips.push(a);
  };
  if (spec.has('clusterIP')) add(spec.field('clusterIP'));
  for (const x of spec.field('clusterIPs').items()) add(x);
  const selector = spec.has('selector') ? spec.field('selector').stringMap() : undefined;
  const ports: ServicePort[] = spec.field('ports').items().map((sp) => {
    const port = parsePortNumber(sp.field('port'));
    const t = sp.field('targetPort');
    const targetPort = t.missing ? port : typeof t.value === 'string' ? (/^\d+$/.test(t.value) ? Number(t.value) : t.value) : parsePortNumber(t);
    const portName = sp.field('name').optString();
    return { ...(portName ? { name: portName } : {}), port, targetPort, protocol: parseProtocol(sp.field('protocol')) };
  });
  return { name, namespace, clusterIPs: ips, ports, location: where, ...(selector ? { selector } : {}) };
}

/** The tag of the network policy agent's image (container aws-eks-nodeagent, or any aws-network-policy-agent image). */
function agentImageTag(podSpec: Cursor): { agentImageTag?: string } {
  for (const container of podSpec.field('containers').items()) {
    const image = container.field('image').optString() ?? '';
    if (container.field('name').value !== 'aws-eks-nodeagent' && !image.includes('aws-network-policy-agent')) continue;
    const colon = image.lastIndexOf(':');
    if (colon > image.lastIndexOf('/')) return { agentImageTag: image.slice(colon + 1) };
  }
  return {};
}

function readEnforcingMode(podSpec: Cursor): EnforcingMode | undefined {
  for (const container of podSpec.field('containers').items()) {
    for (const env of container.field('env').items()) {
      if (env.field('name').value !== 'NETWORK_POLICY_ENFORCING_MODE') continue;
      const v = env.field('value');
      const text = v.optString();
      if (text === undefined) continue;
      if (text !== 'standard' && text !== 'strict') v.fail(`NETWORK_POLICY_ENFORCING_MODE must be standard or strict, got ${JSON.stringify(text)}`);
      return text as EnforcingMode;
    }
  }
  return undefined;
}

/** Pods name their ReplicaSet or Job; users think in Deployments and CronJobs. */
function resolveOwners(podOwners: { pod: Pod; owner?: { kind: string; name: string }; hash?: string }[], workloads: Workload[]): void {
  const byKey = new Map(workloads.map((w) => [`${w.namespace}/${w.kind}/${w.name}`, w]));
  for (const { pod, owner, hash } of podOwners) {
    if (!owner) continue;
    let ref: WorkloadRef = { kind: owner.kind, name: owner.name };
    const known = byKey.get(`${pod.namespace}/${owner.kind}/${owner.name}`);
    if (known?.owner && (known.kind === 'ReplicaSet' || known.kind === 'Job')) ref = { kind: known.owner.kind, name: known.owner.name };
    else if (!known && owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
      ref = { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
    }
    pod.workload = ref;
  }
}

/** One representative pod per workload template, for workloads whose pods are not in the input. */
function synthesizeWorkloadPods(workloads: Workload[], pods: Pod[]): Pod[] {
  const present = new Set(workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}`));
  const covered = new Set(pods.filter((p) => p.workload).map((p) => `${p.namespace}/${p.workload!.kind}/${p.workload!.name}`));
  const out: Pod[] = [];
  for (const w of workloads) {
    if (covered.has(`${w.namespace}/${w.kind}/${w.name}`)) continue;
    // a ReplicaSet or Job owned by a workload in the input is represented by that workload
    if (w.owner && present.has(`${w.namespace}/${w.owner.kind}/${w.owner.name}`)) continue;
    if (w.owner && covered.has(`${w.namespace}/${w.owner.kind}/${w.owner.name}`)) continue;
    const labels = w.template.field('metadata').field('labels').stringMap();
    const spec = parsePodSpec(w.template.field('spec'));
    out.push({
      name: w.name,
      namespace: w.namespace,
      labels,
      ips: [],
      ...spec,
      workload: { kind: w.kind, name: w.name },
      synthesized: true,
      location: w.location,
    });
  }
  return out;
}

