/**
 * Line parsers for every flow log podwall reads. Each recognises its own lines, returns `skip`
 * for lines of the same log that are not flows, and `malformed` with a reason for broken ones.
 */
import { parseAddress, type Address } from '../net/ip.js';
import { isoMillis, scanAgentFields } from './agent-scan.js';
import { malformed, parseProtocolName, parseTime, parseVerdict, SKIP, type FlowFormat, type FlowRecord, type LineResult } from './record.js';

// The agent's message, in all its versions: "Src IP: a Src Port: n Dest IP: b Dest Port: m"
// then "Proto[:] P Verdict[:] V[ Direction[:] D[,] Tier[:] T]", or a Go "%!(EXTRA string=P, string=V)".
const AGENT_MESSAGE =
  /Src IP:\s*(\S+)\s+Src Port:\s*(\d+)\s+Dest IP:\s*(\S+)\s+Dest Port:\s*(\d+)(?:%!\(EXTRA string=(\w+), string=([\w/]+)\))?(?:\s+Proto:?\s+(\w+))?(?:\s+Verdict:?\s+([\w/]+))?(?:\s+Direction:?\s+(\w+),?)?(?:\s+Tier:?\s+(\w+))?/;

// Addresses repeat from line to line: parse each text once.
const addressCache = new Map<string, Address | undefined>();
function address(text: string): Address | undefined {
  let a = addressCache.get(text);
  if (a === undefined && !addressCache.has(text)) {
    if (addressCache.size > 100_000) addressCache.clear();
    a = parseAddress(text);
    addressCache.set(text, a);
  }
  return a;
}

function build(f: {
  time?: string | number;
  /** The time already read (the agent's fast path). */
  ms?: number;
  src: string;
  srcPort?: string | number;
  dst: string;
  dstPort: string | number;
  protocol: string | undefined;
  verdict: string | undefined;
  direction?: string | undefined;
  tier?: string | undefined;
  node?: string;
}): LineResult {
  const src = address(String(f.src));
  if (!src) return malformed(`invalid source address ${JSON.stringify(f.src)}`);
  const dst = address(String(f.dst));
  if (!dst) return malformed(`invalid destination address ${JSON.stringify(f.dst)}`);
  const dstPort = Number(f.dstPort);
  if (!Number.isInteger(dstPort) || dstPort < 0 || dstPort > 65535) return malformed(`invalid destination port ${JSON.stringify(f.dstPort)}`);
  if (f.protocol === undefined) return malformed('no protocol');
  const protocol = parseProtocolName(f.protocol);
  if (!protocol) return SKIP; // ICMP and friends: policies speak of TCP, UDP and SCTP only
  if (f.verdict === undefined) return malformed('no verdict');
  const verdict = parseVerdict(f.verdict);
  if (!verdict) return malformed(`unknown verdict ${JSON.stringify(f.verdict)}`);
  const flow: FlowRecord = { src, dst, dstPort, protocol, verdict };
  const time = f.ms ?? parseTime(f.time);
  if (time !== undefined) flow.time = time;
  if (f.srcPort !== undefined && f.srcPort !== '') flow.srcPort = Number(f.srcPort);
  const dir = f.direction?.toLowerCase();
  if (dir === 'ingress' || dir === 'egress') flow.direction = dir;
  if (f.tier) flow.tier = f.tier.toUpperCase();
  if (f.node) flow.node = f.node;
  return { kind: 'flow', flow };
}

/** /var/log/aws-routed-eni/network-policy-agent.log: zap JSON lines. */
export function parseAgentLine(line: string): LineResult {
  const fields = scanAgentFields(line);
  if (fields) {
    const msg = fields.msg ?? '';
    if (!msg.startsWith('Flow Info')) return SKIP;
    const time = fields.ts ?? fields.time ?? fields.timestamp;
    const ms = time === undefined ? undefined : isoMillis(time);
    return agentMessage(msg, time, ms);
  }
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return malformed('not a JSON log line');
  }
  const msg = typeof o.msg === 'string' ? o.msg : '';
  if (!msg.startsWith('Flow Info')) return SKIP;
  const time = (o.ts ?? o.time ?? o.timestamp) as string | number | undefined;
  if ('Src IP' in o) {
    // before v1.2.2: structured fields
    return build({ time, src: String(o['Src IP']), srcPort: o['Src Port'] as number, dst: String(o['Dest IP']), dstPort: o['Dest Port'] as number, protocol: o.Proto as string | undefined, verdict: o.Verdict as string | undefined });
  }
  return agentMessage(msg, time, undefined);
}

// (no object spread here: V8 builds such a literal far slower than a plain one)
function agentMessage(msg: string, time: string | number | undefined, ms: number | undefined): LineResult {
  const m = AGENT_MESSAGE.exec(msg);
  if (!m) return malformed('a Flow Info message podwall cannot read');
  return build({ time, ms, src: m[1]!, srcPort: m[2]!, dst: m[3]!, dstPort: m[4]!, protocol: m[7] ?? m[5], verdict: m[8] ?? m[6], direction: m[9], tier: m[10] });
}

/** The agent's CloudWatch Logs events (`Node: ...;SIP: ...;...;PolicyVerdict: DENY[;Tier: T]`), as exported to a file. */
export function parseCloudWatchLine(line: string): LineResult {
  let text = line.trim();
  let time: string | number | undefined;
  if (text.startsWith('{')) {
    try {
      const o = JSON.parse(text) as { message?: string; timestamp?: number | string };
      text = o.message ?? '';
      time = o.timestamp;
    } catch {
      return malformed('not a JSON log event');
    }
  }
  const at = text.indexOf('Node:');
  if (at < 0 || !text.includes(';SIP:')) return SKIP;
  const prefix = text.slice(0, at).trim().split(/\s+/).pop();
  if (time === undefined && prefix) time = prefix;
  const fields: Record<string, string> = {};
  for (const part of text.slice(at).split(';')) {
    const i = part.indexOf(':');
    if (i > 0) fields[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  if (!fields.SIP || !fields.DIP || fields.DPORT === undefined) return malformed('missing SIP, DIP or DPORT');
  return build({ time, src: fields.SIP, srcPort: fields.SPORT, dst: fields.DIP, dstPort: fields.DPORT, protocol: fields.PROTOCOL, verdict: fields.PolicyVerdict, ...(fields.Tier ? { tier: fields.Tier } : {}), ...(fields.Node ? { node: fields.Node } : {}) });
}

/** VPC Flow Logs, default version 2 format. */
export function parseVpcLine(line: string): LineResult {
  const f = line.trim().split(/\s+/);
  if (f[0] === 'version') return SKIP; // header
  if (f.length !== 14) return malformed(`expected 14 fields of the version 2 format, got ${f.length}`);
  if (f[13] !== 'OK') return SKIP; // NODATA / SKIPDATA records carry no flow
  const action = f[12] === 'REJECT' ? 'DENY' : f[12];
  return build({ time: f[10], src: f[3]!, srcPort: f[5], dst: f[4]!, dstPort: f[6]!, protocol: f[7], verdict: action });
}

const CSV_HEADER = ['time', 'src', 'dst', 'dst_port', 'protocol', 'verdict'];

/** The generic CSV: `time,src,dst,dst_port,protocol,verdict` (header required). */
export function parseCsvLine(line: string): LineResult {
  const f = line.split(',').map((x) => x.trim());
  if (f.join(',').toLowerCase() === CSV_HEADER.join(',')) return SKIP;
  if (f.length !== 6) return malformed(`expected 6 comma-separated fields (${CSV_HEADER.join(',')}), got ${f.length}`);
  return build({ time: f[0], src: f[1]!, dst: f[2]!, dstPort: f[3]!, protocol: f[4], verdict: f[5] });
}

/** The generic JSON lines: `{"time", "src", "dst", "dst_port", "protocol", "verdict"}`. */
export function parseJsonlLine(line: string): LineResult {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return malformed('not a JSON object');
  }
  if (o.src === undefined || o.dst === undefined) return malformed('needs src and dst');
  return build({
    time: o.time as string | number | undefined,
    src: String(o.src),
    dst: String(o.dst),
    dstPort: (o.dst_port ?? o.dstPort ?? o.port) as number,
    protocol: o.protocol === undefined ? 'TCP' : String(o.protocol),
    verdict: o.verdict === undefined ? undefined : String(o.verdict),
  });
}

export const PARSERS: Record<FlowFormat, (line: string) => LineResult> = {
  agent: parseAgentLine,
  cloudwatch: parseCloudWatchLine,
  vpc: parseVpcLine,
  csv: parseCsvLine,
  jsonl: parseJsonlLine,
};

/** Guesses the format from the first lines of a file. */
export function detectFormat(lines: readonly string[]): FlowFormat | undefined {
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (line.includes(';SIP:') && line.includes('PolicyVerdict')) return 'cloudwatch';
    if (line.startsWith('{')) {
      if (line.includes('"msg"') || line.includes('"level"')) return 'agent';
      if (line.includes('"src"')) return 'jsonl';
      if (line.includes('"message"')) return 'cloudwatch';
      continue;
    }
    if (line.startsWith('version account-id') || /^2 \S+ \S+ \S+ \S+ /.test(line)) return 'vpc';
    if (line.toLowerCase().replace(/\s/g, '').startsWith('time,src,dst')) return 'csv';
  }
  return undefined;
}
