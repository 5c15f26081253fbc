/**
 * A connection between IPv4 addresses in its one plain spelling (dotted quads without leading
 * zeros) as three numbers: source, destination, and `meta` packing the port (16 bits), protocol
 * (TCP 1, UDP 2, SCTP 3), verdict (allow 1, deny 2, expired 3) and logged side (none 0, ingress 1,
 * egress 2). The numbers stand for exactly the connection's key (tally.ts), so tables of numbers
 * (ipv4-tuples.ts) find such connections without a key string, and the byte scanner
 * (agent-scan.ts), which packs an agent line's fields the same way, counts its lines without
 * parsing them: plainRecord makes the record parseAgentLine would make of such a line.
 */
import type { Address } from '../net/ip.js';
import type { Protocol } from '../net/protocol.js';
import type { FlowRecord } from './record.js';

/** The addresses plainMeta found last (no object per call). */
export const plainSpelling = { src: 0, dst: 0 };

/** A dotted-quad IPv4 text without leading zeros as its number; -1 for any other text. */
export function plainV4(t: string): number {
  let v = 0;
  let octets = 0;
  let i = 0;
  const e = t.length;
  for (;;) {
    const from = i;
    let x = 0;
    for (let c = t.charCodeAt(i); i < e && c >= 48 && c <= 57 && i - from < 3; c = t.charCodeAt(++i)) x = x * 10 + c - 48;
    if (i === from || x > 255 || (t.charCodeAt(from) === 48 && i - from > 1)) return -1;
    v = v * 256 + x;
    if (++octets === 4) return i === e ? v : -1;
    if (t.charCodeAt(i) !== 46) return -1;
    i++;
  }
}

const PROTOCOLS = [undefined, 'TCP', 'UDP', 'SCTP'] as const;
/** Each protocol's number in `meta` (its index in PROTOCOLS), which caches of flows key by too. */
export const PROTOCOL_CODE: Record<Protocol, number> = { TCP: 1, UDP: 2, SCTP: 3 };
const VERDICTS = [undefined, 'allow', 'deny', 'expired'] as const;
const SIDES = [undefined, 'ingress', 'egress'] as const;

/** The flow's meta when it is in the plain spelling (its addresses then in plainSpelling), else -1. */
export function plainMeta(flow: FlowRecord): number {
  const src = plainV4(flow.src.text);
  if (src < 0) return -1;
  const dst = plainV4(flow.dst.text);
  if (dst < 0) return -1;
  plainSpelling.src = src;
  plainSpelling.dst = dst;
  const protocol = PROTOCOLS.indexOf(flow.protocol);
  const verdict = VERDICTS.indexOf(flow.verdict);
  const side = SIDES.indexOf(flow.direction);
  if (protocol < 1 || verdict < 1 || side < 0) return -1;
  return flow.dstPort | (protocol << 16) | (verdict << 18) | (side << 20);
}

// addresses repeat over connections: one object per address
const addresses = new Map<number, Address>();

function address(v: number): Address {
  let a = addresses.get(v);
  if (!a) {
    if (addresses.size > 100_000) addresses.clear();
    a = { family: 4, value: BigInt(v), text: `${Math.floor(v / 16777216)}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}` };
    addresses.set(v, a);
  }
  return a;
}

/** The connection's record (no time, no source port): what plainMeta answered these numbers for. */
export function plainRecord(src: number, dst: number, meta: number): FlowRecord {
  const flow: FlowRecord = { src: address(src), dst: address(dst), dstPort: meta & 0xffff, protocol: PROTOCOLS[(meta >>> 16) & 3]!, verdict: VERDICTS[(meta >>> 18) & 3]! };
  const side = SIDES[(meta >>> 20) & 3];
  if (side) flow.direction = side;
  return flow;
}
