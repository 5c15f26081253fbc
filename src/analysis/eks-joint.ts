/**
 * The endpoints the EKS agent's maps cannot tell apart, for the matrix under the EKS data plane: the
 * specification's classes split by the *content* of each pod's maps as subject and by what those maps find for
 * its address as peer; and each side's EKS answer for a pair of such classes, per class of ports.
 *
 * Why content, not the arrays the agent made: the agent shares arrays only between identifiers with the same
 * policies on one node, and a pod without a node (or an input without Node objects) gets a node address of its
 * own, so every pod's arrays differed in their node entry and nearly every pod became a class of its own (2,503
 * classes for 2,500 pods on the benchmark's typical cluster). What decides a side is the pod state and the
 * entries a lookup finds (program.ts): a host entry (/32, /128) for an address no endpoint of the matrix has is
 * never found, so it is left out of a map's content; and a peer's signature is which entry content every
 * distinct subject map finds for its address.
 */
import type { ClassIndex, EndpointClass } from '../engine/classes.js';
import type { Pod } from '../model/cluster.js';
import type { Endpoint } from '../model/endpoint.js';
import { domainMatches } from '../policy/domains.js';
import { ALL_V4, ALL_V6, cidrKey } from '../eks/addressing.js';
import type { EksDataplane } from '../eks/decide.js';
import { decidePacket } from '../eks/program.js';
import type { CpEntry, DirectionMaps, IdentifierMaps, NpEntry, PodState } from '../eks/types.js';
import type { PortClass } from '../engine/ports.js';
import { cidrContains, type Address, type Cidr } from '../net/ip.js';

/** Endpoints no map and no policy tells apart. */
export interface JointClass {
  /** Its place in `joint` (classes of one specification class are adjacent, in the order of their first pod). */
  index: number;
  spec: EndpointClass;
  rep: Endpoint;
  pods: Pod[];
  /** [group, count, ...] as matrix-groups.ts lists members. */
  members: number[];
  address: Address;
  domain?: string;
  /** Has it maps of its own (a pod off the host network): else nothing stops its packets on its side. */
  probed: boolean;
  /** The content of its maps per direction (-1: no probes) and its signature as a peer. */
  egressKey: number;
  ingressKey: number;
  sig: number;
}

export interface GroupView {
  G: number;
  /** The matrix group of a pod; the groups of an outside class (matrix-groups.ts members). */
  groupOfPod(pod: Pod): number | undefined;
  outsideMembers(c: EndpointClass): number[];
  wanted(gs: number, gd: number): boolean;
}

type Entry = NpEntry | CpEntry;

/** A peer's address as the lookups need it: its text key, and which non-host CIDRs of the maps hold it. */
interface PeerAddress {
  address: Address;
  key: string;
  /** Which of the maps' non-host CIDRs hold it, as a number (the same set, the same number). */
  pattern: number;
  /** Its place among the distinct pod addresses (the signatures are numbered by it); -1 outside. */
  slot: number;
}

/** One distinct map content (the node entries of addresses nobody has left out), indexed for lookups. */
class MapContent {
  /** Host address -> content; the first of equal prefixes wins, as in program.ts. */
  readonly hosts = new Map<string, number>();
  /** Non-host CIDRs, longest first (ties in map order): [index among all non-host CIDRs, content]. */
  readonly nets: [number, number][] = [];
  readonly domains: [string, number][] = [];
  private readonly byPattern = new Map<number, number>();

  /** The content a lookup finds for a peer (-1: none). */
  find(p: PeerAddress, domain: string | undefined, patterns: Uint8Array[]): number {
    if (domain) for (const [d, c] of this.domains) if (domainMatches(d, domain)) return c;
    return this.hosts.get(p.key) ?? this.netContent(p.pattern, patterns);
  }

  /** The content of the longest non-host CIDR holding addresses of this pattern (-1: none). */
  netContent(pattern: number, patterns: Uint8Array[]): number {
    let c = this.byPattern.get(pattern);
    if (c === undefined) {
      const bits = patterns[pattern]!;
      c = -1;
      for (const [net, content] of this.nets) {
        if (bits[net]) {
          c = content;
          break;
        }
      }
      this.byPattern.set(pattern, c);
    }
    return c;
  }
}

/** Numbers for texts: the same text, the same number. */
class Numbering {
  private readonly ids = new Map<string, number>();
  of(text: string): number {
    let n = this.ids.get(text);
    if (n === undefined) this.ids.set(text, (n = this.ids.size));
    return n;
  }
  get size(): number {
    return this.ids.size;
  }
}

const STATE: Record<PodState, number> = { POLICIES_APPLIED: 0, DEFAULT_ALLOW: 1, DEFAULT_DENY: 2 };
/** Past this many (subject content x peer signature) cells, side answers are looked up each time, not kept. */
const SIDE_TABLE_CELLS = 1 << 24;

export class EksJoint {
  readonly joint: JointClass[] = [];
  /** Distinct subject contents and peer signatures (what the cost of the matrix grows with). */
  readonly subjects: number;
  readonly signatures: number;
  private readonly family: 4 | 6;
  private readonly queries: readonly PortClass[];
  private readonly contentRep: Entry[] = [];
  private readonly contentIds = new Numbering();
  private readonly entryContent = new WeakMap<object, number>();
  private readonly lists: MapContent[] = [];
  private readonly subjectLists: { np: MapContent; cp: MapContent; state: PodState }[] = [];
  private readonly patterns: Uint8Array[] = [];
  private readonly peerOf = new Map<JointClass, PeerAddress>();
  private readonly vectors: Uint8Array[] = [];
  private readonly vectorIds = new Map<number, number>();
  private readonly table?: Int32Array;
  private readonly ALL: Uint8Array;

  /**
   * `queries`: the classes of ports, or what gives them once every pod's maps have been read (the EKS matrix
   * refines them by the maps' slots, gathered in the same pass). `mapsOf`: a pod's maps, `eks`'s by default;
   * each pod is asked for once, in the order of the classes, and what is kept of its maps is their content, so
   * that a caller may let an identifier's maps go after its last pod.
   */
  constructor(
    eks: EksDataplane,
    classes: ClassIndex,
    queries: readonly PortClass[] | (() => readonly PortClass[]),
    view: GroupView,
    mapsOfPod: (pod: Pod) => IdentifierMaps | undefined = (pod) => eks.mapsOf(pod),
  ) {
    this.family = eks.addressing.family;

    // every endpoint's address: only host entries for these can ever be found
    const podAddress = new Map<Pod, Address>();
    const wanted = new Set<string>();
    const keyOf = (a: Address): string => `${a.family}:${a.value}`;
    for (const c of classes.classes) {
      if (c.outside) wanted.add(keyOf(eks.address(c.rep)));
      for (const pod of c.pods) {
        const a = eks.address({ kind: 'pod', pod });
        podAddress.set(pod, a);
        wanted.add(keyOf(a));
      }
    }

    // the distinct map contents, and each subject's (pod state, NetworkPolicy content, cluster-policy content)
    const netIndex = new Map<string, number>();
    const nets: Cidr[] = [];
    const entryKeys = new WeakMap<object, number>();
    const entryNumbers = new Numbering();
    const entryKey = (e: Entry): number => {
      let k = entryKeys.get(e);
      if (k === undefined) {
        const content = this.contentOf(e);
        if (e.domain !== undefined) k = entryNumbers.of(`d ${e.domain} ${content}`);
        else if (!e.cidr) k = -1;
        else if (e.cidr.bits === (e.cidr.family === 4 ? 32 : 128) && !wanted.has(keyOf({ family: e.cidr.family, value: e.cidr.base, text: '' }))) k = -1; // never found
        else k = entryNumbers.of(`${cidrKey(e.cidr)} ${content}`);
        entryKeys.set(e, k);
      }
      return k;
    };
    const listIds = new WeakMap<object, number>();
    const listNumbers = new Numbering();
    const listOf = (entries: readonly Entry[], kind: 'np' | 'cp'): number => {
      let id = listIds.get(entries);
      if (id === undefined) {
        let text = kind;
        for (const e of entries) {
          const k = entryKey(e);
          if (k >= 0) text += `,${k}`;
        }
        id = listNumbers.of(text);
        listIds.set(entries, id);
        if (id === this.lists.length) this.lists.push(this.index(entries, entryKey, netIndex, nets));
      }
      return id;
    };
    const subjectNumbers = new Numbering();
    const subjectIds = new WeakMap<object, number>();
    const subjectOf = (d: DirectionMaps): number => {
      let n = subjectIds.get(d);
      if (n === undefined) {
        const np = listOf(d.entries, 'np');
        const cp = listOf(d.cpEntries, 'cp');
        n = subjectNumbers.of(`${d.podState} ${np} ${cp}`);
        subjectIds.set(d, n);
        if (n === this.subjectLists.length) this.subjectLists.push({ np: this.lists[np]!, cp: this.lists[cp]!, state: d.podState });
      }
      return n;
    };
    const mapsOf = new Map<Pod, { egressKey: number; ingressKey: number }>();
    for (const c of classes.classes) {
      for (const p of c.pods) {
        if (p.hostNetwork) continue;
        const m = mapsOfPod(p)!;
        mapsOf.set(p, { egressKey: subjectOf(m.egress), ingressKey: subjectOf(m.ingress) });
      }
    }
    this.subjects = this.subjectLists.length;
    this.queries = typeof queries === 'function' ? queries() : queries;
    this.ALL = new Uint8Array(this.queries.length).fill(1);

    // peers: which non-host CIDRs hold each address, then split by what each distinct map content finds there
    const patternNumbers = new Numbering();
    const peerAddresses = new Map<string, PeerAddress>();
    const peerOfAddress = (a: Address, pod: boolean): PeerAddress => {
      const key = keyOf(a);
      let p = peerAddresses.get(key);
      if (!p) {
        const bits = new Uint8Array(nets.length);
        let text = `${a.family}:`;
        nets.forEach((c, i) => {
          bits[i] = cidrContains(c, a) ? 1 : 0;
          text += bits[i];
        });
        const pattern = patternNumbers.of(text);
        if (pattern === this.patterns.length) this.patterns.push(bits);
        p = { address: a, key, pattern, slot: -1 };
        peerAddresses.set(key, p);
      }
      if (pod && p.slot < 0) p.slot = 0;
      return p;
    };
    for (const a of podAddress.values()) peerOfAddress(a, true);
    const podPeers = [...peerAddresses.values()].filter((p) => p.slot >= 0);
    podPeers.forEach((p, i) => (p.slot = i));
    const sigOf = this.podSignatures(podPeers);

    // the joint classes: a specification class split by its pods' map contents and signatures
    let signatures = sigOf.reduce((n, s) => Math.max(n, s + 1), 0);
    for (const c of classes.classes) {
      if (c.outside) {
        const rep = c.rep;
        const domain = rep.kind === 'external' ? rep.domain : undefined;
        const address = eks.address(rep);
        const j: JointClass = { index: this.joint.length, spec: c, rep, pods: [], members: view.outsideMembers(c), address, ...(domain ? { domain } : {}), probed: false, egressKey: -1, ingressKey: -1, sig: signatures++ };
        this.peerOf.set(j, peerOfAddress(address, false));
        this.joint.push(j);
        continue;
      }
      const byKey = new Map<string, JointClass>();
      for (const pod of c.pods) {
        const m = mapsOf.get(pod);
        const address = podAddress.get(pod)!;
        const peer = peerAddresses.get(keyOf(address))!;
        const egressKey = m ? m.egressKey : -1;
        const ingressKey = m ? m.ingressKey : -1;
        const sig = sigOf[peer.slot]!;
        const key = `${egressKey},${ingressKey},${sig}`;
        let j = byKey.get(key);
        if (!j) {
          byKey.set(key, (j = { index: this.joint.length, spec: c, rep: { kind: 'pod', pod }, pods: [], members: [], address, probed: m !== undefined, egressKey, ingressKey, sig }));
          this.peerOf.set(j, peer);
          this.joint.push(j);
        }
        j.pods.push(pod);
      }
      for (const j of byKey.values()) {
        const counts = new Map<number, number>();
        for (const p of j.pods) {
          const g = view.groupOfPod(p);
          if (g !== undefined) counts.set(g, (counts.get(g) ?? 0) + 1);
        }
        j.members = [...counts].flat();
      }
    }
    this.signatures = signatures;
    if (this.subjects * signatures <= SIDE_TABLE_CELLS) this.table = new Int32Array(this.subjects * signatures).fill(-1);
  }

  /**
   * The EKS answer from `s` to `d` per class of ports (1: allowed), into `out`: both sides, each decided by the
   * subject's pod state and the entries its maps find for the peer.
   */
  allowed(out: Uint8Array, s: JointClass, d: JointClass): void {
    const eg = s.probed ? this.side(s.egressKey, d) : this.ALL;
    const ing = d.probed ? this.side(d.ingressKey, s) : this.ALL;
    for (let qi = 0; qi < out.length; qi++) out[qi] = eg[qi]! & ing[qi]!;
  }

  private side(subject: number, peer: JointClass): Uint8Array {
    if (peer.address.family !== this.family) return this.ALL; // the other family's packets are not inspected
    const cell = subject * this.signatures + peer.sig;
    let v = this.table ? this.table[cell]! : -1;
    if (v < 0) {
      const { np, cp, state } = this.subjectLists[subject]!;
      const p = this.peerOf.get(peer)!;
      const npc = np.find(p, peer.domain, this.patterns);
      const cpc = cp.find(p, peer.domain, this.patterns);
      const key = STATE[state] + 3 * (npc + 1 + (this.contentIds.size + 1) * (cpc + 1));
      v = this.vectorIds.get(key) ?? -1;
      if (v < 0) {
        this.vectorIds.set(key, (v = this.vectors.length));
        this.vectors.push(this.decide(state, npc, cpc, peer));
      }
      if (this.table) this.table[cell] = v;
    }
    return this.vectors[v]!;
  }

  /** The program on maps holding just the entries found (as catch-alls): the same lookup result, the same decision. */
  private decide(state: PodState, npc: number, cpc: number, peer: JointClass): Uint8Array {
    const all = this.family === 4 ? ALL_V4 : ALL_V6;
    const found = <T extends Entry>(c: number): T[] => {
      if (c < 0) return [];
      const { domain: _domain, ...e } = this.contentRep[c]! as T;
      return [{ ...e, cidr: all } as T];
    };
    const mini: DirectionMaps = { podState: state, cpPodState: state, entries: found<NpEntry>(npc), cpEntries: found<CpEntry>(cpc), dropped: [], policies: [] };
    const v = new Uint8Array(this.queries.length);
    for (let qi = 0; qi < v.length; qi++) {
      const q = this.queries[qi]!.rep;
      v[qi] = decidePacket(mini, { peer: peer.address, port: q.port, protocol: q.protocol }).allowed ? 1 : 0;
    }
    return v;
  }

  /** What in an entry decides a packet: its slots in order (the tier, priority and action of cluster-policy ones). */
  private contentOf(e: Entry): number {
    let c = this.entryContent.get(e);
    if (c === undefined) {
      let text: string;
      if ('l4' in e) {
        text = 'np';
        for (const s of e.l4) text += ` ${s.protocol}/${s.port}/${s.endPort}`;
        for (const s of e.overflow) text += ` ${s.protocol}/${s.port}/${s.endPort}`;
      } else {
        text = 'cp';
        for (const s of [...e.rules, ...e.overflow]) text += ` ${s.tier}/${s.priority}/${s.action}/${s.protocol}/${s.port}/${s.endPort}`;
      }
      c = this.contentIds.of(text);
      if (c === this.contentRep.length) this.contentRep.push(e);
      this.entryContent.set(e, c);
    }
    return c;
  }

  /** One distinct map content, indexed: the entries a lookup can find, with their contents. */
  private index(entries: readonly Entry[], entryKey: (e: Entry) => number, netIndex: Map<string, number>, nets: Cidr[]): MapContent {
    const m = new MapContent();
    const found: { net: number; bits: number; i: number; content: number }[] = [];
    entries.forEach((e, i) => {
      if (entryKey(e) < 0) return;
      const content = this.contentOf(e);
      if (e.domain !== undefined) m.domains.push([e.domain, content]);
      else if (e.cidr!.bits === (e.cidr!.family === 4 ? 32 : 128)) {
        const k = `${e.cidr!.family}:${e.cidr!.base}`;
        if (!m.hosts.has(k)) m.hosts.set(k, content);
      } else {
        const ck = cidrKey(e.cidr!);
        let net = netIndex.get(ck);
        if (net === undefined) {
          netIndex.set(ck, (net = nets.length));
          nets.push(e.cidr!);
        }
        found.push({ net, bits: e.cidr!.bits, i, content });
      }
    });
    found.sort((a, b) => b.bits - a.bits || a.i - b.i);
    for (const f of found) m.nets.push([f.net, f.content]);
    return m;
  }

  /**
   * Each pod address's signature: addresses get the same one exactly when every distinct map content finds
   * the same entry content for them. Split from their family and non-host CIDRs (what every map's CIDR
   * entries see) by each content's host entries, touching only the addresses a host entry names.
   */
  private podSignatures(peers: PeerAddress[]): number[] {
    const start = new Numbering();
    const sig = peers.map((p) => start.of(`${p.address.family} ${p.pattern}`));
    let next = start.size;
    const slotOf = new Map(peers.map((p) => [p.key, p.slot]));
    for (const list of this.lists) {
      const split = new Map<number, number>();
      for (const [key, content] of list.hosts) {
        const slot = slotOf.get(key);
        if (slot === undefined) continue;
        const p = peers[slot]!;
        // a host entry that finds what the CIDR entries would find tells nothing apart
        if (content === list.netContent(p.pattern, this.patterns)) continue;
        const k = sig[slot]! * (this.contentIds.size + 1) + content;
        let n = split.get(k);
        if (n === undefined) split.set(k, (n = next++));
        sig[slot] = n;
      }
    }
    // renumbered densely, in the order of the addresses
    const dense = new Map<number, number>();
    return sig.map((s) => {
      let n = dense.get(s);
      if (n === undefined) dense.set(s, (n = dense.size));
      return n;
    });
  }
}
