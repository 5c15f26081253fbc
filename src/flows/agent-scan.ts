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
