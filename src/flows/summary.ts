/**
 * `podwall flows summary`: denied attempts per day and week, by namespace, workload, deciding
 * policy and pair, with the KPI "unauthorized connection attempts blocked per week". Counters only:
 * memory does not grow with the number of lines.
 */
import type { Attribution, Attributor } from './attribute.js';
import type { FlowRecord } from './record.js';
import { comparePositions, type ConnectionCount, type FlowTally, type Occurrence } from './tally.js';

export type GroupBy = 'namespace' | 'workload' | 'policy' | 'pair';

export interface FlowExample {
  file?: string;
  line?: number;
  text: string;
}

export interface FlowSummary {
  flows: number;
  allowed: number;
  denied: number;
  expired: number;
  /** Flows neither end of which is in the cluster model. */
  unattributed: number;
  disagreements: number;
  disagreementExamples: FlowExample[];
  first?: string;
  last?: string;
  deniedPerDay: Record<string, number>;
  deniedPerWeek: Record<string, number>;
  /** Mean over the ISO weeks from the first to the last flow. */
  blockedPerWeek: number;
  by: Record<GroupBy, Record<string, number>>;
  topDeniedPairs: { pair: string; count: number; decidedBy: string }[];
}

const DAY = 86_400_000;

/** Disagreeing flows quoted as examples. */
export const SUMMARY_EXAMPLES = 10;

/** What addTally reads of a tally: a FlowTally, or CloudWatch's tuples (aggregated.ts tallyOfTuples). */
export type CountedTally = Pick<FlowTally, 'flows' | 'first' | 'last' | 'deniedPerDay' | 'connections'>;

export class FlowSummarizer {
  private flows = 0;
  private allowed = 0;
  private denied = 0;
  private expired = 0;
  private unattributed = 0;
  private disagreements = 0;
  private readonly examples: FlowExample[] = [];
  private first = Infinity;
  private last = -Infinity;
  /** Denials per UTC day number (days since the epoch); weeks are derived from days at the end. */
  private readonly perDay = new Map<number, number>();
  private readonly by: Record<GroupBy, Map<string, number>> = { namespace: new Map(), workload: new Map(), policy: new Map(), pair: new Map() };
  private readonly pairDecider = new Map<string, string>();

  constructor(
    private readonly attributor: Attributor,
    private readonly window: { since?: number; until?: number } = {},
  ) {}

  add(flow: FlowRecord & { file?: string; line?: number }): void {
    if (this.window.since !== undefined && (flow.time === undefined || flow.time < this.window.since)) return;
    if (this.window.until !== undefined && (flow.time === undefined || flow.time >= this.window.until)) return;
    const a = this.attributor.attribute(flow);
    this.flows++;
    if (flow.time !== undefined) {
      if (flow.time < this.first) this.first = flow.time;
      if (flow.time > this.last) this.last = flow.time;
    }
    if (!a.agrees && this.examples.length < SUMMARY_EXAMPLES) this.examples.push(example(flow, a));
    if (flow.verdict === 'deny') {
      if (flow.time !== undefined) {
        const day = Math.floor(flow.time / DAY);
        this.perDay.set(day, (this.perDay.get(day) ?? 0) + 1);
      }
      if (!this.pairDecider.has(a.pair)) this.pairDecider.set(a.pair, a.decidedBy);
    }
    this.count(flow, a, 1);
  }

  /**
   * A tally's connections (src/flows/tally.ts), each attributed once: the same figures as adding
   * its lines one by one in the tally's order (the window was applied while counting).
   */
  addTally(tally: CountedTally, files: readonly string[]): void {
    this.flows += tally.flows;
    if (tally.first < this.first) this.first = tally.first;
    if (tally.last > this.last) this.last = tally.last;
    for (const [d, n] of tally.deniedPerDay) this.perDay.set(d, (this.perDay.get(d) ?? 0) + n);
    const wanted = SUMMARY_EXAMPLES - this.examples.length;
    const examples: { at: Occurrence; flow: ConnectionCount['flow']; a: Attribution }[] = [];
    const deciders = new Map<string, { at: Occurrence; decidedBy: string }>();
    for (const c of tally.connections()) {
      const a = this.attributor.attributeOnce(c.flow);
      this.count(c.flow, a, c.count);
      // the first `wanted` disagreeing lines in reading order, kept sorted as they are met: a stale
      // cluster file makes most connections disagree, and all their lines need not be sorted
      if (!a.agrees) for (const at of c.firsts) if (amongFirst(examples, wanted, at)) keepFirst(examples, wanted, { at, flow: c.flow, a });
      if (c.flow.verdict === 'deny') {
        const d = deciders.get(a.pair);
        if (!d || comparePositions(c.firsts[0]!, d.at) < 0) deciders.set(a.pair, { at: c.firsts[0]!, decidedBy: a.decidedBy });
      }
    }
    for (const e of examples) {
      const flow = { ...e.flow, file: files[e.at.file]!, line: e.at.line, ...(e.at.srcPort !== undefined ? { srcPort: e.at.srcPort } : {}) };
      this.examples.push(example(flow, e.a));
    }
    for (const [pair, d] of deciders) if (!this.pairDecider.has(pair)) this.pairDecider.set(pair, d.decidedBy);
  }

  /** `n` flows of one connection, attributed as `a`. */
  private count(flow: FlowRecord, a: Attribution, n: number): void {
    if (!a.src.inCluster && !a.dst.inCluster) this.unattributed += n;
    if (!a.agrees) this.disagreements += n;
    if (flow.verdict === 'expired') {
      this.expired += n;
      return;
    }
    if (flow.verdict === 'allow') {
      this.allowed += n;
      return;
    }
    this.denied += n;
    bump(this.by.namespace, a.deciderNamespace ?? a.dst.namespace ?? '(outside the cluster)', n);
    bump(this.by.workload, a.deciderNamespace === a.src.namespace && !a.egressAllowed ? a.src.label : a.dst.label, n);
    bump(this.by.policy, a.decidedBy, n);
    bump(this.by.pair, a.pair, n);
  }

  result(top = 10): FlowSummary {
    const weeks = this.first === Infinity ? 0 : countWeeks(this.first, this.last);
    const topPairs = [...this.by.pair.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).slice(0, top);
    return {
      flows: this.flows,
      allowed: this.allowed,
      denied: this.denied,
      expired: this.expired,
      unattributed: this.unattributed,
      disagreements: this.disagreements,
      disagreementExamples: this.examples,
      ...(this.first !== Infinity ? { first: new Date(this.first).toISOString(), last: new Date(this.last).toISOString() } : {}),
      deniedPerDay: sorted(rekey(this.perDay, (d) => new Date(d * DAY).toISOString().slice(0, 10))),
      deniedPerWeek: sorted(rekey(this.perDay, (d) => isoWeek(d * DAY))),
      blockedPerWeek: weeks ? Math.round((this.denied / weeks) * 10) / 10 : this.denied,
      by: { namespace: byCount(this.by.namespace), workload: byCount(this.by.workload), policy: byCount(this.by.policy), pair: byCount(this.by.pair) },
      topDeniedPairs: topPairs.map(([pair, count]) => ({ pair, count, decidedBy: this.pairDecider.get(pair)! })),
    };
  }
}

function describe(f: FlowRecord, a: Attribution): string {
  return `${a.src.label}${f.srcPort !== undefined ? `:${f.srcPort}` : ''} -> ${a.dst.label}:${f.dstPort}/${f.protocol}${f.direction ? ` (${f.direction})` : ''}`;
}

function bump(m: Map<string, number>, k: string, n: number): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function example(f: FlowRecord & { file?: string; line?: number }, a: Attribution): FlowExample {
  return { ...(f.file ? { file: f.file, line: f.line } : {}), text: `${describe(f, a)}: log says ${f.verdict}, the model says ${a.modelAllowed ? 'allow' : 'deny'} (${a.decidedBy})` };
}

function rekey(m: Map<number, number>, key: (k: number) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, n] of m) out.set(key(k), (out.get(key(k)) ?? 0) + n);
  return out;
}

function sorted(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort((a, b) => a[0].localeCompare(b[0])));
}

function byCount(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** ISO 8601 week, e.g. 2026-W47 (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeek(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - day * DAY + 3 * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function countWeeks(first: number, last: number): number {
  const monday = (ms: number): number => {
    const d = new Date(ms);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * DAY;
  };
  return Math.round((monday(last) - monday(first)) / (7 * DAY)) + 1;
}

/** Would a line at `at` be among the first `n` that `kept` holds in order? */
function amongFirst(kept: readonly { at: Occurrence }[], n: number, at: Occurrence): boolean {
  return n > 0 && (kept.length < n || comparePositions(at, kept[n - 1]!.at) < 0);
}

/**
 * Adds `e` to `kept`, the first `n` by position in order (amongFirst said it belongs): ties stay in the
 * order they came in, as a stable sort of everything would leave them.
 */
function keepFirst<T extends { at: Occurrence }>(kept: T[], n: number, e: T): void {
  let i = kept.length;
  while (i > 0 && comparePositions(e.at, kept[i - 1]!.at) < 0) i--;
  kept.splice(i, 0, e);
  if (kept.length > n) kept.pop();
}
