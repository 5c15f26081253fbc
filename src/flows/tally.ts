/**
 * Flow lines counted before they are attributed: real traffic repeats its connections, so identical
 * (source, destination, port, protocol, verdict, direction, hour) tuples are counted first and each
 * distinct tuple is attributed once, with its count. For the agent's usual zap line the tuple is
 * recognised from the raw text (everything but the sub-hour part of `ts` and the source port), and
 * only the first line of each is parsed in full; every other line goes through its format's parser.
 */
import { PARSERS } from './formats.js';
import type { FlowFormat, FlowRecord, LineResult } from './record.js';

/** Where counted flows go: `time` is the group's earliest, `last` its latest. */
export interface TallySink {
  add(flow: FlowRecord & { file?: string; line?: number }, count: number, last?: number): void;
}

interface Group {
  /** The first line's result (a flow carries its file and line); the rest differ only in time and source port. */
  result: LineResult;
  /** Not recognisable from the text after all: every line of the group is parsed in full. */
  inexact?: boolean;
  hourStart: number;
  count: number;
  first: number;
  last: number;
}

const HOUR = 3_600_000;
/** Distinct tuples held before they are handed on (memory stays bounded; no count is lost). */
const GROUP_LIMIT = 200_000;
const MSG = '"msg":"Flow Info: Src IP: ';
const SRC_PORT = ' Src Port: ';

export class FlowTally {
  private readonly groups = new Map<string, Group>();

  /**
   * `boundaries`: times at which attribution changes (snapshots coming into force); an hour holding
   * one is not grouped, its lines are handed on one by one with their own time.
   */
  constructor(
    private readonly sink: TallySink,
    private readonly window: { since?: number; until?: number } = {},
    private readonly boundaries: readonly number[] = [],
  ) {}

  /** One line (not blank) of `file`: a flow is counted here; skipped and malformed lines are returned to be counted by the reader. */
  line(text: string, format: FlowFormat, file: string, n: number): LineResult {
    const shape = format === 'agent' ? agentShape(text) : undefined;
    if (!shape) return this.parsed(PARSERS[format](text), file, n);
    let g = this.groups.get(shape.key);
    if (!g) {
      if (this.groups.size >= GROUP_LIMIT) this.flush();
      const result = PARSERS.agent(text);
      g = { result, hourStart: 0, count: 0, first: Infinity, last: -Infinity };
      if (result.kind === 'flow') {
        const f = result.flow as FlowRecord & { file?: string; line?: number };
        f.file = file;
        f.line = n;
        // exact only if the parser read the time and port where the shape found them
        const once = (k: string): boolean => text.indexOf(k) === text.lastIndexOf(k);
        if (f.time === undefined || f.srcPort !== shape.srcPort || !once('"ts"') || !once('"msg"')) g.inexact = true;
        else {
          g.hourStart = f.time - (f.time % HOUR);
          if (g.hourStart + shape.withinHour !== f.time) g.inexact = true;
          if (this.boundaries.some((b) => b > g!.hourStart && b < g!.hourStart + HOUR)) g.inexact = true;
        }
      }
      this.groups.set(shape.key, g);
    }
    if (g.result.kind !== 'flow') return g.result;
    if (g.inexact) return this.parsed(PARSERS.agent(text), file, n);
    const time = g.hourStart + shape.withinHour;
    if (this.window.since !== undefined && time < this.window.since) return g.result;
    if (this.window.until !== undefined && time >= this.window.until) return g.result;
    if (g.count === 0) {
      // the example shown for the group is its first line in the window
      const f = g.result.flow as FlowRecord & { file?: string; line?: number };
      f.file = file;
      f.line = n;
      f.srcPort = shape.srcPort;
    }
    g.count++;
    if (time < g.first) g.first = time;
    if (time > g.last) g.last = time;
    return g.result;
  }

  /** Hands every group on (at the end, or when too many are held). */
  flush(): void {
    for (const g of this.groups.values()) {
      if (g.result.kind !== 'flow' || g.count === 0) continue;
      this.sink.add({ ...g.result.flow, time: g.first }, g.count, g.last);
    }
    this.groups.clear();
  }

  private parsed(r: LineResult, file: string, n: number): LineResult {
    if (r.kind === 'flow') this.sink.add({ ...r.flow, file, line: n }, 1);
    return r;
  }
}

/**
 * The agent's zap line `{..."ts":"YYYY-MM-DDTHH:MM:SS[.fff]Z"...,"msg":"Flow Info: Src IP: A Src Port: N ..."}`
 * as a tuple key: the line without the minutes, seconds and fraction of `ts` and without the source
 * port; undefined for any other shape (the caller parses it in full).
 */
function agentShape(line: string): { key: string; withinHour: number; srcPort: number } | undefined {
  const ts = line.indexOf('"ts":"');
  if (ts < 0) return undefined;
  const t = ts + 6; // YYYY-MM-DDTHH:MM:SS
  if (line.charCodeAt(t + 13) !== 58 || line.charCodeAt(t + 16) !== 58 || line.charCodeAt(t + 10) !== 84) return undefined;
  const mm = two(line, t + 14);
  const ss = two(line, t + 17);
  if (mm < 0 || mm > 59 || ss < 0 || ss > 59) return undefined;
  let p = t + 19;
  let ms = 0;
  if (line.charCodeAt(p) === 46) {
    let digits = 0;
    for (p++; ; p++) {
      const c = line.charCodeAt(p) - 48;
      if (c < 0 || c > 9) break;
      if (++digits > 3) return undefined;
      ms = ms * 10 + c;
    }
    if (digits === 0) return undefined;
    ms *= digits === 1 ? 100 : digits === 2 ? 10 : 1;
  }
  if (line.charCodeAt(p) !== 90 || line.charCodeAt(p + 1) !== 34) return undefined; // Z"
  const tsEnd = p + 2;
  const msg = line.indexOf(MSG, tsEnd);
  if (msg < 0) return undefined;
  let q = msg + MSG.length;
  for (;; q++) {
    const c = line.charCodeAt(q);
    // an address: hex digits, dots and colons
    if (!((c >= 48 && c <= 58) || c === 46 || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) break;
  }
  if (!line.startsWith(SRC_PORT, q)) return undefined;
  const portStart = q + SRC_PORT.length;
  let port = 0;
  let r = portStart;
  for (; ; r++) {
    const c = line.charCodeAt(r) - 48;
    if (c < 0 || c > 9) break;
    port = port * 10 + c;
  }
  if (r === portStart || r - portStart > 5 || line.charCodeAt(r) !== 32) return undefined;
  return { key: line.slice(0, t + 13) + line.slice(tsEnd, portStart) + line.slice(r), withinHour: mm * 60_000 + ss * 1000 + ms, srcPort: port };
}

function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
}
