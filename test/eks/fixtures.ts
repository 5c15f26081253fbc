// Small EKS clusters for the data-plane tests: pods at fixed IPs on nodes with known addresses.
import { Dataplanes, type Comparison } from '../../src/eks/compare.js';
import type { Compute } from '../../src/eks/types.js';
import type { BuildOptions } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import type { Protocol } from '../../src/net/protocol.js';
import type { Connection, Endpoint } from '../../src/model/endpoint.js';
import { EndpointResolver } from '../../src/model/refs.js';
import { clusterFrom } from '../helpers.js';

export const ns = (n: string, labels = ''): string => `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}${labels ? `, labels: {${labels}}` : ''}}\n`;

export const node = (name: string, ...ips: string[]): string =>
  `---\napiVersion: v1\nkind: Node\nmetadata: {name: ${name}}\nstatus: {addresses: [${ips.map((ip) => `{type: InternalIP, address: "${ip}"}`).join(', ')}]}\n`;

export interface PodOpts {
  node?: string;
  ports?: string;
  hostNetwork?: boolean;
  init?: string;
}

/** A pod with one IP on a node (ip-10-0-0-1 by default); `ports` is the YAML list of container ports. */
export function pod(namespace: string, name: string, labels: Record<string, string>, ip: string | undefined, o: PodOpts = {}): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}: "${v}"`).join(', ');
  const init = o.init ? `, initContainers: [{name: i, image: x, ports: ${o.init}}]` : '';
  return `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${namespace}, labels: {${l}}}\nspec: {nodeName: ${o.node ?? 'n1'}${o.hostNetwork ? ', hostNetwork: true' : ''}, containers: [{name: c, image: x, ports: ${o.ports ?? '[{containerPort: 8080, name: http}]'}}]${init}}\n${ip ? `status: {podIP: "${ip}"}\n` : ''}`;
}

export const N1 = node('n1', '10.0.0.1');

export function np(namespace: string, name: string, spec: string, kind = 'NetworkPolicy', apiVersion = 'networking.k8s.io/v1'): string {
  return `---\napiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
}

/** The small cluster the CLI tests of the EKS behaviours share: namespaces a and b, node n1, three pods in a. */
export const base = ns('a') + ns('b') + N1;
export const web = pod('a', 'web', { app: 'web' }, '10.1.0.1');
export const db = pod('a', 'db', { app: 'db' }, '10.1.0.2');
export const client = pod('a', 'client', { app: 'c' }, '10.1.0.3');
export const anp = (spec: string): string => np('a', 'anp', spec, 'ApplicationNetworkPolicy', 'networking.k8s.aws/v1alpha1');
/** The aws-node DaemonSet with these env entries (the enforcing mode, the agent's flags). */
export const awsNode = (env: string): string =>
  `---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: aws-node, namespace: kube-system}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers: [{name: aws-node, image: x, env: [${env}]}]\n`;

export function cnp(name: string, spec: string): string {
  return `---\napiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
}

export function planes(yaml: string, o: { version?: string; compute?: Compute; build?: BuildOptions } = {}): { cluster: Cluster; dp: Dataplanes } {
  const cluster = clusterFrom(yaml, o.build ?? {});
  return { cluster, dp: new Dataplanes(cluster, { version: o.version ?? 'v1.4.1', compute: o.compute ?? 'auto' }) };
}

export function conn(cluster: Cluster, from: string, to: string, port: number, protocol: Protocol = 'TCP', service?: Connection['service']): Connection {
  const r = new EndpointResolver(cluster);
  const ep = (ref: string): Endpoint => {
    const x = r.resolve(ref);
    if (!x.ok) throw new Error(x.error);
    return x.endpoint;
  };
  return { from: ep(from), to: ep(to), port, protocol, ...(service ? { service } : {}) };
}

export function compare(yaml: string, from: string, to: string, port: number, o: { version?: string; compute?: Compute; protocol?: Protocol; build?: BuildOptions } = {}): Comparison {
  const { cluster, dp } = planes(yaml, o);
  return dp.compare(conn(cluster, from, to, port, o.protocol ?? 'TCP'));
}
