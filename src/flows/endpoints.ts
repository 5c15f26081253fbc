/**
 * Flow addresses to model endpoints in one cluster: pods, nodes, the rest; and a destination that is a
 * Service ClusterIP to the pods behind it on their target ports, as kube-proxy translates it.
 */
import type { Engine } from '../engine/engine.js';
import type { Verdict } from '../engine/verdict.js';
import { workloadId, type Cluster, type Pod, type Service } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { Connection, Endpoint } from '../model/endpoint.js';
import { policyKey } from '../model/pods.js';
import { EndpointResolver } from '../model/refs.js';
import { findServicePort, selectedPods, ServiceIndex, serviceId, targetPortOf } from '../model/services.js';
import type { Address } from '../net/ip.js';
import { PROTOCOL_CODE } from './plain-connection.js';

/** One place a flow may have gone: an endpoint on a port (a Service backend on its target port). */
export interface FlowTarget {
  endpoint: Endpoint;
  port: number;
  service?: Connection['service'];
  /** The backing workload, for a Service. */
  backend?: string;
}

export interface FlowDestination {
  /** The workload (`ns/name`), `ns/svc/name` when a Service has several backends, `node/NAME`, or the address. */
  label: string;
  /** The port shown: the target port when every backend answers on the same one, else the port dialled. */
  port: number;
  /**
   * Where the flow may have gone: one target for a pod or an address; for a ClusterIP, each distinct
   * backing pod on its target port (which backend answered is not in the log).
   */
  targets: FlowTarget[];
  service?: Service;
}

export class FlowEndpoints {
  private readonly resolver: EndpointResolver;
  private readonly services: ServiceIndex;
  /** Flows repeat their paths: each address and port is translated once. */
  private readonly destinations = new Map<number | string, FlowDestination>();

  constructor(private readonly cluster: Cluster) {
    this.resolver = new EndpointResolver(cluster);
    this.services = this.resolver.services;
  }

  /** A source (or any single address): a pod, a node, or an address outside the cluster. */
  resolve(address: Address): { endpoint: Endpoint; label: string } {
    const endpoint = this.resolver.byAddressEndpoint(address);
    return { endpoint, label: labelOf(endpoint, address) };
  }

  /**
   * A destination: a ClusterIP becomes the Service's backing pods on the target port of the Service
   * port dialled. A port the Service does not expose is judged on the backends as logged (kube-proxy
   * forwards nothing on it; some collectors log the translated port with the Service address).
   */
  destination(address: Address, port: number, protocol: Protocol): FlowDestination {
    // an IPv4 destination is keyed by one number (address, protocol, port: at most 2^50, exact),
    // which costs less than writing its BigInt value out in a string at every flow
    const key = address.family === 4 && (port & 0xffff) === port ? (Number(address.value) * 4 + PROTOCOL_CODE[protocol]) * 65536 + port : `${address.family}:${address.value}|${port}|${protocol}`;
    let d = this.destinations.get(key);
    if (!d) {
      if (this.destinations.size >= 100_000) this.destinations.clear();
      d = this.translate(address, port, protocol);
      this.destinations.set(key, d);
    }
    return d;
  }

  private translate(address: Address, port: number, protocol: Protocol): FlowDestination {
    const svc = this.services.byClusterIP(address);
    const own = this.resolver.byAddressEndpoint(address);
    if (!svc || own.kind === 'pod') return { label: labelOf(own, address), port, targets: [{ endpoint: own, port }] };
    const sp = findServicePort(svc, port, protocol, false);
    const service = sp ? { namespace: svc.namespace, name: svc.name, address, port, protocol } : undefined;
    const seen = new Set<string>();
    const targets: FlowTarget[] = [];
    for (const pod of selectedPods(this.cluster, svc)) {
      const target = sp ? targetPortOf(sp, pod) : port;
      if (target === undefined) continue;
      const k = `${policyKey(pod)}|${target}`;
      if (seen.has(k)) continue;
      seen.add(k);
      targets.push({ endpoint: { kind: 'pod', pod }, port: target, backend: workloadId(pod), ...(service ? { service } : {}) });
    }
    // no backing pod known: the address is all there is
    if (targets.length === 0) return { label: serviceId(svc), port, targets: [{ endpoint: own, port }], service: svc };
    const workloads = new Set(targets.map((t) => t.backend));
    const ports = new Set(targets.map((t) => t.port));
    const one = workloads.size === 1 && ports.size === 1;
    return { label: one ? targets[0]!.backend! : serviceId(svc), port: ports.size === 1 ? targets[0]!.port : port, targets, service: svc };
  }
}

function labelOf(endpoint: Endpoint, address: Address): string {
  return endpoint.kind === 'pod' ? workloadId(endpoint.pod) : endpoint.node ? `node/${endpoint.node.name}` : address.text;
}

/** The verdict of each place a flow may have gone. */
export function decideTargets(engine: Engine, from: Endpoint, dst: FlowDestination, protocol: Protocol): { target: FlowTarget; verdict: Verdict }[] {
  return dst.targets.map((target) => ({
    target,
    verdict: engine.decide({ from, to: target.endpoint, port: target.port, protocol, ...(target.service ? { service: target.service } : {}) }),
  }));
}

export function backendPods(dst: FlowDestination): Pod[] {
  return dst.targets.flatMap((t) => (t.endpoint.kind === 'pod' ? [t.endpoint.pod] : []));
}
