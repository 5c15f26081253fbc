/**
 * Services as the cluster runs them: what a Service's name and addresses stand for, and which pods on
 * which ports answer a connection to one of its ports (what kube-proxy translates a ClusterIP to).
 */
import type { Cursor } from '../k8s/cursor.js';
import type { SourceLocation } from '../k8s/errors.js';
import { describeSelector, matches, selectorFromLabels } from '../k8s/labels.js';
import { parseAddress, type Address } from '../net/ip.js';
import { parsePortName, parsePortNumber, parseProtocol } from '../policy/fields.js';
import type { Cluster, Pod, Service, ServicePort, ServiceType } from './cluster.js';
import type { Protocol } from '../net/protocol.js';

const TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

export function parseService(c: Cursor, name: string, namespace: string, where: SourceLocation): Service {
  const spec = c.field('spec');
  const typeCursor = spec.field('type');
  const type = (typeCursor.optString() ?? 'ClusterIP') as ServiceType;
  if (!TYPES.includes(type)) typeCursor.fail(`unknown Service type ${JSON.stringify(type)} (expected ${TYPES.join(', ')})`);
  const ips: Address[] = [];
  let headless = false;
  const add = (x: Cursor): void => {
    const t = x.string();
    if (t === 'None') headless = true;
    if (t === 'None' || t === '') return;
    const a = parseAddress(t);
    if (!a) x.fail(`invalid IP address ${JSON.stringify(t)}`);
    if (!ips.some((i) => i.value === a.value)) ips.push(a);
  };
  if (spec.has('clusterIP')) add(spec.field('clusterIP'));
  for (const x of spec.field('clusterIPs').items()) add(x);
  const ports: ServicePort[] = spec.field('ports').items().map((p) => {
    const port = parsePortNumber(p.field('port'));
    const tp = p.field('targetPort');
    // targetPort defaults to port; a string names a container port of each backing pod
    const targetPort = tp.missing ? port : typeof tp.value === 'string' ? parsePortName(tp) : parsePortNumber(tp);
    const portName = p.field('name').optString();
    const nodePort = p.field('nodePort');
    return {
      ...(portName ? { name: portName } : {}),
      port,
      protocol: parseProtocol(p.field('protocol')),
      targetPort,
      ...(nodePort.missing ? {} : { nodePort: parsePortNumber(nodePort) }),
    };
  });
  const selector = spec.has('selector') ? spec.field('selector').stringMap() : undefined;
  const externalName = type === 'ExternalName' ? spec.field('externalName').string() : undefined;
  const etp = spec.field('externalTrafficPolicy').optString();
  return {
    name,
    namespace,
    type,
    clusterIPs: type === 'ExternalName' ? [] : ips,
    headless: type !== 'ExternalName' && headless,
    ports,
    ...(selector && Object.keys(selector).length > 0 ? { selector } : {}),
    ...(externalName ? { externalName } : {}),
    externalTrafficPolicy: etp === 'Local' ? 'Local' : 'Cluster',
    location: where,
  };
}

export function serviceId(s: { namespace: string; name: string }): string {
  return `${s.namespace}/svc/${s.name}`;
}

export function describeServicePort(p: ServicePort): string {
  return `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol} -> ${p.targetPort}`;
}

/**
 * The pods a Service's selector picks in its namespace: what the EndpointSlice controller lists.
 * Host-network pods are included (their endpoint is the node's address), as Kubernetes does.
 */
export function selectedPods(cluster: Cluster, svc: Service): Pod[] {
  if (!svc.selector) return [];
  const sel = selectorFromLabels(svc.selector);
  return cluster.pods.filter((p) => p.namespace === svc.namespace && matches(sel, p.labels));
}

export function describeServiceSelector(svc: Service): string {
  return svc.selector ? describeSelector(selectorFromLabels(svc.selector)) : 'no selector';
}

/**
 * The Service port a client dialled: by name, else by number (`port`, or `nodePort` when the client is
 * outside the cluster and the Service is exposed on nodes).
 */
export function findServicePort(svc: Service, port: number | string, protocol: Protocol, fromOutside: boolean): ServicePort | undefined {
  if (typeof port === 'string') return svc.ports.find((p) => p.name === port && p.protocol === protocol);
  return (
    svc.ports.find((p) => p.port === port && p.protocol === protocol) ??
    (fromOutside && svc.type !== 'ClusterIP' ? svc.ports.find((p) => p.nodePort === port && p.protocol === protocol) : undefined)
  );
}

/** The port a backing pod answers on: a numeric targetPort as is; a named one from the pod's container ports. */
export function targetPortOf(sp: ServicePort, pod: Pod): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  return pod.ports.find((cp) => cp.name === sp.targetPort && cp.protocol === sp.protocol)?.port;
}

/** Services by ClusterIP, and by the DNS names cluster DNS gives them. */
export class ServiceIndex {
  private readonly byAddress = new Map<string, Service>();
  private readonly byId = new Map<string, Service>();

  constructor(readonly cluster: Cluster) {
    for (const s of cluster.services) {
      this.byId.set(`${s.namespace}/${s.name}`, s);
      for (const a of s.clusterIPs) this.byAddress.set(`${a.family}:${a.value}`, s);
    }
  }

  get(namespace: string, name: string): Service | undefined {
    return this.byId.get(`${namespace}/${name}`);
  }

  byClusterIP(a: Address): Service | undefined {
    return this.byAddress.get(`${a.family}:${a.value}`);
  }

  names(): string[] {
    return [...this.byId.values()].map(serviceId);
  }

  /**
   * `name.ns.svc.cluster.local` and `name.ns.svc` always mean a Service (undefined if it is not in the
   * input: `known` false); `name.ns` means one only when it exists, since a pod's search path
   * (`ns.svc.cluster.local svc.cluster.local cluster.local`, ndots 5) tries it before the public name.
   */
  byDnsName(text: string): { known: boolean; service?: Service; namespace?: string; name?: string } {
    const n = text.toLowerCase().replace(/\.$/, '');
    const full = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(n);
    if (full) {
      const service = this.get(full[2]!, full[1]!);
      return { known: true, namespace: full[2]!, name: full[1]!, ...(service ? { service } : {}) };
    }
    const short = /^([a-z0-9-]+)\.([a-z0-9-]+)$/.exec(n);
    if (short) {
      const service = this.get(short[2]!, short[1]!);
      if (service) return { known: true, service, namespace: short[2]!, name: short[1]! };
    }
    return { known: false };
  }
}
