/**
 * The CloudWatch Logs Insights query that counts the EKS network policy agent's flow events where
 * they are stored, and the reading of its result rows. The agent (enableCloudWatchLogs) writes one
 * event per flow to the log group /aws/eks/CLUSTER/cluster, in log streams named
 * aws-network-policy-agent-audit-UUID, with the message
 *   Node: NODE;SIP: a;SPORT: n;DIP: b;DPORT: m;PROTOCOL: TCP;PolicyVerdict: DENY[;Tier: T]
 * and the event time of when it sent it (aws/aws-network-policy-agent pkg/ebpf/events/events.go,
 * docs/flows-cloudwatch.md). The message names no direction, so tuples have none, as the lines of
 * the same log read from a file have none.
 */
import type { AggregatedFlow } from '../flows/aggregated.js';
import { parseProtocolName, parseVerdict, type FlowRecord } from '../flows/record.js';
import { parseAddress } from '../net/ip.js';

/** The fields of a result row, as the query names them. */
export const FIELDS = { src: 'sip', dst: 'dip', port: 'dport', protocol: 'proto', verdict: 'verdict', count: 'flows', first: 'first', last: 'last' } as const;

/**
 * The query for the flows at or after `since` and before `until` (ms since the epoch). The event
 * time is compared in milliseconds, so spans cut anywhere meet exactly (StartQuery's own range is in
 * whole seconds and inclusive at both ends). Lines are counted per tuple and hour; the source port
 * is left out (it changes with every connection).
 */
export function flowQuery(since: number, until: number): string {
  return [
    'fields toMillis(@timestamp) as ms',
    `| parse @message /SIP: (?<${FIELDS.src}>[^;]+);SPORT: [^;]*;DIP: (?<${FIELDS.dst}>[^;]+);DPORT: (?<${FIELDS.port}>[^;]+);PROTOCOL: (?<${FIELDS.protocol}>[^;]+);PolicyVerdict: (?<${FIELDS.verdict}>[^;]+)/`,
    `| filter ispresent(${FIELDS.verdict}) and ms >= ${Math.floor(since)} and ms < ${Math.ceil(until)}`,
    `| stats count(*) as ${FIELDS.count}, min(ms) as ${FIELDS.first}, max(ms) as ${FIELDS.last} by ${FIELDS.src}, ${FIELDS.dst}, ${FIELDS.port}, ${FIELDS.protocol}, ${FIELDS.verdict}, bin(1h)`,
  ].join('\n');
}

/** A result row as GetQueryResults gives it: every value a string. */
export type QueryRow = Record<string, string | undefined>;

export function rowFromResult(fields: readonly { field?: string; value?: string }[]): QueryRow {
  const row: QueryRow = {};
  for (const f of fields) if (f.field !== undefined) row[f.field] = f.value;
  return row;
}

export type RowResult = { kind: 'flow'; tuple: AggregatedFlow } | { kind: 'skip'; count: number } | { kind: 'malformed'; count: number; reason: string };

/** One row: a tuple, lines that are not policy flows (ICMP and friends, as for files), or a broken row. */
export function readRow(row: QueryRow): RowResult {
  const count = Number(row[FIELDS.count]);
  if (!Number.isInteger(count) || count < 1) return { kind: 'malformed', count: 0, reason: `a result row without a count of lines (${JSON.stringify(row[FIELDS.count])})` };
  const bad = (reason: string): RowResult => ({ kind: 'malformed', count, reason });
  const src = parseAddress(row[FIELDS.src] ?? '');
  if (!src) return bad(`invalid source address ${JSON.stringify(row[FIELDS.src])}`);
  const dst = parseAddress(row[FIELDS.dst] ?? '');
  if (!dst) return bad(`invalid destination address ${JSON.stringify(row[FIELDS.dst])}`);
  const dstPort = Number(row[FIELDS.port]);
  if (!/^\s*\d+\s*$/.test(row[FIELDS.port] ?? '') || dstPort > 65535) return bad(`invalid destination port ${JSON.stringify(row[FIELDS.port])}`);
  const protocol = parseProtocolName(row[FIELDS.protocol] ?? '');
  if (!protocol) return { kind: 'skip', count }; // policies speak of TCP, UDP and SCTP only
  const verdict = parseVerdict(row[FIELDS.verdict] ?? '');
  if (!verdict) return bad(`unknown verdict ${JSON.stringify(row[FIELDS.verdict])}`);
  const first = insightsTime(row[FIELDS.first]);
  const last = insightsTime(row[FIELDS.last]);
  if (first === undefined || last === undefined || last < first) return bad(`invalid first/last times ${JSON.stringify(row[FIELDS.first])}, ${JSON.stringify(row[FIELDS.last])}`);
  const flow: FlowRecord = { src, dst, dstPort, protocol, verdict };
  return { kind: 'flow', tuple: { flow, count, first, last } };
}

/** Milliseconds as the query computes them; Insights' own timestamp text (`2026-11-20 08:00:00.000`, UTC) too. */
function insightsTime(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?([eE][+]?\d+)?$/.test(t)) return Math.round(Number(t)); // 1795161600000, or 1.7951616E12
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
