/** Flow addresses to model endpoints in one cluster: pods, Service ClusterIPs (their backing pod), nodes, the rest. */
import type { Endpoint } from '../engine/endpoint.js';
import { workloadId, type Cluster, type Pod } from '../model/cluster.js';
import type { Address } from '../model/ip.js';
import { matches, selectorFromLabels } from '../model/labels.js';
import { EndpointResolver } from '../model/refs.js';

export class FlowEndpoints {
  private readonly resolver: EndpointResolver;
  private readonly services = new Map<string, Pod>();

  constructor(cluster: Cluster) {
    this.resolver = new EndpointResolver(cluster);
    for (const svc of cluster.services) {
      if (!svc.selector || Object.keys(svc.selector).length === 0) continue;
      const sel = selectorFromLabels(svc.selector);
      const pod = cluster.pods.find((p) => p.namespace === svc.namespace && !p.hostNetwork && matches(sel, p.labels));
      if (pod) for (const ip of svc.clusterIPs) this.services.set(`${ip.family}:${ip.value}`, pod);
    }
  }

  resolve(address: Address): { endpoint: Endpoint; label: string } {
    const svcPod = this.services.get(`${address.family}:${address.value}`);
    const endpoint: Endpoint = svcPod ? { kind: 'pod', pod: svcPod } : this.resolver.byAddressEndpoint(address);
    const label = endpoint.kind === 'pod' ? workloadId(endpoint.pod) : endpoint.node ? `node/${endpoint.node.name}` : address.text;
    return { endpoint, label };
  }
}
