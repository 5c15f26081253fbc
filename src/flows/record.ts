import type { Protocol } from '../net/protocol.js';
import type { Address } from '../net/ip.js';

export type FlowVerdict = 'allow' | 'deny' | 'expired';
export type FlowFormat = 'agent' | 'cloudwatch' | 'vpc' | 'csv' | 'jsonl';

/** One observed flow, whatever log it came from. */
export interface FlowRecord {
  /** Milliseconds since the epoch, when the log says. */
  time?: number;
  src: Address;
  srcPort?: number;
  dst: Address;
  dstPort: number;
  protocol: Protocol;
  verdict: FlowVerdict;
  /** The side the agent logged (v1.3.0 and later). */
  direction?: 'ingress' | 'egress';
  /** ADMIN, NETWORK_POLICY, BASELINE, DEFAULT (v1.3.0 and later). */
  tier?: string;
  node?: string;
}

/** A line that is a flow, one that is not (another log message), or one that is broken. */
export type LineResult = { kind: 'flow'; flow: FlowRecord } | { kind: 'skip' } | { kind: 'malformed'; reason: string };

export const SKIP: LineResult = { kind: 'skip' };
export const malformed = (reason: string): LineResult => ({ kind: 'malformed', reason });

export function parseVerdict(v: string): FlowVerdict | undefined {
  switch (v.trim().toUpperCase()) {
    case 'ACCEPT':
    case 'ALLOW':
    case 'ALLOWED':
    case 'FORWARDED':
      return 'allow';
    case 'DENY':
    case 'DENIED':
    case 'DROP':
    case 'DROPPED':
    case 'REJECT':
      return 'deny';
    case 'EXPIRED/DELETED':
    case 'EXPIRED':
    case 'DELETED':
      return 'expired';
  }
  return undefined;
}

export function parseProtocolName(p: string): Protocol | undefined {
  const u = p.trim().toUpperCase();
  if (u === 'TCP' || u === '6') return 'TCP';
  if (u === 'UDP' || u === '17') return 'UDP';
  if (u === 'SCTP' || u === '132') return 'SCTP';
  return undefined;
}

/** ISO 8601 (zap's encoder, CloudWatch exports) or epoch seconds/milliseconds. */
export function parseTime(t: string | number | undefined): number | undefined {
  if (t === undefined || t === '') return undefined;
  if (typeof t === 'number' || /^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n > 1e12 ? n : n * 1000;
  }
  const ms = Date.parse(t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? undefined : ms;
}
