/** Could two rules match the same connection? Used by conflict and shadowing checks. */
import { and, isEmpty } from '../engine/bitset.js';
import { cidrWithin } from '../net/ip.js';
import { domainMatches } from '../policy/domains.js';
import type { Peer, PortMatch, Rule } from '../policy/types.js';
import type { AuditContext } from './context.js';

export function peersOverlap(ctx: AuditContext, a: Rule, b: Rule): boolean {
  if (!a.peers || !b.peers) return true;
  return a.peers.some((x) => b.peers!.some((y) => peerPairOverlaps(ctx, x, y)));
}

function peerPairOverlaps(ctx: AuditContext, x: Peer, y: Peer): boolean {
  if (x.type === 'ipBlock' && y.type === 'ipBlock') return cidrWithin(x.cidr, y.cidr) || cidrWithin(y.cidr, x.cidr);
  if (x.type === 'domains' && y.type === 'domains') return x.patterns.some((p) => y.patterns.some((q) => p === q || domainMatches(p, q.replace(/^\*\./, 'x.')) || domainMatches(q, p.replace(/^\*\./, 'x.'))));
  if (x.type === 'domains' || y.type === 'domains') return false;
  // pods, nodes and CIDRs over pod addresses: compare the pods they match
  return !isEmpty(and(ctx.classes.peer(x), ctx.classes.peer(y)));
}

export function portsOverlap(a: Rule, b: Rule): boolean {
  if (!a.ports || !b.ports) return true;
  return a.ports.some((x) => b.ports!.some((y) => portPairOverlaps(x, y)));
}

function portPairOverlaps(x: PortMatch, y: PortMatch): boolean {
  if (x.type === 'named' || y.type === 'named') return true; // may resolve to any number
  if (x.protocol !== y.protocol) return false;
  if (x.type === 'protocol' || y.type === 'protocol') return true;
  return x.from <= y.to && y.from <= x.to;
}

/** Does `outer` match every connection `inner` matches? (Syntactic: same peers and ports, or broader.) */
export function covers(outer: Rule, inner: Rule): boolean {
  // CIDRs hold bigint addresses: print them as text
  const peerKey = (p: Peer): string => JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const everyPod = (p: Peer): boolean => p.type === 'pods' && p.selection.pods.key === '{}' && p.selection.namespaces.kind === 'selector' && p.selection.namespaces.selector.key === '{}';
  const peersCovered =
    !outer.peers ||
    (inner.peers !== undefined &&
      inner.peers.every((p) => outer.peers!.some((o) => peerKey(o) === peerKey(p) || (p.type === 'pods' && everyPod(o)) || (p.type === 'ipBlock' && o.type === 'ipBlock' && o.except.length === 0 && cidrWithin(p.cidr, o.cidr)))));
  const portKey = (p: PortMatch): string => JSON.stringify(p);
  const portsCovered =
    !outer.ports ||
    (inner.ports !== undefined &&
      inner.ports.every((p) => outer.ports!.some((o) => portKey(o) === portKey(p) || (o.type === 'protocol' && p.type !== 'named' && o.protocol === p.protocol) || (o.type === 'range' && p.type === 'range' && o.protocol === p.protocol && o.from <= p.from && p.to <= o.to))));
  return peersCovered && portsCovered;
}
