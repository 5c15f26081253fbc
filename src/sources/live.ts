/**
 * A live cluster, read through @kubernetes/client-node's kubeconfig handling (contexts, exec
 * credentials such as `aws eks get-token`, in-cluster service accounts, TLS). It only reads: paged
 * lists (limit/continue) of every kind podwall models; a kind whose CRD is not installed is absent.
 */
// The Kubernetes client and node-fetch load only when a live cluster is read: they cost a second of start-up.
import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SourceObject } from '../model/build.js';

export interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** A CRD that may not be installed: 404 means "none". */
  optional?: boolean;
}

export const RESOURCES: readonly Resource[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', plural: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
  { group: 'networking.k8s.aws', version: 'v1alpha1', plural: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy', namespaced: false, optional: true },
  { group: 'networking.k8s.aws', version: 'v1alpha1', plural: 'applicationnetworkpolicies', kind: 'ApplicationNetworkPolicy', namespaced: true, optional: true },
  { group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'adminnetworkpolicies', kind: 'AdminNetworkPolicy', namespaced: false, optional: true },
  { group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'baselineadminnetworkpolicies', kind: 'BaselineAdminNetworkPolicy', namespaced: false, optional: true },
  { group: 'policy.networking.k8s.io', version: 'v1alpha2', plural: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy', namespaced: false, optional: true },
];

/** EKS Auto Mode's switch, one object: read with a GET, absent when 404. */
const VPC_CNI_CONFIGMAP = '/api/v1/namespaces/kube-system/configmaps/amazon-vpc-cni';

export class LiveError extends Error {
  override name = 'LiveError';
}

export interface LiveOptions {
  kubeconfig?: string;
  context?: string;
}

/** Is there a cluster to read without any flag, as kubectl would find one? */
export function defaultClusterAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(':').some((p) => p && existsSync(p));
  return existsSync(join(homedir(), '.kube', 'config')) || Boolean(env.KUBERNETES_SERVICE_HOST);
}

export async function loadKubeConfig(options: LiveOptions): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault(); // KUBECONFIG, ~/.kube/config, else the in-cluster service account
  } catch (e) {
    throw new LiveError(`cannot load kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${(e as Error).message}`);
  }
  if (options.context) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new LiveError(`no context ${JSON.stringify(options.context)} in the kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new LiveError('the kubeconfig names no current cluster (use --context)');
  return kc;
}

export function resourcePath(r: Resource): string {
  return r.group ? `/apis/${r.group}/${r.version}/${r.plural}` : `/api/${r.version}/${r.plural}`;
}

export function resourceName(r: Resource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export interface ListResult {
  items: Record<string, unknown>[];
  resourceVersion: string;
}

export class LiveReader {
  readonly label: string;

  constructor(readonly kc: KubeConfig) {
    this.label = `cluster:${kc.getCurrentContext() || kc.getCurrentCluster()!.name}`;
  }

  private async get(path: string): Promise<{ status: number; body: unknown }> {
    const cluster = this.kc.getCurrentCluster()!;
    const init = await this.kc.applyToFetchOptions({ method: 'GET' });
    (init.headers as { set(k: string, v: string): void }).set('Accept', 'application/json');
    const { default: fetch } = await import('node-fetch');
    let res;
    try {
      res = await fetch(`${cluster.server}${path}`, init as Parameters<typeof fetch>[1]);
    } catch (e) {
      throw new LiveError(`cannot reach the API server at ${cluster.server}: ${(e as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body };
  }

  /** Every item of a resource, page by page. undefined when an optional CRD is not installed. */
  async list(r: Resource, pageSize = 500): Promise<ListResult | undefined> {
    const items: Record<string, unknown>[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const query = new URLSearchParams({ limit: String(pageSize), ...(token ? { continue: token } : {}) });
      const { status, body } = await this.get(`${resourcePath(r)}?${query}`);
      if (status === 404 && r.optional) return undefined;
      if (status === 403) throw new LiveError(`forbidden: podwall needs "list ${resourceName(r)}" at cluster scope (${message(body)}); see the README for a read-only ClusterRole`);
      if (status === 401) throw new LiveError(`unauthorized: the credentials of ${this.label} were refused (${message(body)})`);
      if (status === 410) {
        // the continue token expired mid-list: start over, as kubectl does
        items.length = 0;
        token = undefined;
        continue;
      }
      if (status !== 200) throw new LiveError(`list ${resourceName(r)}: HTTP ${status}: ${message(body)}`);
      const list = body as { items?: Record<string, unknown>[]; metadata?: { continue?: string; resourceVersion?: string } };
      for (const item of list.items ?? []) items.push(withKind(item, r));
      token = list.metadata?.continue || undefined;
      resourceVersion = list.metadata?.resourceVersion ?? resourceVersion;
    } while (token);
    return { items, resourceVersion };
  }

  async vpcCniConfigMap(): Promise<Record<string, unknown> | undefined> {
    const { status, body } = await this.get(VPC_CNI_CONFIGMAP);
    if (status === 404 || status === 403) return undefined; // optional: Auto Mode only
    if (status !== 200) throw new LiveError(`get configmaps kube-system/amazon-vpc-cni: HTTP ${status}: ${message(body)}`);
    return withKind(body as Record<string, unknown>, { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true });
  }

  /** Everything podwall models, as source objects named after the cluster. */
  async readAll(): Promise<{ objects: SourceObject[]; lists: Map<Resource, ListResult> }> {
    const lists = new Map<Resource, ListResult>();
    const results = await Promise.all(RESOURCES.map(async (r) => [r, await this.list(r)] as const));
    for (const [r, l] of results) if (l) lists.set(r, l);
    const objects: SourceObject[] = [];
    for (const l of lists.values()) for (const item of l.items) objects.push(this.source(item));
    const cm = await this.vpcCniConfigMap();
    if (cm) objects.push(this.source(cm));
    return { objects, lists };
  }

  source(item: Record<string, unknown>): SourceObject {
    return { value: item, file: this.label };
  }
}

/** Items of a list carry no kind or apiVersion; the objects podwall reads must. */
export function withKind(item: Record<string, unknown>, r: Resource): Record<string, unknown> {
  return { apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind, ...item };
}

function message(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 200) : 'no message';
}
