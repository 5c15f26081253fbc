/**
 * Endpoints that no policy can tell apart form one class. Pods: same namespace, labels, container
 * ports, host networking, the same answers to every CIDR in the policies, and the same node where
 * the own-node rule can apply. Outside the pod network: each address atom, domain name and node
 * (OutsideWorld) is a class of its own, with no policies. Bulk analyses evaluate classes and
 * expand to pods and peers only for output.
 */
import { matches, type Selector } from '../k8s/labels.js';
import type { Cluster, Pod } from '../model/cluster.js';
import type { Endpoint } from '../model/endpoint.js';
import { cidrContains } from '../net/ip.js';
import type { Peer, PodSelection } from '../policy/types.js';
import { empty, full, set, type Bits } from './bitset.js';
import type { MatchContext } from './match.js';
import { namespaceMatches, peerMatches } from './match.js';
import { OutsideWorld, type OutsidePeer } from './outside.js';
import { nodeNameOf } from './own-node.js';

export interface EndpointClass {
  index: number;
  /** What every member looks like to the policies. */
  rep: Endpoint;
  /** A pod class's representative pod; undefined outside the pod network. */
  pod?: Pod;
  /** A pod class's pods; empty outside the pod network. */
  pods: Pod[];
  /** The peer outside the pod network this class stands for. */
  outside?: OutsidePeer;
}

export class ClassIndex {
  readonly classes: EndpointClass[] = [];
  readonly size: number;
  /** Pod classes come first (by namespace), then the peers outside. */
  readonly podClasses: number;
  readonly world: OutsideWorld;
  private readonly byNamespace = new Map<string, number[]>();
  /** "ns\u0000key=value" -> classes with that label, for fast selection. */
  private readonly postings = new Map<string, number[]>();
  private readonly selectionCache = new Map<string, Bits>();
  private readonly peerCache = new Map<string, Bits>();
  private readonly nsCache = new Map<string, string[]>();
  readonly all: Bits;

  /** `world` defaults to the outside as this cluster's policies split it (diff passes one shared by two clusters). */
  constructor(
    readonly cluster: Cluster,
    private readonly ctx: MatchContext,
    world?: OutsideWorld,
  ) {
    this.world = world ?? new OutsideWorld([cluster]);
    const blocks = distinctIpBlocks(cluster);
    // nodes the own-node rule can reach: those of host-network pods and of Node objects
    const nodeLocal = new Set(cluster.nodes.map((n) => n.name));
    for (const p of cluster.pods) {
      const n = p.hostNetwork ? nodeNameOf({ kind: 'pod', pod: p }, ctx) : undefined;
      if (n) nodeLocal.add(n);
    }
    const byKey = new Map<string, EndpointClass>();
    // sorted by namespace so that a namespace's classes are contiguous in the bitsets
    const pods = [...cluster.pods].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
    for (const pod of pods) {
      const k = classKey(pod, blocks, nodeLocal);
      let c = byKey.get(k);
      if (!c) {
        c = { index: this.classes.length, rep: { kind: 'pod', pod }, pod, pods: [] };
        byKey.set(k, c);
        this.classes.push(c);
        let list = this.byNamespace.get(pod.namespace);
        if (!list) this.byNamespace.set(pod.namespace, (list = []));
        list.push(c.index);
        if (!pod.hostNetwork) {
          for (const [lk, lv] of Object.entries(pod.labels)) {
            const pk = `${pod.namespace}\u0000${lk}=${lv}`;
            let post = this.postings.get(pk);
            if (!post) this.postings.set(pk, (post = []));
            post.push(c.index);
          }
        }
      }
      c.pods.push(pod);
    }
    this.podClasses = this.classes.length;
    for (const peer of this.world.peers) this.classes.push({ index: this.classes.length, rep: peer.rep, pods: [], outside: peer });
    this.size = this.classes.length;
    this.all = full(this.size);
  }

  private namespacesFor(sel: PodSelection): string[] {
    const m = sel.namespaces;
    if (m.kind === 'named') return this.byNamespace.has(m.name) ? [m.name] : [];
    let list = this.nsCache.get(m.selector.key);
    if (!list) {
      list = [...this.byNamespace.keys()].filter((ns) => namespaceMatches(m, this.ctx.namespaces.get(ns), ns));
      this.nsCache.set(m.selector.key, list);
    }
    return list;
  }

  /** The classes a pod selection picks (host-network classes never). */
  select(sel: PodSelection): Bits {
    const nsKey = sel.namespaces.kind === 'named' ? `=${sel.namespaces.name}` : sel.namespaces.selector.key;
    const k = `${nsKey}\u0001${sel.pods.key}`;
    let b = this.selectionCache.get(k);
    if (b) return b;
    b = empty(this.size);
    const inRequirement = firstIn(sel.pods);
    for (const ns of this.namespacesFor(sel)) {
      const candidates = inRequirement
        ? inRequirement.values.flatMap((v) => this.postings.get(`${ns}\u0000${inRequirement.key}=${v}`) ?? [])
        : this.byNamespace.get(ns)!;
      for (const i of candidates) {
        const rep = this.classes[i]!.pod!;
        if (!rep.hostNetwork && matches(sel.pods, rep.labels)) set(b, i);
      }
    }
    this.selectionCache.set(k, b);
    return b;
  }

  /** The classes a rule peer matches. */
  peer(p: Peer): Bits {
    if (p.type === 'pods') return this.select(p.selection);
    const k = peerKey(p);
    let b = this.peerCache.get(k);
    if (b) return b;
    b = empty(this.size);
    // domain names match only peers outside; addresses and nodes may match either
    for (let i = p.type === 'domains' ? this.podClasses : 0; i < this.size; i++) if (peerMatches(p, this.classes[i]!.rep, this.ctx)) set(b, i);
    this.peerCache.set(k, b);
    return b;
  }
}

function firstIn(s: Selector): { key: string; values: readonly string[] } | undefined {
  return s.requirements.find((r) => r.operator === 'In');
}

function peerKey(p: Peer): string {
  switch (p.type) {
    case 'ipBlock':
      return `ip:${p.cidr.text}-${p.except.map((x) => x.text).join(',')}`;
    case 'nodes':
      return `node:${p.selector.key}`;
    case 'domains':
      return `domains:${p.patterns.join(',')}`;
    case 'pods':
      return 'pods';
  }
}

interface IpBlockPeer {
  cidr: import('../net/ip.js').Cidr;
  except: readonly import('../net/ip.js').Cidr[];
}

function distinctIpBlocks(cluster: Cluster): IpBlockPeer[] {
  const seen = new Map<string, IpBlockPeer>();
  for (const policy of cluster.policies) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      for (const p of rule.peers ?? []) if (p.type === 'ipBlock') seen.set(peerKey(p), p);
    }
  }
  return [...seen.values()];
}

function classKey(pod: Pod, blocks: IpBlockPeer[], nodeLocal: Set<string>): string {
  const labels = Object.keys(pod.labels)
    .sort()
    .map((k) => `${k}=${pod.labels[k]}`)
    .join(',');
  const ports = pod.ports
    .map((p) => `${p.name ?? ''}:${p.port}/${p.protocol}`)
    .sort()
    .join(',');
  let ipSig = '';
  for (const b of blocks) {
    const inside = pod.ips.length === 0 ? b.cidr.bits === 0 && b.except.length === 0 : pod.ips.some((a) => cidrContains(b.cidr, a) && !b.except.some((x) => cidrContains(x, a)));
    ipSig += inside ? '1' : '0';
  }
  const node = pod.nodeName && (pod.hostNetwork || nodeLocal.has(pod.nodeName)) ? pod.nodeName : '';
  // a host-network pod stands for its node: its addresses identify it
  const host = pod.hostNetwork ? `host:${pod.ips.map((a) => a.text).join(',')}` : '';
  return `${pod.namespace}\u0000${labels}\u0000${ports}\u0000${ipSig}\u0000${node}\u0000${host}`;
}
