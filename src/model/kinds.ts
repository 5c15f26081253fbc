/**
 * The kinds podwall reads, under which apiVersions, and which kinds are namespaced. An object of a
 * kind podwall reads under another apiVersion, or of a kind that is nearly one podwall reads, is
 * reported rather than skipped without a word; every other kind is skipped, and only kinds known to
 * be namespaced place an object in a namespace (so a ClusterRole makes no phantom `default`).
 */
import { dns1035Label, dns1123Label, dns1123Subdomain } from '../k8s/names.js';

/** apiVersions current API servers serve for each kind podwall reads (group/version). */
const READ: Readonly<Record<string, readonly string[]>> = {
  Pod: ['v1'],
  Namespace: ['v1'],
  Node: ['v1'],
  Service: ['v1'],
  ConfigMap: ['v1'],
  ReplicationController: ['v1'],
  Deployment: ['apps/v1'],
  StatefulSet: ['apps/v1'],
  DaemonSet: ['apps/v1'],
  ReplicaSet: ['apps/v1'],
  Job: ['batch/v1'],
  CronJob: ['batch/v1'],
  NetworkPolicy: ['networking.k8s.io/v1'],
  ApplicationNetworkPolicy: ['networking.k8s.aws/v1alpha1'],
  ClusterNetworkPolicy: ['networking.k8s.aws/v1alpha1', 'policy.networking.k8s.io/v1alpha2'],
  AdminNetworkPolicy: ['policy.networking.k8s.io/v1alpha1'],
  BaselineAdminNetworkPolicy: ['policy.networking.k8s.io/v1alpha1'],
};

/**
 * Versions no longer served but with the same shape as the current one: old manifests still say
 * what the user means, so they are read, with a warning.
 */
const RETIRED: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['apps/v1beta1', 'apps/v1beta2', 'extensions/v1beta1'],
  StatefulSet: ['apps/v1beta1', 'apps/v1beta2'],
  DaemonSet: ['apps/v1beta2', 'extensions/v1beta1'],
  ReplicaSet: ['apps/v1beta2', 'extensions/v1beta1'],
  CronJob: ['batch/v1beta1', 'batch/v2alpha1'],
  NetworkPolicy: ['extensions/v1beta1'],
};

const CLUSTER_SCOPED_READ = new Set(['Namespace', 'Node', 'ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']);

/** Namespaced kinds podwall does not read: they still show that their namespace exists. */
const OTHER_NAMESPACED = new Set([
  'Secret', 'ServiceAccount', 'Endpoints', 'EndpointSlice', 'PersistentVolumeClaim', 'LimitRange', 'ResourceQuota',
  'Event', 'PodTemplate', 'ControllerRevision', 'Role', 'RoleBinding', 'Ingress', 'HorizontalPodAutoscaler',
  'PodDisruptionBudget', 'Lease', 'PolicyEndpoint',
]);

export type KindVerdict =
  /** Read it as `group` (the current one); `retired` when the apiVersion is no longer served. */
  | { read: true; namespaced: boolean; group: string; retired?: string }
  /** Skip it; `warning` says why when the user probably meant a kind podwall reads. */
  | { read: false; namespaced: boolean; warning?: string };

export function classifyKind(kind: string, apiVersion: string): KindVerdict {
  const served = READ[kind];
  if (served) {
    const namespaced = !CLUSTER_SCOPED_READ.has(kind);
    if (served.includes(apiVersion)) return { read: true, namespaced, group: groupOf(apiVersion) };
    if (RETIRED[kind]?.includes(apiVersion)) {
      return { read: true, namespaced, group: groupOf(served[0]!), retired: `apiVersion ${apiVersion} is no longer served for ${kind} (use ${served.join(' or ')}); read as ${served[0]}` };
    }
    return { read: false, namespaced: false, warning: `${kind} under unknown apiVersion ${JSON.stringify(apiVersion)} (expected ${served.join(' or ')}): skipped, so it is not in the model` };
  }
  if (OTHER_NAMESPACED.has(kind)) return { read: false, namespaced: true };
  const meant = nearKind(kind);
  if (meant) return { read: false, namespaced: false, warning: `unknown kind ${JSON.stringify(kind)}; did you mean ${meant}? skipped, so it is not in the model` };
  return { read: false, namespaced: false };
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The API server's rule for an object's name: most kinds a DNS subdomain, a few stricter. */
export function nameErrors(kind: string, name: string): string[] {
  if (kind === 'Namespace') return dns1123Label(name);
  if (kind === 'Service') return dns1035Label(name);
  return dns1123Subdomain(name);
}

/** A kind podwall reads that `kind` looks like a slip of: other case, a plural, a typo or two. */
function nearKind(kind: string): string | undefined {
  const lower = kind.toLowerCase();
  for (const known of Object.keys(READ)) {
    const k = known.toLowerCase();
    const plurals = [`${k}s`, `${k}es`, k.endsWith('y') ? `${k.slice(0, -1)}ies` : ''];
    if (lower === k || plurals.includes(lower)) return known;
    // an edit or two in a long name; short names (Node, Pod) are too close to real kinds (Role)
    const budget = k.length >= 8 ? 2 : k.length >= 6 ? 1 : 0;
    if (budget > 0 && Math.abs(k.length - lower.length) <= budget && editDistance(lower, k) <= budget) return known;
  }
  return undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
