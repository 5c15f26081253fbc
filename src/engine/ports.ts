/**
 * Connections are sets of protocols and port ranges. The port space (1-65535 for each protocol) is
 * split by every port, range and resolved named port the policies use; ports that every rule treats
 * alike form one class, judged once by a representative and shown as the ranges it covers.
 */
import type { Cluster } from '../model/cluster.js';
import { PROTOCOLS, type Protocol } from '../net/protocol.js';
import type { PortMatch } from '../policy/types.js';
import { portMatches } from './match.js';

export interface PortRange {
  protocol: Protocol;
  from: number;
  to: number;
}

export interface PortQuery {
  port: number;
  protocol: Protocol;
}

/** Ports that no rule tells apart: one query answers for all of them. */
export interface PortClass {
  rep: PortQuery;
  ranges: PortRange[];
}

export const MAX_PORT = 65535;

/** The classes of the whole port space of every protocol, for the policies of these clusters. */
export function portClasses(clusters: readonly Cluster[]): PortClass[] {
  const numeric = new Map<string, PortMatch>();
  const namedSeen = new Set<string>();
  const named: { name: string; protocol?: Protocol }[] = [];
  for (const cluster of clusters) {
    for (const policy of cluster.policies) {
      for (const rule of [...policy.ingress, ...policy.egress]) {
        for (const pm of rule.ports ?? []) {
          if (pm.type === 'named') {
            const k = `${pm.name}/${pm.protocol ?? ''}`;
            if (!namedSeen.has(k)) named.push({ name: pm.name, ...(pm.protocol ? { protocol: pm.protocol } : {}) });
            namedSeen.add(k);
          } else numeric.set(pm.type === 'range' ? `${pm.protocol}:${pm.from}-${pm.to}` : `${pm.protocol}:*`, pm);
        }
      }
    }
  }
  // a named port can match exactly the container ports of that name: each is a port of its own
  const namedPorts = new Set<string>();
  for (const cluster of clusters) {
    for (const pod of cluster.pods) {
      for (const cp of pod.ports) {
        if (named.some((n) => n.name === cp.name && (n.protocol === undefined || n.protocol === cp.protocol))) namedPorts.add(`${cp.protocol}/${cp.port}`);
      }
    }
  }
  const pms = [...numeric.values()];
  const outside = { kind: 'external' as const };
  const byKey = new Map<string, PortClass>();
  for (const protocol of PROTOCOLS) {
    const cuts = new Set<number>([1, MAX_PORT + 1]);
    for (const pm of pms) if (pm.type === 'range' && pm.protocol === protocol) cuts.add(pm.from).add(pm.to + 1);
    for (const k of namedPorts) {
      const [p, port] = k.split('/') as [Protocol, string];
      if (p === protocol) cuts.add(Number(port)).add(Number(port) + 1);
    }
    const sorted = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const from = sorted[i]!;
      const to = sorted[i + 1]! - 1;
      let key = pms.map((pm) => (portMatches(pm, from, protocol, outside) ? '1' : '0')).join('');
      if (namedPorts.has(`${protocol}/${from}`)) key += `|${protocol}/${from}`;
      let c = byKey.get(key);
      if (!c) byKey.set(key, (c = { rep: { port: from, protocol }, ranges: [] }));
      c.ranges.push({ protocol, from, to });
    }
  }
  return [...byKey.values()];
}

/** The classes restricted to one protocol (each represented by a port of that protocol). */
export function onlyProtocol(classes: readonly PortClass[], protocol: Protocol): PortClass[] {
  return classes.flatMap((c) => {
    const ranges = c.ranges.filter((r) => r.protocol === protocol);
    return ranges.length ? [{ rep: { port: ranges[0]!.from, protocol }, ranges }] : [];
  });
}

/** One port of one protocol (`--port`). */
export function singlePort(port: number, protocol: Protocol): PortClass[] {
  return [{ rep: { port, protocol }, ranges: [{ protocol, from: port, to: port }] }];
}

const protocolRank = (p: Protocol): number => PROTOCOLS.indexOf(p);

/** Sorted, with touching or overlapping ranges of a protocol joined. */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => protocolRank(a.protocol) - protocolRank(b.protocol) || a.from - b.from);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.protocol === r.protocol && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** The ports of `a` that are not in `b`. */
export function subtractRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  const minus = mergeRanges(b);
  for (const r of mergeRanges(a)) {
    let from = r.from;
    for (const m of minus) {
      if (m.protocol !== r.protocol || m.to < from || m.from > r.to) continue;
      if (m.from > from) out.push({ protocol: r.protocol, from, to: m.from - 1 });
      from = m.to + 1;
    }
    if (from <= r.to) out.push({ protocol: r.protocol, from, to: r.to });
  }
  return out;
}

export function intersectRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  return subtractRanges(a, subtractRanges(a, b));
}

/** "TCP 80,443,8000-8999; UDP 53": per protocol, its ranges. */
export function describeRanges(ranges: readonly PortRange[]): string {
  const merged = mergeRanges(ranges);
  const parts: string[] = [];
  for (const protocol of PROTOCOLS) {
    const mine = merged.filter((r) => r.protocol === protocol);
    if (mine.length) parts.push(`${protocol} ${mine.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',')}`);
  }
  return parts.join('; ');
}
