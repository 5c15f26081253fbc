/**
 * The program step: how the agent's eBPF program decides one packet on one side, exactly as
 * ../shared/eks-dataplane/README.md §4 describes `evaluateFlow` (tc.v4ingress.bpf.c / tc.v4egress.bpf.c
 * at c8619c05): the cluster-policy LPM entry (Admin minimum), the NetworkPolicy LPM entry (slot scan),
 * then Baseline, then the pod state.
 */
import type { Protocol } from '../net/protocol.js';
import { cidrContains, type Address } from '../net/ip.js';
import { domainMatches } from '../policy/domains.js';
import type { Action } from '../policy/types.js';
import type { CpEntry, CpSlot, DirectionMaps, L4Slot, NpEntry } from './types.js';

export type ProgramTier = 'ADMIN' | 'NETWORK_POLICY' | 'BASELINE' | 'DEFAULT';

export interface Packet {
  /** The peer: the source on ingress, the destination on egress. */
  peer: Address;
  /** A domain name the destination is known by (matched by domain entries on EKS Auto Mode). */
  domain?: string;
  /** Always the packet's destination port. */
  port: number;
  protocol: Protocol;
}

export interface PacketDecision {
  allowed: boolean;
  tier: ProgramTier;
  npEntry?: NpEntry;
  npSlot?: L4Slot;
  cpEntry?: CpEntry;
  cpSlot?: CpSlot;
  reason: string;
  /** Set when the answer depends on slots beyond the 24 the agent keeps. */
  uncertain?: string;
}

const ACTION_CODE: Record<Action, number> = { deny: 0, allow: 1, pass: 2 };
/** Baseline priorities are stored +2000 (BASELINE_TIER_PRIORITY_OFFSET). */
const rank = (s: CpSlot): number => (s.tier === 'Baseline' ? 2000 : 0) + s.priority;

type Lookable = { cidr?: { bits: number } & Parameters<typeof cidrContains>[0]; domain?: string };

/**
 * One direction's entries split for lookups: host entries (/32, /128) by address, the others in map order.
 * Pod peers make most entries host entries (thousands on a large cluster), and a packet asks about one address:
 * built once per entries array (identifiers with the same policies share theirs).
 */
interface EntryIndex<T> {
  hosts: Map<bigint, T>[];
  prefixes: T[];
  domains: T[];
}

const indexes = new WeakMap<readonly object[], EntryIndex<object>>();

function indexOf<T extends Lookable>(entries: readonly T[]): EntryIndex<T> {
  let index = indexes.get(entries) as EntryIndex<T> | undefined;
  if (index) return index;
  index = { hosts: [], prefixes: [], domains: [] };
  index.hosts[4] = new Map();
  index.hosts[6] = new Map();
  for (const e of entries) {
    if (e.domain !== undefined) index.domains.push(e);
    else if (e.cidr && e.cidr.bits === (e.cidr.family === 4 ? 32 : 128)) {
      // the first of equal entries is the one the scan in map order keeps
      const hosts = index.hosts[e.cidr.family]!;
      if (!hosts.has(e.cidr.base)) hosts.set(e.cidr.base, e);
    } else if (e.cidr) index.prefixes.push(e);
  }
  indexes.set(entries, index);
  return index;
}

/**
 * The longest-prefix entry holding the peer; a domain entry matching the peer's name counts as a host entry.
 * As a scan in map order keeping the first longest: a matching domain entry first, else the peer's host entry
 * (nothing is longer), else the longest containing prefix.
 */
function lookup<T extends Lookable>(entries: readonly T[], p: Packet): T | undefined {
  const index = indexOf(entries);
  if (p.domain) for (const e of index.domains) if (domainMatches(e.domain!, p.domain)) return e;
  const host = index.hosts[p.peer.family]?.get(p.peer.value);
  if (host) return host;
  let best: T | undefined;
  let bits = -1;
  for (const e of index.prefixes) {
    if (e.cidr!.bits > bits && cidrContains(e.cidr!, p.peer)) {
      best = e;
      bits = e.cidr!.bits;
    }
  }
  return best;
}

/** A cluster-policy slot: ANY ignores ports; else the protocol, and port 0, the port, or the range. */
function cpSlotMatches(s: CpSlot, p: Packet): boolean {
  if (s.protocol === 'ANY') return true;
  return s.protocol === p.protocol && (s.port === 0 || p.port === s.port || (s.endPort > 0 && s.port <= p.port && p.port <= s.endPort));
}

/** A NetworkPolicy slot: ANY or the protocol, and port 0, the port, or start < port <= end. */
function npSlotMatches(s: L4Slot, p: Packet): boolean {
  if (s.protocol !== 'ANY' && s.protocol !== p.protocol) return false;
  return s.port === 0 || p.port === s.port || (s.port < p.port && p.port <= s.endPort);
}

function minimum(slots: CpSlot[]): CpSlot | undefined {
  let best: CpSlot | undefined;
  for (const s of slots) {
    if (!best || rank(s) < rank(best) || (rank(s) === rank(best) && ACTION_CODE[s.action] < ACTION_CODE[best.action])) best = s;
  }
  return best;
}

export function decidePacket(maps: DirectionMaps, p: Packet): PacketDecision {
  // a. cluster policies: one entry, the minimum over its matching slots
  const cpEntry = lookup(maps.cpEntries, p);
  const cpMatching = cpEntry ? [...cpEntry.rules, ...cpEntry.overflow].filter((s) => cpSlotMatches(s, p)) : [];
  const cpUncertain = cpEntry && cpEntry.overflow.length > 0 && cpMatching.length > 0 ? `the cluster-policy entry ${cpEntry.cidr?.text ?? cpEntry.domain} has more than 24 rules; the agent keeps 24 in Go map order` : undefined;
  const admin = minimum(cpMatching);
  const baseline = minimum(cpMatching.filter((s) => s.tier === 'Baseline'));
  const withCp = (d: Omit<PacketDecision, 'cpEntry'>): PacketDecision => ({ ...d, ...(cpEntry ? { cpEntry } : {}), ...(cpUncertain && !d.uncertain ? { uncertain: cpUncertain } : {}) });
  // b. Admin
  if (admin && admin.tier === 'Admin' && admin.action !== 'pass') {
    return withCp({ allowed: admin.action === 'allow', tier: 'ADMIN', cpSlot: admin, reason: `${admin.action === 'allow' ? 'Accept' : 'Deny'} at Admin priority ${admin.priority} in the cluster-policy entry ${where(cpEntry!)}` });
  }
  // c. NetworkPolicy entry
  const np = lookup(maps.entries, p);
  let npResult: 'ALLOW' | 'DENY' | 'PASS';
  let npSlot: L4Slot | undefined;
  let uncertain: string | undefined;
  if (!np) npResult = maps.podState === 'POLICIES_APPLIED' ? 'DENY' : 'PASS';
  else {
    npResult = 'DENY';
    const slots = [...np.l4, ...np.overflow];
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.protocol === 'RESERVED') {
        npSlot = s;
        break;
      }
      if (npSlotMatches(s, p)) {
        npResult = 'ALLOW';
        npSlot = s;
        if (np.overflow.length > 0) uncertain = `the entry ${where(np)} has ${slots.length} port entries; the agent keeps 24 in Go map order and may have dropped the one that matches`;
        break;
      }
    }
  }
  const npBits = { ...(np ? { npEntry: np } : {}), ...(npSlot ? { npSlot } : {}), ...(uncertain ? { uncertain } : {}) };
  if (npResult !== 'PASS') {
    const reason = !np
      ? 'no NetworkPolicy entry holds the peer, and policies apply to the pod'
      : npResult === 'ALLOW'
        ? `the NetworkPolicy entry ${where(np)} allows it (${np.kind === 'node' ? 'the node entry' : np.kind === 'catch-all' ? 'catch-all: the direction is not isolated' : 'slot matches'})`
        : npSlot?.protocol === 'RESERVED'
          ? `the NetworkPolicy entry ${where(np)} is an except block (RESERVED: deny)`
          : `the NetworkPolicy entry ${where(np)} has no slot for ${p.port}/${p.protocol}`;
    return withCp({ allowed: npResult === 'ALLOW', tier: 'NETWORK_POLICY', ...npBits, reason });
  }
  // e. Baseline, then the pod state
  if (baseline && baseline.action !== 'pass') {
    return withCp({ allowed: baseline.action === 'allow', tier: 'BASELINE', cpSlot: baseline, ...npBits, reason: `${baseline.action === 'allow' ? 'Accept' : 'Deny'} at Baseline priority ${baseline.priority} in the cluster-policy entry ${where(cpEntry!)}` });
  }
  const allowed = maps.podState === 'DEFAULT_ALLOW';
  return withCp({ allowed, tier: 'DEFAULT', ...npBits, reason: `no entry decides; the pod state is ${maps.podState}` });
}

function where(e: { cidr?: { text: string; base: bigint; bits: number; family: 4 | 6 }; domain?: string }): string {
  return e.domain ?? e.cidr!.text;
}
