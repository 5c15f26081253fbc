// Random EKS clusters (seeded) for the property test: pods sharing identifiers, host-network pods, pods
// without IPs (workload templates), init-container ports, Services, nodes with two addresses, and every
// policy kind EKS reads (plus an upstream one now and then).
import { matches, selectorFromLabels } from '../../src/k8s/labels.js';
import type { SourceObject } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import type { Connection, Endpoint } from '../../src/model/endpoint.js';

export function randomEksCluster(seed: number, o: { upstream?: boolean; templates?: boolean } = {}): SourceObject[] {
  let s = seed >>> 0;
  // mulberry32: 32-bit arithmetic only, so every seed gives well-spread choices
  const rnd = (n: number): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const objs: unknown[] = [];
  const nss = ['a', 'b'];
  for (const ns of nss) objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { tier: pick(['x', 'y']) } } });
  objs.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { zone: 'z1' } }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.1' }, { type: 'InternalIP', address: '192.168.1.1' }] } });
  objs.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2', labels: { zone: 'z2' } }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.2' }] } });
  const apps = ['web', 'api', 'db'];
  let ip = 10;
  for (const ns of nss) {
    for (let i = 0; i < 5; i++) {
      const hostNetwork = rnd(8) === 0;
      const app = pick(apps);
      const node = pick(['n1', 'n2']);
      const ports = [{ containerPort: pick([80, 443, 8080]), name: 'http' }, { containerPort: 53, protocol: 'UDP', name: 'dns' }];
      objs.push({
        apiVersion: 'v1',
        kind: 'Pod',
        // names share a prefix now and then: pods whose names differ only after the last dash share maps
        metadata: { name: `${pick(['w', 'x'])}-${i}`, namespace: ns, labels: { app, ...(rnd(2) ? { env: pick(['prod', 'dev']) } : {}) } },
        spec: {
          hostNetwork,
          nodeName: node,
          containers: [{ name: 'c', ports: rnd(4) ? ports : [] }],
          ...(rnd(4) === 0 ? { initContainers: [{ name: 'i', ports: [{ containerPort: 9000, name: 'http' }] }] } : {}),
        },
        status: { podIP: hostNetwork ? (node === 'n1' ? '192.168.0.1' : '192.168.0.2') : `10.0.0.${ip++}` },
      });
    }
    if (o.templates) {
      objs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'tpl', namespace: ns }, spec: { template: { metadata: { labels: { app: pick(apps) } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }] }] } } } });
    }
    objs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: ns }, spec: { clusterIP: `172.20.0.${ns === 'a' ? 10 : 11}`, selector: { app: pick(apps) }, ports: [{ port: 8000, targetPort: pick([80, 'http']) }] } });
  }
  const sel = (): object => (rnd(3) === 0 ? {} : rnd(2) ? { matchLabels: { app: pick(apps) } } : { matchExpressions: [{ key: 'env', operator: pick(['Exists', 'DoesNotExist']) }] });
  const nsSel = (): object => (rnd(3) === 0 ? {} : { matchLabels: rnd(2) ? { tier: pick(['x', 'y']) } : { 'kubernetes.io/metadata.name': pick(nss) } });
  const npPorts = (): object[] | undefined => (rnd(2) ? undefined : [pick([{ port: 80 }, { port: 'http' }, { port: 'dns', protocol: 'UDP' }, { protocol: 'UDP' }, { port: 80, endPort: 443 }, { port: 8000 }])]);
  const npPeer = (): object =>
    pick([{ podSelector: sel() }, { namespaceSelector: nsSel() }, { namespaceSelector: nsSel(), podSelector: sel() }, { ipBlock: { cidr: '10.0.0.0/24', except: ['10.0.0.16/30'] } }, { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/28'] } }, { ipBlock: { cidr: '10.0.0.12/30' } }, { ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '2001:db8::/32' } }]);
  for (let i = 0; i < 2 + rnd(4); i++) {
    const ns = pick(nss);
    const anp = rnd(4) === 0;
    const types = pick([['Ingress'], ['Egress'], ['Ingress', 'Egress'], undefined]);
    const rules = (key: string): object[] => Array.from({ length: rnd(3) }, () => ({ ...(rnd(4) ? { [key]: [anp && key === 'to' && rnd(3) === 0 ? { domainNames: ['api.example.com'] } : npPeer()] } : {}), ...(npPorts() ? { ports: npPorts() } : {}) }));
    objs.push({
      apiVersion: anp ? 'networking.k8s.aws/v1alpha1' : 'networking.k8s.io/v1',
      kind: anp ? 'ApplicationNetworkPolicy' : 'NetworkPolicy',
      metadata: { name: `np${i}`, namespace: ns },
      spec: { podSelector: sel(), ...(types ? { policyTypes: types } : {}), ingress: rules('from'), egress: rules('to') },
    });
  }
  const cnpPorts = (): object[] | undefined => (rnd(2) ? undefined : [pick([{ portNumber: { port: 80, protocol: 'TCP' } }, { portRange: { start: 50, end: 100, protocol: 'UDP' } }, { portNumber: { port: 443, protocol: 'TCP' } }])]);
  for (let i = 0; i < rnd(3); i++) {
    const upstream = o.upstream && rnd(3) === 0;
    const rule = (egress: boolean): object => {
      const peer = pick([{ namespaces: nsSel() }, { pods: { namespaceSelector: nsSel(), podSelector: sel() } }, ...(egress ? [{ networks: pick([['10.0.0.0/28'], ['0.0.0.0/0'], ['8.8.8.8/32', '10.0.0.12/30']]) }] : [])]);
      const ports = cnpPorts();
      return { name: `r${rnd(100)}`, action: pick(upstream ? ['Allow', 'Deny', 'Pass'] : ['Accept', 'Deny', 'Pass']), [egress ? 'to' : 'from']: [peer], ...(ports ? { ports } : {}) };
    };
    const spec: Record<string, unknown> = {
      priority: pick([1, 5, 5, 9]),
      subject: rnd(2) ? { namespaces: nsSel() } : { pods: { namespaceSelector: nsSel(), podSelector: sel() } },
      ingress: Array.from({ length: rnd(3) }, () => rule(false)),
      egress: Array.from({ length: rnd(3) }, () => rule(true)),
    };
    if (upstream) objs.push({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: `anp${i}` }, spec });
    else objs.push({ apiVersion: 'networking.k8s.aws/v1alpha1', kind: 'ClusterNetworkPolicy', metadata: { name: `cnp${i}` }, spec: { ...spec, tier: pick(['Admin', 'Baseline']) } });
  }
  return objs.map((value, i) => ({ value, file: `random-${seed}`, line: i + 1 }));
}

/** From every pod, through each Service's first port to its backing pods: egress sees the ClusterIP and the Service port, ingress the backing pod and the target port. */
export function serviceConnections(cluster: Cluster, pods: readonly Endpoint[]): Connection[] {
  const out: Connection[] = [];
  for (const svc of cluster.services) {
    const backing = cluster.pods.filter((p) => p.namespace === svc.namespace && !p.hostNetwork && svc.selector && matches(selectorFromLabels(svc.selector), p.labels));
    for (const to of backing) {
      const sp = svc.ports![0]!;
      const target = typeof sp.targetPort === 'number' ? sp.targetPort : to.ports.find((c) => c.name === sp.targetPort && !c.init)?.port;
      if (target === undefined) continue;
      for (const from of pods) out.push({ from, to: { kind: 'pod', pod: to }, port: target, protocol: 'TCP', service: { namespace: svc.namespace, name: svc.name, address: svc.clusterIPs[0]!, port: sp.port, protocol: 'TCP' } });
    }
  }
  return out;
}
