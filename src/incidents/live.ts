/**
 * Incidents as they happen (`watch --flows`): the same detector as `podwall incidents`, fed while
 * the policy timeline grows. Each state of the live cluster the caller builds is a state of the
 * timeline, in force from the time the caller first saw it change; flows are held until the
 * timeline is known up to their time (the caller says up to when: `advance`), then judged in
 * time order. Memory stays bounded for a process that runs for months: closed incidents are told
 * and forgotten (only the figures the metrics need are kept), and past states are dropped once
 * no new incident can be blamed on them (`horizonMs`).
 */
import { Attributor, type Snapshot } from '../flows/attribute.js';
import type { FollowedFlow } from '../flows/follow.js';
import type { BuildOptions, SourceObject } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import { CauseFinder } from './cause.js';
import { IncidentDetector } from './detector.js';
import type { Incident } from './incident.js';
import type { IncidentOptions } from './options.js';
import { policyObject, type PolicyObject } from './policy-objects.js';
import { diffStates, type PolicyState, type PolicyTimeline } from './timeline.js';

export interface LiveEvent {
  change: 'opened' | 'closed';
  incident: Incident;
}

export interface LiveSettings {
  /** A change point older than this before a denial cannot open an incident; states before it are dropped. */
  horizonMs: number;
  /** The MTTR figure covers the closed incidents that started this long before `figures(now)`. */
  mttrWindowMs: number;
}

/** What the metrics show: counters since the start, the incidents open now, the MTTR over the window. */
export interface LiveFigures {
  opened: number;
  resolved: number;
  open: number;
  /** Sum of the durations of the resolved incidents (ms). */
  resolutionMs: number;
  /** Mean duration of the closed incidents that started in the window (ms); undefined when none. */
  mttrMs?: number;
  /** Change points seen since the start. */
  changePoints: number;
}

export const DEFAULT_LIVE_SETTINGS: LiveSettings = { horizonMs: 24 * 3_600_000, mttrWindowMs: 7 * 86_400_000 };

export class LiveIncidents {
  private readonly timeline: PolicyTimeline = { states: [], changes: [], ignoredRecords: 0 };
  /** Index-aligned with timeline.states; a dropped state's entry is emptied, never removed (indexes stay). */
  private readonly snapshots: Snapshot[] = [];
  private attributor: Attributor | undefined;
  private causes: CauseFinder | undefined;
  private detector: IncidentDetector | undefined;
  private pending: FollowedFlow[] = [];
  private readonly events: LiveEvent[] = [];
  private firstKept = 0;
  private readonly counts = { opened: 0, resolved: 0, resolutionMs: 0 };
  /** Closed incidents within the MTTR window: start and duration only. */
  private closed: { start: number; durationMs: number }[] = [];

  constructor(
    private readonly options: IncidentOptions,
    private readonly build: BuildOptions = {},
    private readonly settings: LiveSettings = DEFAULT_LIVE_SETTINGS,
  ) {}

  /**
   * The cluster as it is from `at` on (built by the caller from `objects`). `changed`: the policy
   * objects as the watch events told them since the last state, whole: a cluster mirror keeps
   * objects without `managedFields`, and these say who made the change.
   */
  state(at: number, objects: readonly SourceObject[], cluster: Cluster, changed: readonly SourceObject[] = []): void {
    const told = new Map<string, PolicyObject>();
    for (const o of changed) {
      const p = policyObject(o);
      if (p) told.set(p.key, p);
    }
    const policies = new Map<string, PolicyObject>();
    const recordedBy = new Map<string, string>();
    for (const o of objects) {
      let p = policyObject(o);
      if (!p) continue;
      const whole = told.get(p.key);
      if (whole?.digest === p.digest) {
        p = whole;
        if (whole.who.manager) recordedBy.set(p.key, whole.who.manager);
      }
      policies.set(p.key, p);
    }
    const states = this.timeline.states;
    const prev = states[states.length - 1];
    if (prev?.at !== undefined && at < prev.at) at = prev.at; // the caller's clock went back: keep the order
    const iso = new Date(at).toISOString();
    const label = prev?.label.startsWith(`cluster at ${iso}`) ? `cluster at ${iso} (#${states.length + 1})` : `cluster at ${iso}`;
    const state: PolicyState = { at, label, objects, policies, cluster };
    const snapshot: Snapshot = { at, label, cluster, objects };
    states.push(state);
    this.snapshots.push(snapshot);
    if (!this.attributor) {
      this.attributor = new Attributor([snapshot]);
      this.causes = new CauseFinder(this.timeline, this.snapshots, this.attributor, this.build);
      const events = { opened: (i: Incident) => this.told('opened', i), closed: (i: Incident) => this.told('closed', i) };
      this.detector = new IncidentDetector(this.attributor, this.timeline.changes, this.causes, this.options, {}, { events, horizonMs: this.settings.horizonMs });
      return;
    }
    this.attributor.add(snapshot);
    const changes = diffStates(prev!.policies, policies, recordedBy);
    if (changes.length) this.timeline.changes.push({ index: this.timeline.changes.length, at, before: prev!.label, after: label, state: states.length - 1, changes });
    this.prune(at);
  }

  /** A flow read from a followed source: judged once the timeline is known up to its time. */
  flow(flow: FollowedFlow): void {
    this.pending.push(flow);
  }

  /**
   * The timeline is known up to `t` (no change the caller has not told happened before it): the
   * flows up to `t` are judged in time order (files read side by side interleave), the change
   * points up to `t` may end open incidents. Returns what opened and closed, in order.
   */
  advance(t: number): LiveEvent[] {
    const detector = this.detector;
    if (!detector) return [];
    const ready: FollowedFlow[] = [];
    const later: FollowedFlow[] = [];
    for (const f of this.pending) (f.time === undefined || f.time <= t ? ready : later).push(f);
    this.pending = later;
    // a stable sort: lines of one file with the same time stay in file order
    ready.sort((a, b) => (a.time ?? -Infinity) - (b.time ?? -Infinity));
    for (const f of ready) detector.add(f);
    detector.advanceTo(t);
    detector.forgetClosed();
    return this.events.splice(0);
  }

  /** Flows waiting for the timeline to reach their time. */
  get waiting(): number {
    return this.pending.length;
  }

  figures(now: number): LiveFigures {
    const since = now - this.settings.mttrWindowMs;
    this.closed = this.closed.filter((c) => c.start >= since);
    const total = this.closed.reduce((s, c) => s + c.durationMs, 0);
    return {
      ...this.counts,
      open: this.detector?.openIncidents().length ?? 0,
      ...(this.closed.length ? { mttrMs: Math.round(total / this.closed.length) } : {}),
      changePoints: this.timeline.changes.length,
    };
  }

  private told(change: LiveEvent['change'], incident: Incident): void {
    if (change === 'opened') this.counts.opened++;
    else {
      this.counts.resolved++;
      this.counts.resolutionMs += incident.durationMs;
      this.closed.push({ start: incident.start.at, durationMs: incident.durationMs });
    }
    // a copy: the detector keeps changing an open incident (its denied flows, its end)
    this.events.push({ change, incident: structuredClone(incident) });
  }

  /**
   * Drops the states superseded more than two horizons before `now`: the detector looks one
   * horizon back from each denial, and a flow may be read a while after its time. The latest
   * state always stays.
   */
  private prune(now: number): void {
    const states = this.timeline.states;
    const cutoff = now - 2 * this.settings.horizonMs;
    const dropped = new Set<string>();
    while (this.firstKept < states.length - 1 && states[this.firstKept + 1]!.at! < cutoff) {
      const i = this.firstKept++;
      const s = states[i]!;
      dropped.add(s.label);
      this.causes!.forget(i);
      states[i] = { ...(s.at !== undefined ? { at: s.at } : {}), label: s.label, objects: [], policies: new Map() };
      this.snapshots[i] = { ...(s.at !== undefined ? { at: s.at } : {}), label: s.label, cluster: this.snapshots[this.firstKept]!.cluster };
    }
    if (dropped.size) this.attributor!.drop(dropped);
  }
}
