/**
 * The agent's zap lines without JSON.parse: a flat object whose values are all plain strings (no
 * escapes, no control characters) is read by a scanner that keeps only the fields a flow needs.
 * Anything else (numbers, nesting, escapes, broken JSON) answers undefined, and the caller falls
 * back to JSON.parse, so what is accepted here means exactly what JSON.parse would make of it.
 */

export interface AgentFields {
  msg?: string;
  ts?: string;
  time?: string;
  timestamp?: string;
}

const QUOTE = 34;

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else return i;
  }
}

/** The end (index of the closing quote) of a string starting after its opening quote, or -1 (the line has no escapes). */
function plainStringEnd(s: string, i: number): number {
  return s.indexOf('"', i);
}

// escapes and control characters (tabs too) are left to JSON.parse
const UNPLAIN = /[\\\x00-\x1f]/;

/** The fields of a flat all-string JSON object; undefined when the line is anything else. */
export function scanAgentFields(line: string): AgentFields | undefined {
  if (UNPLAIN.test(line)) return undefined;
  const out: AgentFields = {};
  let i = skipSpace(line, 0);
  if (line.charCodeAt(i) !== 123) return undefined; // {
  i = skipSpace(line, i + 1);
  if (line.charCodeAt(i) === 125) return skipSpace(line, i + 1) === line.length ? out : undefined;
  for (;;) {
    if (line.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = plainStringEnd(line, i + 1);
    if (keyEnd < 0) return undefined;
    const keyStart = i + 1;
    i = skipSpace(line, keyEnd + 1);
    if (line.charCodeAt(i) !== 58) return undefined; // :
    i = skipSpace(line, i + 1);
    if (line.charCodeAt(i) !== QUOTE) return undefined; // only string values are read here
    const valueEnd = plainStringEnd(line, i + 1);
    if (valueEnd < 0) return undefined;
    const keyLength = keyEnd - keyStart;
    // later duplicates win, as in JSON.parse
    if (keyLength === 3 && line.startsWith('msg', keyStart)) out.msg = line.slice(i + 1, valueEnd);
    else if (keyLength === 2 && line.startsWith('ts', keyStart)) out.ts = line.slice(i + 1, valueEnd);
    else if (keyLength === 4 && line.startsWith('time', keyStart)) out.time = line.slice(i + 1, valueEnd);
    else if (keyLength === 9 && line.startsWith('timestamp', keyStart)) out.timestamp = line.slice(i + 1, valueEnd);
    else if (keyLength === 6 && line.startsWith('Src IP', keyStart)) return undefined; // the structured form: the slow path reads it
    i = skipSpace(line, valueEnd + 1);
    const c = line.charCodeAt(i);
    if (c === 44) {
      i = skipSpace(line, i + 1);
      continue;
    }
    if (c !== 125) return undefined;
    return skipSpace(line, i + 1) === line.length ? out : undefined;
  }
}

const DAY_BASE = new Map<string, number>();

/**
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` (zap's UTC encoding) in milliseconds, as Date.parse reads it: the
 * day from a cache, the rest by arithmetic. undefined for any other shape (the caller parses it).
 */
export function isoMillis(t: string): number | undefined {
  if (t.length !== 24 || t.charCodeAt(23) !== 90 || t.charCodeAt(10) !== 84 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46) return undefined;
  const h = digits(t, 11, 2);
  const m = digits(t, 14, 2);
  const s = digits(t, 17, 2);
  const ms = digits(t, 20, 3);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59 || ms < 0) return undefined;
  const day = t.slice(0, 10);
  let base = DAY_BASE.get(day);
  if (base === undefined) {
    base = Date.parse(`${day}T00:00:00.000Z`);
    if (DAY_BASE.size > 10_000) DAY_BASE.clear();
    DAY_BASE.set(day, base);
  }
  if (Number.isNaN(base)) return undefined;
  return base + h * 3_600_000 + m * 60_000 + s * 1000 + ms;
}

function digits(t: string, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) {
    const c = t.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * What scanAgentBytes found in a line: where the connection's fields are (the source address, and
 * the run from the destination address to the verdict or direction), the source port, the time.
 */
export interface AgentBytes {
  srcStart: number;
  srcEnd: number;
  restStart: number;
  restEnd: number;
  srcPort: number;
  /** Milliseconds; NaN when the line has no time field. */
  time: number;
  /**
   * The connection as three numbers when its fields are in their one plain spelling (dotted-quad
   * IPv4 without leading zeros, a port without leading zeros, TCP/UDP/SCTP, ACCEPT/DENY/
   * EXPIRED/DELETED, ingress/egress or no direction): equal numbers then mean equal field bytes, so
   * a table of numbers (ipv4-tuples.ts) replaces one of bytes. `meta` is -1 for any other spelling.
   */
  srcIp: number;
  dstIp: number;
  meta: number;
}

/** The line is not one the byte scanner reads: the string path (parseAgentLine) decides it. */
export const BYTES_SLOW = 0;
/** A Flow Info line of the usual shape: its fields are in the AgentBytes. */
export const BYTES_FLOW = 1;
/** Another log message: the line is a `skip`. */
export const BYTES_SKIP = 2;

const SPACE = 32;
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const K_MSG = ascii('msg');
const K_TS = ascii('ts');
const K_TIME = ascii('time');
const K_TIMESTAMP = ascii('timestamp');
const K_SRC_IP = ascii('Src IP');
const FLOW_INFO = ascii('Flow Info');
const HEAD = ascii('Flow Info: Src IP: ');
const SRC_PORT = ascii(' Src Port: ');
const DEST_IP = ascii(' Dest IP: ');
const DEST_PORT = ascii(' Dest Port: ');
const PROTO = ascii(' Proto ');
const VERDICT = ascii(' Verdict ');
const DIRECTION = ascii(' Direction ');
const TIER = ascii(', Tier ');

function isKey(b: Uint8Array, at: number, end: number, key: number[]): boolean {
  if (end - at !== key.length) return false;
  for (let k = 0; k < key.length; k++) if (b[at + k] !== key[k]) return false;
  return true;
}

function has(b: Uint8Array, at: number, end: number, lit: number[]): boolean {
  if (end - at < lit.length) return false;
  for (let k = 0; k < lit.length; k++) if (b[at + k] !== lit[k]) return false;
  return true;
}

/** Bytes of a plain string (0), its closing quote (1), and what the string path reads instead (2): escapes, control and non-ASCII bytes. */
const STRING_BYTE = new Uint8Array(256).map((_, c) => (c === QUOTE ? 1 : c === 92 || c < 32 || c > 126 ? 2 : 0));

/** The end of a plain string starting at `i` (after its quote), or -1: escapes, control and non-ASCII bytes are left to the string path. */
function stringEnd(b: Uint8Array, i: number, end: number): number {
  // one table load per byte: this loop sees every byte of every line
  for (; i < end; i++) {
    const k = STRING_BYTE[b[i]!]!;
    if (k === 0) continue;
    return k === 1 ? i : -1;
  }
  return -1;
}

/** A dotted-quad IPv4 address in [s, e) without leading zeros, as a number; -1 for any other text. */
function plainIpv4(b: Uint8Array, s: number, e: number): number {
  let v = 0;
  let octets = 0;
  let i = s;
  for (;;) {
    const from = i;
    let x = 0;
    while (i < e && b[i]! >= 48 && b[i]! <= 57 && i - from < 3) x = x * 10 + b[i++]! - 48;
    if (i === from || x > 255 || (b[from] === 48 && i - from > 1)) return -1;
    v = v * 256 + x;
    if (++octets === 4) return i === e ? v : -1;
    if (i >= e || b[i] !== 46) return -1;
    i++;
  }
}

/** A port in [s, e) (digits only) without leading zeros and at most 65535; -1 otherwise. */
function plainPort(b: Uint8Array, s: number, e: number): number {
  if (e - s > 5 || (b[s] === 48 && e - s > 1)) return -1;
  const v = num(b, s, e - s);
  return v > 65535 ? -1 : v;
}

const W_TCP = ascii('TCP');
const W_UDP = ascii('UDP');
const W_SCTP = ascii('SCTP');
const W_ACCEPT = ascii('ACCEPT');
const W_DENY = ascii('DENY');
const W_EXPIRED = ascii('EXPIRED/DELETED');
const W_INGRESS = ascii('ingress');
const W_EGRESS = ascii('egress');

/** 1, 2, 3 for the first, second or third word the run [s, e) is exactly, else 0. */
function wordCode(b: Uint8Array, s: number, e: number, w1: number[], w2: number[], w3: number[] | undefined): number {
  return isKey(b, s, e, w1) ? 1 : isKey(b, s, e, w2) ? 2 : w3 && isKey(b, s, e, w3) ? 3 : 0;
}

function wordEnd(b: Uint8Array, i: number, end: number, slash: boolean): number {
  for (; i < end; i++) {
    const c = b[i]!;
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (slash && c === 47))) break;
  }
  return i;
}

function digitsEnd(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i]! >= 48 && b[i]! <= 57) i++;
  return i;
}

const DAY_BY_NUMBER = new Map<number, number>();
let lastDayKey = -1;
let lastDayBase = NaN;

/** isoMillis on bytes: the same answer, or NaN where isoMillis has none (the string path then decides). */
function isoMillisBytes(b: Uint8Array, at: number, end: number): number {
  if (end - at !== 24 || b[at + 23] !== 90 || b[at + 10] !== 84 || b[at + 13] !== 58 || b[at + 16] !== 58 || b[at + 19] !== 46 || b[at + 4] !== 45 || b[at + 7] !== 45) return NaN;
  const y = num(b, at, 4);
  const mo = num(b, at + 5, 2);
  const d = num(b, at + 8, 2);
  const h = num(b, at + 11, 2);
  const m = num(b, at + 14, 2);
  const s = num(b, at + 17, 2);
  const ms = num(b, at + 20, 3);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59 || ms < 0) return NaN;
  const dayKey = y * 10000 + mo * 100 + d;
  // a log's lines run through one day after another: the last day answers most lines without a lookup
  if (dayKey === lastDayKey) return lastDayBase + h * 3_600_000 + m * 60_000 + s * 1000 + ms;
  let base = DAY_BY_NUMBER.get(dayKey);
  if (base === undefined) {
    // the day as isoMillis reads it: Date.parse of the text
    base = Date.parse(`${String.fromCharCode(...b.subarray(at, at + 10))}T00:00:00.000Z`);
    if (DAY_BY_NUMBER.size > 10_000) DAY_BY_NUMBER.clear();
    DAY_BY_NUMBER.set(dayKey, base);
  }
  lastDayKey = dayKey;
  lastDayBase = base;
  return base + h * 3_600_000 + m * 60_000 + s * 1000 + ms;
}

function num(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) {
    const c = b[k]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * An agent line in bytes [start, end) (no line end), without making a string: a flat object of plain
 * ASCII string values (what scanAgentFields reads) whose msg is the usual Flow Info shape, single
 * spaced: `Flow Info: Src IP: A Src Port: N Dest IP: B Dest Port: M Proto P Verdict V[ Direction D,
 * Tier T]`. There AGENT_MESSAGE's groups are exactly these runs, so the line means what
 * parseAgentLine makes of it. Anything else answers BYTES_SLOW.
 */
export function scanAgentBytes(b: Uint8Array, start: number, end: number, out: AgentBytes): number {
  let i = start;
  while (i < end && b[i] === SPACE) i++;
  if (b[i] !== 123 || i >= end) return BYTES_SLOW;
  i++;
  while (i < end && b[i] === SPACE) i++;
  let msgAt = -1;
  let msgEnd = -1;
  let tsAt = -1;
  let tsEnd = -1;
  let timeAt = -1;
  let timeEnd = -1;
  let stampAt = -1;
  let stampEnd = -1;
  if (b[i] === 125) i++;
  else {
    for (;;) {
      if (i >= end || b[i] !== QUOTE) return BYTES_SLOW;
      const ks = i + 1;
      const ke = stringEnd(b, ks, end);
      if (ke < 0) return BYTES_SLOW;
      i = ke + 1;
      while (i < end && b[i] === SPACE) i++;
      if (i >= end || b[i] !== 58) return BYTES_SLOW;
      i++;
      while (i < end && b[i] === SPACE) i++;
      if (i >= end || b[i] !== QUOTE) return BYTES_SLOW;
      const vs = i + 1;
      const ve = stringEnd(b, vs, end);
      if (ve < 0) return BYTES_SLOW;
      // later duplicates win, as in JSON.parse
      if (isKey(b, ks, ke, K_MSG)) {
        msgAt = vs;
        msgEnd = ve;
      } else if (isKey(b, ks, ke, K_TS)) {
        tsAt = vs;
        tsEnd = ve;
      } else if (isKey(b, ks, ke, K_TIME)) {
        timeAt = vs;
        timeEnd = ve;
      } else if (isKey(b, ks, ke, K_TIMESTAMP)) {
        stampAt = vs;
        stampEnd = ve;
      } else if (isKey(b, ks, ke, K_SRC_IP)) return BYTES_SLOW;
      i = ve + 1;
      while (i < end && b[i] === SPACE) i++;
      if (i < end && b[i] === 44) {
        i++;
        while (i < end && b[i] === SPACE) i++;
        continue;
      }
      if (i >= end || b[i] !== 125) return BYTES_SLOW;
      i++;
      break;
    }
  }
  while (i < end && b[i] === SPACE) i++;
  if (i !== end) return BYTES_SLOW;
  if (msgAt < 0 || !has(b, msgAt, msgEnd, FLOW_INFO)) return BYTES_SKIP;
  // the message
  let p = msgAt + HEAD.length;
  if (!has(b, msgAt, msgEnd, HEAD)) return BYTES_SLOW;
  const srcStart = p;
  while (p < msgEnd && b[p] !== SPACE) p++;
  if (p === srcStart || !has(b, p, msgEnd, SRC_PORT)) return BYTES_SLOW;
  const srcEnd = p;
  p += SRC_PORT.length;
  const portStart = p;
  p = digitsEnd(b, p, msgEnd);
  if (p === portStart || p - portStart > 9 || !has(b, p, msgEnd, DEST_IP)) return BYTES_SLOW;
  const srcPort = num(b, portStart, p - portStart);
  const restStart = p + DEST_IP.length;
  p = restStart;
  while (p < msgEnd && b[p] !== SPACE) p++;
  if (p === restStart || !has(b, p, msgEnd, DEST_PORT)) return BYTES_SLOW;
  const dstEnd = p;
  p += DEST_PORT.length;
  const dportStart = p;
  p = digitsEnd(b, p, msgEnd);
  if (p === dportStart || !has(b, p, msgEnd, PROTO)) return BYTES_SLOW;
  const dportEnd = p;
  p += PROTO.length;
  const protoStart = p;
  p = wordEnd(b, p, msgEnd, false);
  if (p === protoStart || !has(b, p, msgEnd, VERDICT)) return BYTES_SLOW;
  const protoEnd = p;
  p += VERDICT.length;
  const verdictStart = p;
  p = wordEnd(b, p, msgEnd, true);
  if (p === verdictStart) return BYTES_SLOW;
  let restEnd = p;
  const verdictEnd = p;
  let dirCode = 0;
  if (p !== msgEnd) {
    if (!has(b, p, msgEnd, DIRECTION)) return BYTES_SLOW;
    p += DIRECTION.length;
    const dirStart = p;
    p = wordEnd(b, p, msgEnd, false);
    if (p === dirStart || !has(b, p, msgEnd, TIER)) return BYTES_SLOW;
    dirCode = wordCode(b, dirStart, p, W_INGRESS, W_EGRESS, undefined);
    if (dirCode === 0) dirCode = -1;
    restEnd = p;
    p += TIER.length;
    const tierStart = p;
    p = wordEnd(b, p, msgEnd, false);
    if (p === tierStart || p !== msgEnd) return BYTES_SLOW;
  }
  // the time: ts, else time, else timestamp, as parseAgentLine picks it
  let time = NaN;
  const ta = tsAt >= 0 ? tsAt : timeAt >= 0 ? timeAt : stampAt;
  const te = tsAt >= 0 ? tsEnd : timeAt >= 0 ? timeEnd : stampEnd;
  if (ta >= 0) {
    time = isoMillisBytes(b, ta, te);
    if (time !== time) return BYTES_SLOW;
  }
  out.srcStart = srcStart;
  out.srcEnd = srcEnd;
  out.restStart = restStart;
  out.restEnd = restEnd;
  out.srcPort = srcPort;
  out.time = time;
  out.meta = -1;
  const proto = wordCode(b, protoStart, protoEnd, W_TCP, W_UDP, W_SCTP);
  const verdict = wordCode(b, verdictStart, verdictEnd, W_ACCEPT, W_DENY, W_EXPIRED);
  const dport = plainPort(b, dportStart, dportEnd);
  if (proto === 0 || verdict === 0 || dirCode < 0 || dport < 0) return BYTES_FLOW;
  const srcIp = plainIpv4(b, srcStart, srcEnd);
  const dstIp = srcIp < 0 ? -1 : plainIpv4(b, restStart, dstEnd);
  if (dstIp < 0) return BYTES_FLOW;
  out.srcIp = srcIp;
  out.dstIp = dstIp;
  // 16 bits of port, 2 of protocol, 2 of verdict, 2 of direction
  out.meta = dport | (proto << 16) | (verdict << 18) | (dirCode << 20);
  return BYTES_FLOW;
}
