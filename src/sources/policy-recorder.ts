/**
 * `watch --record`: the policy objects of a live cluster into the history database, so that
 * `podwall incidents --db` knows which policy changed when, and who changed it. Each watch run
 * records a baseline (every policy it listed), then each change; status-only updates and events
 * that repeat a known state are not changes.
 */
import { createHash } from 'node:crypto';
import { policyObject, withoutFieldSets } from '../incidents/policy-objects.js';
import type { SourceObject } from '../model/build.js';
import type { HistoryStore, PolicyChangeRow } from '../store/history.js';

export class PolicyRecorder {
  private readonly digests = new Map<string, string>();
  private readonly session: string;

  constructor(
    private readonly store: HistoryStore,
    private readonly file: string,
    now = new Date(),
  ) {
    this.session = `${now.toISOString()}/${process.pid}`;
  }

  /** The policies in force when the watch starts. */
  baseline(objects: readonly SourceObject[]): void {
    const rows: PolicyChangeRow[] = [{ session: this.session, change: 'baseline', apiVersion: '', kind: '', name: '' }];
    for (const o of objects) {
      const p = policyObject(o);
      if (!p) continue;
      this.digests.set(p.key, p.digest);
      rows.push(this.row('listed', o.value as Record<string, unknown>, p));
    }
    this.store.recordPolicyChanges(rows);
  }

  /** A watch event: recorded (at `at`, default now) when it changes a policy object. Returns whether it did. */
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', item: Record<string, unknown>, at = new Date()): boolean {
    const p = policyObject({ value: item, file: this.file });
    if (!p) return false;
    const known = this.digests.get(p.key);
    if (type === 'DELETED') {
      if (known === undefined) return false;
      this.digests.delete(p.key);
      // the deleted object names its last writer, not who deleted it
      this.store.recordPolicyChanges([{ ...this.row('deleted', item, p), manager: undefined }], at);
      return true;
    }
    if (known === p.digest) return false;
    this.digests.set(p.key, p.digest);
    this.store.recordPolicyChanges([this.row(known === undefined ? 'added' : 'modified', item, p)], at);
    return true;
  }

  private row(change: PolicyChangeRow['change'], item: Record<string, unknown>, p: NonNullable<ReturnType<typeof policyObject>>): PolicyChangeRow {
    return {
      session: this.session,
      change,
      apiVersion: p.apiVersion,
      kind: p.kind,
      ...(p.namespace ? { namespace: p.namespace } : {}),
      name: p.name,
      ...(p.who.manager ? { manager: p.who.manager } : {}),
      hash: createHash('sha256').update(p.digest).digest('hex').slice(0, 16),
      ...(change !== 'deleted' ? { object: slim(item) } : {}),
    };
  }
}

/** The object without what bloats it and says nothing about policy: managedFields' field sets, the last-applied copy. */
function slim(item: Record<string, unknown>): Record<string, unknown> {
  const meta = { ...((item.metadata as Record<string, unknown>) ?? {}) };
  if (meta.managedFields !== undefined) meta.managedFields = withoutFieldSets(meta.managedFields);
  if (meta.annotations && typeof meta.annotations === 'object') {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _l, ...rest } = meta.annotations as Record<string, unknown>;
    meta.annotations = rest;
  }
  return { ...item, metadata: meta };
}
