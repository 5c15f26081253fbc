/**
 * `podwall advise`: least-privilege NetworkPolicies from the traffic that really flows. Per
 * namespace a default-deny, then allow rules keyed by stable labels (never pod names or template
 * hashes), DNS egress to the cluster DNS, named ports where the destination names them, external
 * peers as merged CIDRs, each rule commented with the flows that justify it. The proposal is then
 * replayed: it must allow every observed accepted flow.
 */
import { stringify } from 'yaml';
import { Engine } from '../engine/engine.js';
import { BigMap } from '../flows/big-map.js';
import { ClassVerdicts } from '../flows/class-verdicts.js';
import { countedLine, type CountedFlow } from '../flows/counted.js';
import { FlowEndpoints } from '../flows/endpoints.js';
import type { FlowRecord } from '../flows/record.js';
import { workloadId, type Cluster, type Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { SourceObject } from '../model/build.js';
import type { Endpoint } from '../model/endpoint.js';
import type { Address } from '../net/ip.js';
import { mergeAddresses } from './cidrs.js';
import { avoidTakenNames } from './names.js';

/** Labels that change with every rollout or replica: never select by them. */
const VOLATILE = [
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'job-name',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/job-completion-index',
];

export function stableLabels(pod: Pod): Record<string, string> {
  return Object.fromEntries(Object.entries(pod.labels).filter(([k]) => !VOLATILE.includes(k)));
}

interface Need {
  peer?: Pod;
  /** Addresses outside the pod network, by `family:value`: as many as the logs name, so not one Map. */
  addresses: BigMap<Address>;
  ports: Map<string, { port: number; protocol: Protocol; name?: string }>;
  flows: number;
  example: string;
}

interface Side {
  pod: Pod;
  ingress: Map<string, Need>;
  egress: Map<string, Need>;
}

export interface Advice {
  yaml: string;
  /** Observed accepted flows in scope that the advice still does not allow (e.g. an Admin Deny), as text. */
  stillBlocked: string[];
  flows: number;
  policies: number;
  /** Advised policies given another name because the cluster has one of that name with other contents. */
  renamed: string[];
}

export class Advisor {
  private readonly endpoints: FlowEndpoints;
  private readonly sides = new Map<string, Side>();
  /** Each distinct (source, destination, port, protocol) once, in the order first met, to replay the advice on. */
  private readonly observed: { from: Endpoint; to: Endpoint; port: number; protocol: Protocol; text: string }[] = [];
  private readonly seenTuples = new BigMap<true>();
  private flows = 0;

  constructor(
    cluster: Cluster,
    private readonly namespaces?: readonly string[],
  ) {
    this.endpoints = new FlowEndpoints(cluster);
  }

  private inScope(e: Endpoint): e is { kind: 'pod'; pod: Pod } {
    return e.kind === 'pod' && !e.pod.hostNetwork && (this.namespaces ? this.namespaces.includes(e.pod.namespace) : e.pod.namespace !== 'kube-system');
  }

  private side(pod: Pod): Side {
    const id = workloadId(pod);
    let s = this.sides.get(id);
    if (!s) this.sides.set(id, (s = { pod, ingress: new Map(), egress: new Map() }));
    return s;
  }

  /** One line of a log. */
  add(flow: FlowRecord & { file?: string; line?: number }): void {
    this.addCounted(countedLine(flow));
  }

  /**
   * A connection seen `count` times (src/flows/counted.ts). Fed in the order of their first lines,
   * the advice is the one of adding those lines one by one: each rule quotes its first flow.
   */
  addCounted(c: CountedFlow): void {
    const flow = c.flow;
    if (flow.verdict !== 'allow') return;
    const src = this.endpoints.resolve(flow.src);
    const dst = this.endpoints.destination(flow.dst, flow.dstPort, flow.protocol);
    // a ClusterIP flow may be answered by any backend on its target port: each needs the rule
    const targets = dst.targets;
    if (!this.inScope(src.endpoint) && !targets.some((t) => this.inScope(t.endpoint))) return;
    this.flows += c.count;
    const at = c.first;
    // written only when a rule or a replayed tuple first quotes this flow
    let text: string | undefined;
    const example = (): string =>
      (text ??= `${src.label} -> ${dst.label} ${dst.port}/${flow.protocol}, e.g. ${flow.src.text} -> ${flow.dst.text}${dst.service ? `:${flow.dstPort} (Service ${dst.service.namespace}/${dst.service.name})` : ''}${at.time !== undefined ? ` at ${new Date(at.time).toISOString()}` : ''}${at.file ? ` (${at.file}:${at.line})` : ''}`);
    const counted = new Set<Need>(); // one flow counts once per rule, whichever backends it names
    for (const t of targets) {
      const destPod = t.endpoint.kind === 'pod' ? t.endpoint.pod : undefined;
      const port = { port: t.port, protocol: flow.protocol, ...namedPort(destPod, t.port, flow.protocol) };
      const note = (map: Map<string, Need>, key: string, peer: Pod | undefined, address: Address | undefined): void => {
        let n = map.get(key);
        if (!n) map.set(key, (n = { ...(peer ? { peer } : {}), addresses: new BigMap(), ports: new Map(), flows: 0, example: example() }));
        if (!counted.has(n)) n.flows += c.count;
        counted.add(n);
        n.ports.set(`${port.port}/${port.protocol}`, port);
        if (address) {
          const k = `${address.family}:${address.value}`;
          if (!n.addresses.has(k)) n.addresses.set(k, address);
        }
      };
      const toDns = destPod !== undefined && destPod.namespace === 'kube-system' && destPod.labels['k8s-app'] === 'kube-dns' && t.port === 53;
      if (this.inScope(src.endpoint) && !toDns) {
        // DNS needs no rule of its own: allow-dns covers every pod of the namespace
        const peer = t.endpoint.kind === 'pod' && !t.endpoint.pod.hostNetwork ? t.endpoint.pod : undefined;
        note(this.side(src.endpoint.pod).egress, peer ? workloadId(peer) : 'external', peer, peer ? undefined : flow.dst);
      }
      if (this.inScope(t.endpoint)) {
        const peer = src.endpoint.kind === 'pod' && !src.endpoint.pod.hostNetwork ? src.endpoint.pod : undefined;
        note(this.side(t.endpoint.pod).ingress, peer ? workloadId(peer) : 'external', peer, peer ? undefined : flow.src);
      }
      const label = t.endpoint.kind === 'pod' ? workloadId(t.endpoint.pod) : dst.label;
      const tuple = `${src.label}|${label}|${t.port}|${flow.protocol}`;
      if (!this.seenTuples.has(tuple)) {
        this.seenTuples.set(tuple, true);
        this.observed.push({ from: src.endpoint, to: t.endpoint, port: t.port, protocol: flow.protocol, text: example() });
      }
    }
  }

  /** The advice, replayed against the observed flows before it is returned. */
  result(objects: SourceObject[], build: (objs: SourceObject[]) => Cluster): Advice {
    const docs: { comment: string; object: Record<string, unknown> }[] = [];
    const namespaces = [...new Set([...this.sides.values()].map((s) => s.pod.namespace))].sort();
    for (const ns of namespaces) {
      docs.push({
        comment: `default-deny for ${ns}: only what the rules below allow gets through`,
        object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
      });
      docs.push({
        comment: `every pod in ${ns} may resolve names through the cluster DNS`,
        object: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'allow-dns', namespace: ns },
          spec: {
            podSelector: {},
            policyTypes: ['Egress'],
            egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
          },
        },
      });
      for (const side of [...this.sides.values()].filter((s) => s.pod.namespace === ns).sort((a, b) => workloadId(a.pod).localeCompare(workloadId(b.pod)))) {
        for (const direction of ['ingress', 'egress'] as const) {
          const needs = [...side[direction].entries()].sort((a, b) => a[0].localeCompare(b[0]));
          if (needs.length === 0) continue;
          const labels = stableLabels(side.pod);
          const name = `${(side.pod.workload?.name ?? side.pod.name).slice(0, 40)}-${direction}`;
          if (Object.keys(labels).length === 0) {
            docs.push({ comment: `could not write ${name}: ${workloadId(side.pod)} has no stable labels to select it by; label its pod template`, object: {} });
            continue;
          }
          const rules: Record<string, unknown>[] = [];
          const comments: string[] = [];
          for (const [, need] of needs) {
            const peers = need.peer ? [podPeer(need.peer, ns)] : mergeAddresses([...need.addresses.values()]).map((cidr) => ({ ipBlock: { cidr } }));
            const ports = [...need.ports.values()].map((p) => (p.name && need.peer ? { protocol: p.protocol, port: p.name } : { protocol: p.protocol, port: p.port }));
            rules.push({ [direction === 'ingress' ? 'from' : 'to']: peers, ports });
            comments.push(`rule ${rules.length - 1}: ${need.flows} flow${need.flows > 1 ? 's' : ''}: ${need.example}`);
          }
          docs.push({
            comment: `${workloadId(side.pod)} ${direction}, from observed traffic:\n${comments.map((c) => `  ${c}`).join('\n')}`,
            object: {
              apiVersion: 'networking.k8s.io/v1',
              kind: 'NetworkPolicy',
              metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'podwall-advise' } },
              spec: { podSelector: { matchLabels: labels }, policyTypes: [direction === 'ingress' ? 'Ingress' : 'Egress'], [direction]: rules },
            },
          });
        }
      }
    }
    const advised = docs.filter((d) => Object.keys(d.object).length > 0);
    const renamed = avoidTakenNames(advised.map((d) => d.object), objects);
    const yaml = docs
      .map((d) => `${d.comment.split('\n').map((l) => `# ${l}`).join('\n')}\n${Object.keys(d.object).length ? stringify(d.object, { flowCollectionPadding: false }) : ''}`)
      .join('---\n');
    // replay: the advice replaces the namespace-tier policies of the advised namespaces
    const kept = objects.filter((o) => {
      const v = o.value as { kind?: string; metadata?: { namespace?: string } };
      return !((v?.kind === 'NetworkPolicy' || v?.kind === 'ApplicationNetworkPolicy') && namespaces.includes(v.metadata?.namespace ?? 'default'));
    });
    const proposed = build([...kept, ...advised.map((d, i) => ({ value: d.object, file: '<advice>', line: i + 1 }))]);
    const engine = new Engine(proposed);
    // verdicts shared by endpoints no policy tells apart; a denial is decided again for its very pods, which its reason names
    const classes = new ClassVerdicts(engine);
    const resolver = new FlowEndpoints(proposed);
    const stillBlocked: string[] = [];
    for (const o of this.observed) {
      // the same addresses, resolved in the proposed cluster
      const from = o.from.kind === 'pod' ? resolvePod(resolver, o.from.pod) : o.from;
      const to = o.to.kind === 'pod' ? resolvePod(resolver, o.to.pod) : o.to;
      if (classes.decide(from, { label: '', port: o.port, targets: [{ endpoint: to, port: o.port }] }, o.protocol)[0]!.verdict.allowed) continue;
      const v = engine.decide({ from, to, port: o.port, protocol: o.protocol });
      if (!v.allowed) stillBlocked.push(`${o.text}: ${!v.egress.allowed ? v.egress.steps.at(-1)!.reason : v.ingress.steps.at(-1)!.reason}`);
    }
    return { yaml, stillBlocked, flows: this.flows, policies: advised.length, renamed };
  }
}

function resolvePod(resolver: FlowEndpoints, pod: Pod): Endpoint {
  const ip = pod.ips[0];
  return ip ? resolver.resolve(ip).endpoint : { kind: 'pod', pod };
}

function podPeer(peer: Pod, ns: string): Record<string, unknown> {
  const labels = stableLabels(peer);
  const podSelector = { matchLabels: labels };
  if (peer.namespace === ns) return { podSelector };
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } }, podSelector };
}

function namedPort(pod: Pod | undefined, port: number, protocol: Protocol): { name?: string } {
  const cp = pod?.ports.find((p) => p.port === port && p.protocol === protocol && p.name);
  return cp?.name ? { name: cp.name } : {};
}
