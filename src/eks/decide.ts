/**
 * A connection -> the EKS verdict: the controller, agent and program steps put together. Each side names
 * the pod identifier and node whose maps decided, the map entry and slot that matched, the program's tier
 * and the policies and rules behind the entry.
 */
import { makeMatchContext, type MatchContext } from '../engine/match.js';
import type { Cluster, Pod } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import { describeEndpoint, isPolicyPod, type Connection, type Endpoint } from '../model/endpoint.js';
import type { Address } from '../net/ip.js';
import type { Direction } from '../policy/types.js';
import { Addressing, canonicalText } from './addressing.js';
import { Agent, describeSlot } from './agent.js';
import { Controller, type ControllerOutput } from './controller.js';
import { decidePacket, type ProgramTier } from './program.js';
import type { EksOptions, EntrySource, IdentifierMaps, Mechanism } from './types.js';
import { behaviour, parseAgentVersion, NEWEST_KNOWN } from './versions.js';

export interface EksSide {
  direction: Direction;
  subject: string;
  allowed: boolean;
  tier: ProgramTier | 'NONE';
  identifier?: string;
  node?: string;
  /** The address the program looked up, and whether podwall had to make it up. */
  peer?: string;
  peerIsPlaceholder?: boolean;
  port: number;
  entry?: string;
  slot?: string;
  cpEntry?: string;
  cpSlot?: string;
  /** The policies and rules behind the deciding entry or slot. */
  sources: EntrySource[];
  reason: string;
  uncertain?: string;
  /** A mechanism that decided this side without the maps (node, family). */
  mechanism?: Mechanism;
}

export interface EksVerdict {
  allowed: boolean;
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  agent: string;
  compute: string;
  egress: EksSide;
  ingress: EksSide;
}

/**
 * What the agent of detachedMaps keeps for identifiers that come later: identifiers with the same policies share
 * one computation, and a walk in the order of the specification's classes meets them close together; on the
 * benchmark's large cluster one computation holds about 40 kB of entries.
 */
const DETACHED_MEMO = 1024;

/** The order of `eks maps`: by identifier, then node. */
export function inOutputOrder(a: IdentifierMaps, b: IdentifierMaps): number {
  return a.identifier.localeCompare(b.identifier) || a.node.localeCompare(b.node);
}

export class EksDataplane {
  readonly addressing: Addressing;
  readonly controller: ControllerOutput;
  readonly maps: IdentifierMaps[];
  private readonly byPod: Map<Pod, IdentifierMaps> = new Map();
  private readonly ctx: MatchContext;
  private readonly on: (m: Mechanism) => boolean;

  /**
   * `like`: a data plane of the same cluster whose addresses and match context this one shares (variants).
   * `share`: what more it takes from `like` as it is, for a variant whose switched mechanisms the controller
   * (or the controller and the agent) never read: its controller output, or its controller output and maps.
   */
  constructor(
    readonly cluster: Cluster,
    readonly options: EksOptions,
    like?: EksDataplane,
    share?: 'controller' | 'maps',
  ) {
    this.on = (m) => !options.spec?.has(m);
    this.addressing = like?.addressing ?? new Addressing(cluster);
    const ctx = (this.ctx = like?.ctx ?? makeMatchContext(cluster));
    this.controller = like && share ? like.controller : new Controller(cluster, ctx, this.addressing, options).run();
    if (like && share === 'maps') {
      this.maps = like.maps;
      this.byPod = like.byPod;
      return;
    }
    this.maps = this.program();
    for (const m of this.maps) for (const p of m.pods) this.byPod.set(p, m);
  }

  /**
   * Every identifier's maps in the order `eks maps` writes them, each made when the walk reaches it and kept only
   * while the caller holds it: on a large cluster whose policies name ports, every identifier has maps of its own
   * and together they outgrow the heap. The controller output stays shared with this plane; `maps` are untouched.
   */
  *mapsInOrder(): Generator<IdentifierMaps> {
    const walk: (IdentifierMaps | undefined)[] = this.program().sort(inOutputOrder);
    for (let i = 0; i < walk.length; i++) {
      const m = walk[i]!;
      walk[i] = undefined; // the walk holds no maps it has handed out
      yield m;
    }
  }

  /**
   * Every identifier's maps, each made when first asked for, from a controller and an agent of their own (the same
   * inputs and addresses, so the same maps) that this plane does not keep: a walk over all of them (the EKS
   * matrix's classes) lets each identifier's maps go once it has read them, and what the controller resolved goes
   * with the list, while this plane's own maps and controller output stay as small as the questions asked of it.
   * The agent keeps at most DETACHED_MEMO computations for identifiers that come later.
   */
  detachedMaps(): IdentifierMaps[] {
    const controller = new Controller(this.cluster, this.ctx, this.addressing, this.options).run();
    return this.program(controller, DETACHED_MEMO);
  }

  /** The agent's maps for every identifier, each made when first asked for (a fresh agent over this controller output). */
  private program(controller = this.controller, memoLimit?: number): IdentifierMaps[] {
    const version = parseAgentVersion(this.options.version, '') ?? parseAgentVersion(NEWEST_KNOWN, '')!;
    return new Agent(this.cluster, this.addressing, this.options, behaviour(version), memoLimit).program(controller);
  }

  mapsOf(pod: Pod): IdentifierMaps | undefined {
    return this.byPod.get(pod);
  }

  decide(conn: Connection): EksVerdict {
    const viaService = conn.service && this.on('service-clusterip') ? conn.service : undefined;
    const egressPeer = viaService?.address ?? this.address(conn.to);
    const egress = this.side('egress', conn.from, conn.to, egressPeer, viaService?.port ?? conn.port, conn.protocol);
    const ingress = this.side('ingress', conn.to, conn.from, this.address(conn.from), conn.port, conn.protocol);
    return {
      allowed: egress.allowed && ingress.allowed,
      from: describeEndpoint(conn.from),
      to: describeEndpoint(conn.to),
      port: conn.port,
      protocol: conn.protocol,
      agent: this.options.version,
      compute: this.options.compute,
      egress,
      ingress,
    };
  }

  /** The source or destination address a packet carries for this endpoint. */
  address(e: Endpoint): Address {
    if (e.kind === 'pod') return this.addressing.podAddress(e.pod);
    if (e.address) return e.address;
    if (e.node) return this.addressing.nodeIp(e.node.name, '');
    return this.addressing.placeholder(`outside:${e.domain ?? '?'}`);
  }

  private side(direction: Direction, subject: Endpoint, peer: Endpoint, peerAddress: Address, port: number, protocol: Protocol): EksSide {
    const base = { direction, subject: describeEndpoint(subject), port, sources: [] as EntrySource[] };
    if (!isPolicyPod(subject)) {
      return { ...base, allowed: true, tier: 'NONE', reason: (subject as Endpoint).kind === 'pod' ? 'a host-network pod has no probes of its own' : 'outside the pod network: no probes' };
    }
    if (peer.kind === 'pod' && peer.pod === subject.pod) return { ...base, allowed: true, tier: 'NONE', reason: 'traffic from a pod to itself stays inside the pod (loopback)' };
    const maps = this.byPod.get(subject.pod)!;
    const peerText = { peer: peerAddress.text, ...(this.addressing.isPlaceholder(peerAddress) ? { peerIsPlaceholder: true } : {}) };
    const where = { identifier: maps.identifier, node: maps.node };
    if (peerAddress.family !== this.addressing.family) {
      if (this.on('family-filter')) {
        return { ...base, ...where, ...peerText, allowed: true, tier: 'NONE', mechanism: 'family-filter', reason: `an IPv${peerAddress.family} packet in an IPv${this.addressing.family} cluster: the agent's programs do not inspect it` };
      }
    }
    const ownNode = this.addressing.node(subject.pod.nodeName);
    if (ownNode && ownNode.addresses.some((a) => a.family === peerAddress.family && a.value === peerAddress.value)) {
      const primary = maps.nodeIp.value === peerAddress.value;
      if (!primary && !this.on('node-primary-ip-only')) return { ...base, ...where, ...peerText, allowed: true, tier: 'NONE', reason: 'the pod\'s own node (spec behaviour)' };
    }
    const peerDomain = peer.kind === 'external' ? peer.domain : undefined;
    const d = decidePacket(maps[direction], { peer: peerAddress, ...(peerDomain ? { domain: peerDomain } : {}), port, protocol });
    const sources = d.cpSlot?.source ? [d.cpSlot.source] : d.npSlot?.source ? [d.npSlot.source] : [...(d.npEntry?.sources ?? [])];
    return {
      ...base,
      ...where,
      ...peerText,
      allowed: d.allowed,
      tier: d.tier,
      ...(d.npEntry ? { entry: d.npEntry.cidr ? canonicalText(d.npEntry.cidr) : d.npEntry.domain! } : {}),
      ...(d.npSlot ? { slot: describeSlot(d.npSlot) } : {}),
      ...(d.cpEntry ? { cpEntry: d.cpEntry.cidr ? canonicalText(d.cpEntry.cidr) : d.cpEntry.domain! } : {}),
      ...(d.cpSlot ? { cpSlot: `${d.cpSlot.tier} priority ${d.cpSlot.priority} ${d.cpSlot.action} ${describeSlot(d.cpSlot)}` } : {}),
      sources,
      reason: d.reason,
      ...(d.uncertain ? { uncertain: d.uncertain } : {}),
    };
  }
}
