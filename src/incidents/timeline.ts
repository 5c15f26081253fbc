/**
 * The policy timeline: the policy objects in force over time, from dated snapshots (each a whole
 * state) and the changes `watch --record` wrote (a baseline per watch start, then each change),
 * and the change points where the set of policy objects differs from the one before.
 * The most recent whole state wins: recorded changes apply on top of the latest snapshot or
 * baseline before them. Workloads always come from the snapshot in force.
 */
import type { Snapshot } from '../flows/attribute.js';
import { buildCluster, type BuildOptions, type SourceObject } from '../model/build.js';
import { diffValues, type FieldChange } from './object-diff.js';
import { policyObject, type Authorship, type PolicyObject } from './policy-objects.js';

/** One row of the history database's policy changes. */
export interface RecordedPolicyChange {
  id: number;
  /** ms since the epoch */
  at: number;
  /** One watch run: its baseline and the changes after it. */
  session: string;
  /** `baseline` starts a whole state (then `listed` rows fill it); the rest are changes. */
  change: 'baseline' | 'listed' | 'added' | 'modified' | 'deleted';
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  manager?: string;
  /** The object after the change (absent for deletions and the baseline marker). */
  object?: unknown;
  /** Where it was read from, for messages: `history.db#12`. */
  source: string;
}

export interface PolicyState {
  /** undefined: in force since always (an undated -f). */
  at?: number;
  label: string;
  objects: readonly SourceObject[];
  policies: ReadonlyMap<string, PolicyObject>;
  /** The snapshot's own cluster when the state is exactly a snapshot. */
  cluster?: Snapshot['cluster'];
  /** Policy key -> the manager `watch` saw make the recorded changes that led to this state. */
  recordedBy?: ReadonlyMap<string, string>;
}

export interface ObjectChange {
  change: 'added' | 'removed' | 'modified';
  key: string;
  label: string;
  /** The paths that changed (for added and removed objects: the whole spec on one side). */
  fields: FieldChange[];
  /** From the object after the change (before it, for a removal). */
  who: Authorship;
  /** The manager `watch` saw make the change, when the change was recorded. */
  recordedBy?: string;
  before?: PolicyObject;
  after?: PolicyObject;
}

export interface ChangePoint {
  index: number;
  at: number;
  /** Labels of the states on either side. */
  before: string;
  after: string;
  /** Index of the state after the change in `PolicyTimeline.states`. */
  state: number;
  changes: ObjectChange[];
}

export interface PolicyTimeline {
  states: PolicyState[];
  changes: ChangePoint[];
  /** Recorded changes with no whole state before them, or without the object: they cannot be applied. */
  ignoredRecords: number;
}

type Event = { at: number; order: number; snapshot: Snapshot } | { at: number; order: number; record: RecordedPolicyChange };

export function buildTimeline(snapshots: readonly Snapshot[], records: readonly RecordedPolicyChange[] = []): PolicyTimeline {
  const events: Event[] = [
    ...snapshots.map((snapshot, i) => ({ at: snapshot.at ?? -Infinity, order: i, snapshot })),
    ...records.map((record) => ({ at: record.at, order: snapshots.length + record.id, record })),
  ].sort((a, b) => a.at - b.at || a.order - b.order);

  const states: PolicyState[] = [];
  const byTime = [...snapshots].sort((a, b) => (a.at ?? -Infinity) - (b.at ?? -Infinity));
  // workloads before the first snapshot: the earliest one's, as flow attribution does
  let workloads: readonly SourceObject[] = byTime[0] ? split(byTime[0]).others : [];
  let policies: Map<string, PolicyObject> | undefined;
  let recordedBy = new Map<string, string>();
  let ignoredRecords = 0;
  let pending: { at: number; label: string; cluster?: Snapshot['cluster'] } | undefined;
  const emit = (): void => {
    if (!pending || !policies) return;
    const state: PolicyState = {
      ...(pending.at !== -Infinity ? { at: pending.at } : {}),
      label: pending.label,
      objects: [...workloads, ...[...policies.values()].map((p) => p.source)],
      policies: new Map(policies),
      ...(pending.cluster ? { cluster: pending.cluster } : {}),
      ...(recordedBy.size ? { recordedBy } : {}),
    };
    states.push(state);
    recordedBy = new Map();
    pending = undefined;
  };

  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if ('snapshot' in e) {
      const parts = split(e.snapshot);
      workloads = parts.others;
      policies = parts.policies;
      pending = { at: e.at, label: e.snapshot.label, ...(e.snapshot.cluster ? { cluster: e.snapshot.cluster } : {}) };
    } else {
      const r = e.record;
      if (r.change === 'baseline') {
        policies = new Map();
      } else if (!policies) {
        ignoredRecords++;
        continue;
      } else if (r.change === 'deleted') {
        policies.delete(recordKey(r));
      } else {
        const p = r.object === undefined ? undefined : policyObject({ value: r.object, file: r.source });
        if (!p) {
          ignoredRecords++;
          continue;
        }
        policies.set(p.key, p);
      }
      if (r.manager && r.change !== 'listed' && r.change !== 'baseline') recordedBy.set(recordKey(r), r.manager);
      // a recorded state is not a snapshot's: its cluster is built from the objects
      pending = { at: e.at, label: `recorded ${new Date(e.at).toISOString()}` };
    }
    const next = events[i + 1];
    if (!next || next.at !== e.at) emit();
  }

  const changes: ChangePoint[] = [];
  for (let i = 1; i < states.length; i++) {
    const before = states[i - 1]!;
    const after = states[i]!;
    if (after.at === undefined) continue;
    const objectChanges = diffStates(before.policies, after.policies, after.recordedBy ?? new Map<string, string>());
    if (objectChanges.length) changes.push({ index: changes.length, at: after.at, before: before.label, after: after.label, state: i, changes: objectChanges });
  }
  return { states, changes, ignoredRecords };
}

/** The timeline's states as flow attribution takes them (a cluster per state, built once). */
export function timelineSnapshots(t: PolicyTimeline, options: BuildOptions): Snapshot[] {
  return t.states.map((s) => ({ ...(s.at !== undefined ? { at: s.at } : {}), label: s.label, cluster: s.cluster ?? buildCluster(s.objects, options), objects: s.objects }));
}

function split(s: Snapshot): { policies: Map<string, PolicyObject>; others: SourceObject[] } {
  const policies = new Map<string, PolicyObject>();
  const others: SourceObject[] = [];
  for (const o of s.objects ?? []) {
    const p = policyObject(o);
    if (p) policies.set(p.key, p);
    else others.push(o);
  }
  return { policies, others };
}

function recordKey(r: RecordedPolicyChange): string {
  const group = r.apiVersion.includes('/') ? r.apiVersion.slice(0, r.apiVersion.indexOf('/')) : '';
  return `${group}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/** The objects that differ between two policy sets (`recordedBy`: who watch saw make each change). */
export function diffStates(before: ReadonlyMap<string, PolicyObject>, after: ReadonlyMap<string, PolicyObject>, recordedBy: ReadonlyMap<string, string>): ObjectChange[] {
  const out: ObjectChange[] = [];
  const by = (key: string): { recordedBy?: string } => (recordedBy.has(key) ? { recordedBy: recordedBy.get(key)! } : {});
  for (const [key, a] of after) {
    const b = before.get(key);
    if (!b) out.push({ change: 'added', key, label: a.label, fields: diffValues(undefined, spec(a)), who: a.who, ...by(key), after: a });
    else if (b.digest !== a.digest) out.push({ change: 'modified', key, label: a.label, fields: diffValues(b.content, a.content), who: a.who, ...by(key), before: b, after: a });
  }
  for (const [key, b] of before) if (!after.has(key)) out.push({ change: 'removed', key, label: b.label, fields: diffValues(spec(b), undefined), who: b.who, ...by(key), before: b });
  return out.sort((x, y) => x.label.localeCompare(y.label));
}

function spec(p: PolicyObject): unknown {
  return { spec: (p.content as { spec?: unknown }).spec };
}
