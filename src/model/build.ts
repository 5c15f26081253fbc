import { Cursor, isRecord } from '../k8s/cursor.js';
import { dns1123Label, invalidValue } from '../k8s/names.js';
import { InputError, objectLabel, type Diagnostic, type SourceLocation } from '../k8s/errors.js';
import { parseLabels } from '../k8s/labels.js';
import type { ParsedDocument } from '../k8s/yaml.js';
import { parseAddress, type Address } from '../net/ip.js';
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
import type { Cluster, EnforcingMode, Namespace, Node, Pod, Service, Settings, WorkloadRef } from './cluster.js';
import { classifyKind, nameErrors } from './kinds.js';
import { parsePodIPs, parsePodSpec } from './pods.js';
import { parseService } from './services.js';
import { allInputErrors } from './all-errors.js';
import { synthesizeWorkloadPods, type Workload } from './workloads.js';
import { podsHoldingNodeAddresses } from './node-addresses.js';
import type { SourceObject } from './source-object.js';

export interface BuildOptions {
  /** Overrides what the aws-node DaemonSet says. */
  enforcingMode?: EnforcingMode;
}

export type { SourceObject } from './source-object.js';

type PolicyParser = (root: Cursor, ctx: KindContext) => Policy;

const POLICY_KINDS: Record<string, PolicyParser> = {
  'networking.k8s.io/NetworkPolicy': (r, c) => parseNetworkPolicy(r, c),
  'networking.k8s.aws/ApplicationNetworkPolicy': parseApplicationNetworkPolicy,
  'networking.k8s.aws/ClusterNetworkPolicy': (r, c) => parseClusterPolicy(r, c, EKS_CLUSTER_NETWORK_POLICY),
  'policy.networking.k8s.io/AdminNetworkPolicy': (r, c) => parseClusterPolicy(r, c, ADMIN_NETWORK_POLICY),
  'policy.networking.k8s.io/BaselineAdminNetworkPolicy': (r, c) => parseClusterPolicy(r, c, BASELINE_ADMIN_NETWORK_POLICY),
  'policy.networking.k8s.io/ClusterNetworkPolicy': (r, c) => parseClusterPolicy(r, c, UPSTREAM_CLUSTER_NETWORK_POLICY),
};

/** Is this apiVersion and kind one of the policy kinds podwall compiles? (Incidents look for changes among them.) */
export function isPolicyKind(apiVersion: string, kind: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${group}/${kind}` in POLICY_KINDS;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);

/**
 * `kind: List` and the typed lists the API server and kubectl print (`PodList`, ...) hold their
 * objects in `items`. Items of a typed list come without `kind` and `apiVersion` from the API
 * server: they take the list's (set on the item itself, so its source lines stay attached).
 */
export function expandLists(docs: readonly ParsedDocument[]): SourceObject[] {
  const out: SourceObject[] = [];
  const open = new Set<unknown>();
  const visit = (value: unknown, file: string, line: number): void => {
    const c = Cursor.root(value, { file, line });
    const kind = typeof (value as { kind?: unknown })?.kind === 'string' ? ((value as { kind: string }).kind) : undefined;
    if (kind && kind.endsWith('List') && Array.isArray((value as { items?: unknown }).items)) {
      if (open.has(value)) c.fail(`${kind} contains itself (through a YAML alias)`);
      open.add(value);
      const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
      const apiVersion = (value as { apiVersion?: unknown }).apiVersion;
      for (const item of c.field('items').items()) {
        if (itemKind && isRecord(item.value)) {
          if (item.value.kind === undefined) item.value.kind = itemKind;
          if (item.value.apiVersion === undefined && typeof apiVersion === 'string') item.value.apiVersion = apiVersion;
        }
        visit(item.value, file, item.line ?? line);
      }
      open.delete(value);
      return;
    }
    out.push({ value, file, line });
  };
  for (const d of docs) visit(d.value, d.file, d.line);
  return out;
}

/** Turns Kubernetes objects into the cluster model; invalid known objects are InputErrors (all of them, up to a limit). */
export function buildCluster(objects: readonly SourceObject[], options: BuildOptions = {}): Cluster {
  try {
    return buildModel(objects, options);
  } catch (e) {
    if (!(e instanceof InputError) || objects.length < 2) throw e;
    throw allInputErrors(e, objects, (o) => buildModel([o], options));
  }
}

function buildModel(objects: readonly SourceObject[], options: BuildOptions): Cluster {
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

  /** A namespaced object podwall does not read still shows that its namespace exists. */
  const noteNamespace = (metadata: unknown): void => {
    const ns = isRecord(metadata) ? metadata.namespace : undefined;
    if (typeof ns === 'string' && dns1123Label(ns).length === 0 && !namespaces.has(ns)) namespaces.set(ns, inferredNamespace(ns));
  };
  const warnAt = (location: SourceLocation, message: string): void => {
    warnings.push({ ...location, severity: 'warning', message });
  };

  for (const obj of objects) {
    if (!isRecord(obj.value)) continue;
    const raw = obj.value;
    if (typeof raw.kind !== 'string') continue; // not a Kubernetes object (a values file, a podwall test file, ...)
    const kind = raw.kind;
    const at: SourceLocation = { file: obj.file, line: obj.line, object: describeUnread(kind, raw.metadata) };
    if (typeof raw.apiVersion !== 'string') {
      const meant = classifyKind(kind, '');
      // a kind podwall reads, or nearly: say so; anything else without apiVersion is not an object we read
      if (meant.read || meant.warning) warnAt(at, `${kind} without apiVersion: skipped, so it is not in the model`);
      continue;
    }
    const apiVersion = raw.apiVersion;
    const known = classifyKind(kind, apiVersion);
    if (!known.read) {
      // a kind podwall does not use never fails the run: its metadata is not even looked at
      if (known.warning) warnAt(at, known.warning);
      else if (known.namespaced) noteNamespace(raw.metadata);
      continue;
    }
    if (known.retired) warnAt(at, known.retired);
    const group = known.group;
    const root = Cursor.root(raw, at);
    const meta = root.field('metadata');
    const nameCursor = meta.field('name');
    const name = nameCursor.string();
    const nameProblems = nameErrors(kind, name);
    if (nameProblems.length) nameCursor.fail(invalidValue(name, nameProblems));
    const namespaceCursor = meta.field('namespace');
    const namespace = known.namespaced ? namespaceCursor.optString() ?? 'default' : undefined;
    if (namespace !== undefined) {
      const problems = dns1123Label(namespace);
      if (problems.length) namespaceCursor.fail(invalidValue(namespace, problems));
    }
    const where: SourceLocation = { file: obj.file, line: obj.line, object: objectLabel(kind, name, namespace) };
    const c = Cursor.root(raw, where);
    const m = c.field('metadata');
    const labels = parseLabels(m.field('labels'));
    const id = `${group}/${kind}/${namespace ?? ''}/${name}`;
    const warn = (message: string, at: Cursor): void => {
      warnings.push({ ...at.location(), severity: 'warning', message });
    };
    const isUsed = `${group}/${kind}` in POLICY_KINDS || ['Namespace', 'Pod', 'Node', 'Service'].includes(kind) || WORKLOAD_KINDS.has(kind);
    if (isUsed) {
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
    } else if (WORKLOAD_KINDS.has(kind)) {
      const spec = c.field('spec');
      const template = kind === 'CronJob' ? spec.field('jobTemplate').field('spec').field('template') : spec.field('template');
      if (template.missing) template.fail('is required');
      const owners = m.field('ownerReferences').items().map((o) => ({ kind: o.field('kind').string(), name: o.field('name').string() }));
      workloads.push({ kind, name, namespace: namespace!, labels, spec, template, location: where, ...(owners[0] ? { owner: owners[0] } : {}) });
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
  // a loop, not push(...spread): a cluster of more than ~125k synthesized pods would overflow the stack
  for (const pod of synthesizeWorkloadPods(workloads, pods, nodes, warnings)) pods.push(pod);
  for (const w of podsHoldingNodeAddresses(pods, nodes)) warnings.push(w);

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

/** `Kind namespace/name` as far as an object not yet validated tells it, for messages about it. */
function describeUnread(kind: string, metadata: unknown): string {
  const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : undefined;
  const namespace = isRecord(metadata) && typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  return name === undefined ? kind : objectLabel(kind, name, namespace);
}

function inferredNamespace(name: string): Namespace {
  return { name, labels: { 'kubernetes.io/metadata.name': name } };
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
      // the agent compares it lower-cased (aws-network-policy-agent pkg/utils IsStrictMode)
      const mode = text.toLowerCase();
      if (mode !== 'standard' && mode !== 'strict') v.fail(`NETWORK_POLICY_ENFORCING_MODE must be standard or strict (any case), got ${JSON.stringify(text)}`);
      return mode as EnforcingMode;
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
