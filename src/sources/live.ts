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
import { splitLines, type LongLine } from './lines.js';

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

/** How long one request may take, as kubectl's --request-timeout; 0 means no limit. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** The largest watch event podwall holds: the API server stores objects up to 1.5 MiB by default. */
export const MAX_EVENT_BYTES = 8 * 1024 * 1024;
/** A list that keeps handing out `continue` tokens past this many pages is an error, not a hang. */
export const MAX_PAGES = 10_000;
/** How often a list restarts after its continue token expired (410 Gone) before it gives up. */
const MAX_LIST_RESTARTS = 3;
/**
 * The largest answer podwall holds in memory at once. A list page beyond it is asked again in
 * smaller pages (objects are at most 1.5 MiB in etcd by default), so only a server that sends
 * something else than the objects it stores meets the error.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** An answer longer than MAX_ANSWER_BYTES: list() asks for smaller pages, anything else fails. */
class AnswerTooLarge extends LiveError {}

/** kubectl's --request-timeout: "0" (no limit), or a number with a unit: 500ms, 30s, 2m, 1h. */
export function parseRequestTimeout(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!m[2]) return n === 0 ? 0 : undefined; // as kubectl: a non-zero value needs its unit
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
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
    const code = (e as NodeJS.ErrnoException).code;
    throw new LiveError(`cannot load kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : firstLine((e as Error).message)}`);
  }
  if (options.context) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new LiveError(`no context ${JSON.stringify(options.context)} in the kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(options.context);
  }
  const current = kc.getCurrentCluster();
  if (!current) throw new LiveError(`the kubeconfig ${options.kubeconfig ?? (process.env.KUBECONFIG || '~/.kube/config')} names no current cluster: no current-context, or its cluster is missing (use --context, or check the file)`);
  return allowPlainHttp(kc, current.name, KubeConfig);
}

/**
 * kubectl talks to an `http://` server (what `kubectl proxy` gives) as it is; the client library
 * refuses unless skipTLSVerify is set, which for a server without TLS changes nothing else.
 */
function allowPlainHttp(kc: KubeConfig, name: string, KubeConfigClass: new () => KubeConfig): KubeConfig {
  const cluster = kc.getCluster(name);
  if (!cluster || !cluster.server.startsWith('http:') || cluster.skipTLSVerify) return kc;
  const copy = new KubeConfigClass();
  copy.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c.name === name ? { ...c, skipTLSVerify: true } : c)),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return copy;
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

export interface ReaderOptions {
  /** Per request, as kubectl's --request-timeout; 0 means none. */
  requestTimeoutMs?: number;
}

export class LiveReader {
  readonly label: string;
  readonly requestTimeoutMs: number;

  constructor(
    readonly kc: KubeConfig,
    options: ReaderOptions = {},
  ) {
    this.label = `cluster:${kc.getCurrentContext() || kc.getCurrentCluster()!.name}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /**
   * One GET, bounded by the request timeout (headers and body). `what` names the resource for
   * messages. The body is JSON when it parses; `json` says whether it did.
   */
  private async get(path: string, what: string): Promise<{ status: number; body: unknown; json: boolean; contentType: string }> {
    const cluster = this.kc.getCurrentCluster()!;
    let init;
    try {
      init = await this.kc.applyToFetchOptions({ method: 'GET' });
    } catch (e) {
      throw new LiveError(`cannot use the credentials of ${this.label}: ${firstLine((e as Error).message)}`);
    }
    (init.headers as { set(k: string, v: string): void }).set('Accept', 'application/json');
    const controller = new AbortController();
    const timer = this.requestTimeoutMs > 0 ? setTimeout(() => controller.abort(), this.requestTimeoutMs) : undefined;
    const url = `${cluster.server}${path}`;
    try {
      const fetch = await nodeFetch();
      const res = await fetch(url, { ...(init as Parameters<typeof fetch>[1]), signal: controller.signal as never });
      const text = await readCapped(res.body as AsyncIterable<Buffer> | null, MAX_ANSWER_BYTES);
      if (text === undefined) {
        controller.abort();
        throw new AnswerTooLarge(`${what}: the answer from ${cluster.server} is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`);
      }
      let body: unknown = text;
      let json = false;
      try {
        if (text) {
          body = JSON.parse(text);
          json = true;
        }
      } catch {
        // not JSON: the callers decide what that means
      }
      return { status: res.status, body, json, contentType: res.headers.get('content-type') ?? 'none' };
    } catch (e) {
      if (e instanceof AnswerTooLarge) throw e;
      if (controller.signal.aborted) {
        throw new LiveError(`${what}: no complete answer from ${cluster.server} within ${this.requestTimeoutMs / 1000}s (raise --request-timeout, or check the server)`);
      }
      // OpenSSL's words for an https:// request answered in plain http
      const plain = /wrong version number|packet length too long/.test((e as Error).message);
      throw new LiveError(`cannot reach the API server at ${cluster.server} (${what}): ${plain ? 'it does not answer in TLS; if it is a plain http server (kubectl proxy), write http:// in the kubeconfig' : firstLine((e as Error).message)}`);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** Every item of a resource, page by page. undefined when an optional CRD is not installed. */
  /**
   * Every item of a resource, page by page. undefined when an optional CRD is not installed. Fails
   * closed: an answer that is not the list it should be (HTML from a proxy, a truncated body, a
   * list without items) is an error naming the resource, never an empty list.
   */
  async list(r: Resource, pageSize = 500): Promise<ListResult | undefined> {
    const what = `list ${resourceName(r)}`;
    const items: Record<string, unknown>[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    let pages = 0;
    let restarts = 0;
    const tokens = new Set<string>();
    for (;;) {
      if (++pages > MAX_PAGES) throw new LiveError(`${what}: the server handed out more than ${MAX_PAGES} pages (continue tokens); giving up rather than reading for ever`);
      const query = new URLSearchParams({ limit: String(pageSize), ...(token ? { continue: token } : {}) });
      let answer;
      try {
        answer = await this.get(`${resourcePath(r)}?${query}`, what);
      } catch (e) {
        if (!(e instanceof AnswerTooLarge)) throw e;
        // a page of big objects: start over with pages a tenth the size, down to one object a page
        if (pageSize === 1) throw new LiveError(`${e.message} for a single object; podwall holds at most that much at once (is it an API server?)`);
        pageSize = Math.max(1, Math.floor(pageSize / 10));
        items.length = 0;
        token = undefined;
        tokens.clear();
        pages = 0;
        continue;
      }
      const { status, body, json, contentType } = answer;
      if (status === 404 && r.optional) return undefined;
      if (status === 403) throw new LiveError(`forbidden: podwall needs "list ${resourceName(r)}" at cluster scope (${message(body)}); see the README for a read-only ClusterRole`);
      if (status === 401) throw new LiveError(`unauthorized: the credentials of ${this.label} were refused (${message(body)})`);
      if (status === 410 && token && restarts < MAX_LIST_RESTARTS) {
        // the continue token expired mid-list: start over, as client-go's pager does
        restarts++;
        items.length = 0;
        token = undefined;
        tokens.clear();
        pages = 0;
        continue;
      }
      if (status === 410) throw new LiveError(`${what}: 410 Gone${token ? ` ${restarts + 1} times while paging (the list changed faster than it could be read)` : ''}: ${message(body)}`);
      if (status !== 200) throw new LiveError(`${what}: HTTP ${status}: ${message(body)}`);
      const list = listBody(body, json, contentType, what);
      for (const item of list.items) items.push(withKind(item, r));
      token = list.continue;
      resourceVersion = list.resourceVersion ?? resourceVersion;
      if (!token) return { items, resourceVersion };
      if (tokens.has(token)) throw new LiveError(`${what}: the server handed out the same continue token twice; giving up rather than reading for ever`);
      tokens.add(token);
    }
  }

  /**
   * The events of a watch from `resourceVersion`, one JSON object a line, read in bounded memory:
   * an event longer than MAX_EVENT_BYTES comes as a LongLine (the caller lists again). The request
   * timeout bounds the wait for the answer's headers; the stream itself lasts until `signal` aborts
   * or the server closes it. A non-200 answer throws an error with its `statusCode`.
   */
  async *watchEvents(r: Resource, resourceVersion: string | undefined, signal: AbortSignal): AsyncGenerator<{ type: string; object: unknown } | LongLine | { unreadable: string }> {
    const cluster = this.kc.getCurrentCluster()!;
    const init = await this.kc.applyToFetchOptions({ method: 'GET' });
    const query = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true', ...(resourceVersion ? { resourceVersion } : {}) });
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    signal.addEventListener('abort', abort);
    const timer = this.requestTimeoutMs > 0 ? setTimeout(abort, this.requestTimeoutMs) : undefined;
    try {
      const fetch = await nodeFetch();
      const res = await fetch(`${cluster.server}${resourcePath(r)}?${query}`, { ...(init as Parameters<typeof fetch>[1]), signal: controller.signal as never });
      if (timer) clearTimeout(timer);
      if (res.status !== 200) {
        const e = new Error(`HTTP ${res.status}: ${message(await res.text().catch(() => ''))}`) as Error & { statusCode: number };
        e.statusCode = res.status;
        throw e;
      }
      for await (const line of splitLines(res.body as AsyncIterable<Buffer>, MAX_EVENT_BYTES)) {
        if (typeof line !== 'string') {
          yield line;
          continue;
        }
        if (!line.trim()) continue;
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch {
          yield { unreadable: line.slice(0, 80) };
          continue;
        }
        if (isObject(event) && typeof event.type === 'string') yield { type: event.type, object: event.object };
        else yield { unreadable: line.slice(0, 80) };
      }
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      controller.abort();
    }
  }

  async vpcCniConfigMap(): Promise<Record<string, unknown> | undefined> {
    const what = 'get configmaps kube-system/amazon-vpc-cni';
    const { status, body, json, contentType } = await this.get(VPC_CNI_CONFIGMAP, what);
    if (status === 404 || status === 403) return undefined; // optional: Auto Mode only
    if (status !== 200) throw new LiveError(`${what}: HTTP ${status}: ${message(body)}`);
    if (!json || !isObject(body)) throw notJson(what, body, contentType);
    return withKind(body, { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true });
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body as text, or undefined as soon as it passes `max` bytes (the rest is never read). */
async function readCapped(body: AsyncIterable<Buffer> | null, max: number): Promise<string | undefined> {
  if (!body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function notJson(what: string, body: unknown, contentType: string): LiveError {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const looks = /^\s*</.test(text) ? 'an HTML or XML page' : /^\s*[[{]/.test(text) ? 'JSON that is cut short or malformed' : text ? 'something that is not JSON' : 'an empty body';
  return new LiveError(`${what}: the server answered 200 with ${looks} (content-type ${contentType}: ${JSON.stringify(text.slice(0, 80))}); is the server URL right, or is a proxy in the way?`);
}

/** A list answer as it must be: a JSON object with an `items` array of objects. */
function listBody(body: unknown, json: boolean, contentType: string, what: string): { items: Record<string, unknown>[]; continue?: string; resourceVersion?: string } {
  if (!json || !isObject(body)) throw notJson(what, body, contentType);
  const items = body.items;
  // the API server always sends `items` (an empty list as []); some proxies turn [] into null
  if (items !== null && !Array.isArray(items)) throw new LiveError(`${what}: the server answered ${typeof body.kind === 'string' ? `a ${body.kind}` : 'a JSON object'} without a list of items`);
  const list = (items ?? []) as unknown[];
  if (!list.every(isObject)) throw new LiveError(`${what}: the answer holds items that are not objects`);
  const meta = isObject(body.metadata) ? body.metadata : {};
  return {
    items: list as Record<string, unknown>[],
    ...(typeof meta.continue === 'string' && meta.continue ? { continue: meta.continue } : {}),
    ...(typeof meta.resourceVersion === 'string' ? { resourceVersion: meta.resourceVersion } : {}),
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function message(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 200) : 'no message';
}

async function nodeFetch(): Promise<typeof import('node-fetch').default> {
  return (await import('node-fetch')).default;
}
