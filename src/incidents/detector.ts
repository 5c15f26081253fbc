/**
 * Finds incidents in a time-ordered stream of flows (docs/incidents.md has the definition).
 * State is kept per connection that was ever allowed, and per open incident: memory grows with
 * distinct connections and incidents, never with lines.
 */
import type { Attributor } from '../flows/attribute.js';
import type { FlowRecord } from '../flows/record.js';
import type { CauseFinder } from './cause.js';
import { incidentFigures, type IncidentFigures } from './figures.js';
import type { FlowMark, Incident } from './incident.js';
import type { IncidentOptions } from './options.js';
import type { ChangePoint } from './timeline.js';

interface ConnectionState {
  allowed: number;
  firstAllowed: number;
  lastAllowed: number;
  /** When the last incident of this connection ended: a change before it cannot open another. */
  lastEnd?: number;
  open?: OpenIncident;
}

interface OpenIncident {
  incident: Incident;
  /** The first denied flow: the connection as logged, judged again at each later change. */
  flow: FlowRecord;
}

export interface IncidentResult {
  incidents: Incident[];
  figures: IncidentFigures;
  /** Flows that carry no time cannot be placed on the timeline. */
  withoutTime: number;
  /** Flows earlier than the one before them, processed as if at that time. */
  outOfOrder: number;
  changePoints: number;
  /** The end of the observation: --until, else the last flow's time. */
  end?: number;
}

type Flow = FlowRecord & { file?: string; line?: number };

/** Told as incidents open and close, for a caller that reports them as they happen (`watch`). */
export interface IncidentEvents {
  opened?(incident: Incident): void;
  closed?(incident: Incident): void;
}

/** For a detector fed while the timeline grows (`watch`): see LiveIncidents. */
export interface LiveOptions {
  events?: IncidentEvents;
  /** Change points older than this before a denial are not looked at (their states may be gone). */
  horizonMs?: number;
}

export class IncidentDetector {
  private readonly connections = new Map<string, ConnectionState>();
  private readonly open = new Map<string, OpenIncident>();
  private readonly incidents: Incident[] = [];
  private clock = -Infinity;
  private nextChange = 0;
  private withoutTime = 0;
  private outOfOrder = 0;
  private opened = 0;

  /** `changes` may grow while the detector runs (appended in time order, after every flow seen). */
  constructor(
    private readonly attributor: Attributor,
    private readonly changes: readonly ChangePoint[],
    private readonly causes: CauseFinder,
    private readonly options: IncidentOptions,
    private readonly window: { since?: number; until?: number } = {},
    private readonly live: LiveOptions = {},
  ) {}

  add(flow: Flow): void {
    if (flow.time === undefined) {
      this.withoutTime++;
      return;
    }
    if (this.window.until !== undefined && flow.time >= this.window.until) return;
    if (flow.verdict === 'expired') return;
    let t = flow.time;
    if (t < this.clock) {
      this.outOfOrder++;
      t = this.clock;
    }
    this.clock = t;
    this.passChanges(t);
    const a = this.attributor.attribute(flow);
    const key = a.pair;
    let st = this.connections.get(key);
    if (flow.verdict === 'allow') {
      if (!st) {
        st = { allowed: 0, firstAllowed: t, lastAllowed: t };
        this.connections.set(key, st);
      }
      if (st.open) this.close(key, st, { kind: 'allowed', ...mark(t, flow) });
      st.allowed++;
      st.lastAllowed = t;
      return;
    }
    if (!st) return; // never seen allowed: not legitimate
    if (st.open) {
      st.open.incident.flows.denied++;
      st.open.incident.flows.lastDenied = t;
      return;
    }
    const horizon = this.live.horizonMs === undefined ? -Infinity : t - this.live.horizonMs;
    const candidates = this.changesIn(Math.max(st.lastAllowed, st.lastEnd ?? -Infinity, horizon), t);
    if (candidates.length === 0) return; // no change of policies since it was last allowed
    if (st.allowed < this.options.minAllowed || st.lastAllowed - st.firstAllowed < this.options.minHistoryMs) return;
    const timed = { ...flow, time: t };
    const blocking = candidates.find((cp) => !this.causes.allowsAfter(timed, cp));
    const cp = blocking ?? candidates[candidates.length - 1]!;
    if (st.lastAllowed < cp.at - this.options.recentMs) return; // long dead before the change: noise
    const incident: Incident = {
      id: ++this.opened,
      connection: key,
      from: a.src.label,
      to: a.dst.label,
      port: flow.dstPort,
      protocol: flow.protocol,
      start: mark(t, flow),
      open: true,
      durationMs: 0,
      flows: { denied: 1, lastDenied: t, allowedBefore: st.allowed, firstAllowed: st.firstAllowed, lastAllowed: st.lastAllowed },
      cause: this.causes.cause(timed, cp, blocking !== undefined),
    };
    this.incidents.push(incident);
    st.open = { incident, flow: timed };
    this.open.set(key, st.open);
    this.live.events?.opened?.(incident);
  }

  /** Passes the change points up to `t` without a flow (a revert seen while the logs are quiet closes incidents). */
  advanceTo(t: number): void {
    this.passChanges(t);
  }

  /** The incidents still open. */
  openIncidents(): Incident[] {
    return [...this.open.values()].map((o) => o.incident);
  }

  /** Drops the closed incidents it keeps for result(): a long-running caller has told them already. */
  forgetClosed(): void {
    const open = this.incidents.filter((i) => i.open);
    this.incidents.length = 0;
    this.incidents.push(...open);
  }

  /** Ends the observation: later changes known from the timeline may still end open incidents. */
  result(): IncidentResult {
    const end = this.window.until ?? (this.clock === -Infinity ? undefined : this.clock);
    this.passChanges(this.window.until ?? Infinity);
    for (const o of this.open.values()) o.incident.durationMs = Math.max(0, (end ?? o.incident.start.at) - o.incident.start.at);
    const incidents = this.incidents.filter((i) => this.window.since === undefined || i.start.at >= this.window.since);
    incidents.forEach((i, n) => (i.id = n + 1));
    return { incidents, figures: incidentFigures(incidents), withoutTime: this.withoutTime, outOfOrder: this.outOfOrder, changePoints: this.changes.length, ...(end !== undefined ? { end } : {}) };
  }

  /** Change points up to `t`: each may let an open incident's connection through again. */
  private passChanges(t: number): void {
    while (this.nextChange < this.changes.length && this.changes[this.nextChange]!.at <= t) {
      const cp = this.changes[this.nextChange++]!;
      for (const [key, o] of [...this.open]) {
        if (!o.incident.cause.explained || cp.at <= o.incident.start.at) continue;
        if (this.causes.allowsAfter(o.flow, cp)) this.close(key, this.connections.get(key)!, { kind: 'change', at: cp.at, change: cp.index, label: cp.after });
      }
    }
  }

  private close(key: string, st: ConnectionState, end: Incident['end'] & object): void {
    const incident = st.open!.incident;
    incident.end = end;
    incident.open = false;
    incident.durationMs = end.at - incident.start.at;
    st.lastEnd = end.at;
    delete st.open;
    this.open.delete(key);
    this.live.events?.closed?.(incident);
  }

  /** Change points in (after, upTo]. */
  private changesIn(after: number, upTo: number): ChangePoint[] {
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.changes[mid]!.at <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: ChangePoint[] = [];
    for (let i = lo; i < this.changes.length && this.changes[i]!.at <= upTo; i++) out.push(this.changes[i]!);
    return out;
  }
}

function mark(at: number, flow: { file?: string; line?: number }): FlowMark {
  return { at, ...(flow.file ? { file: flow.file } : {}), ...(flow.line !== undefined ? { line: flow.line } : {}) };
}
