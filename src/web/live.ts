/**
 * Live updates: between two states of a watched cluster, the connections that opened and closed (per
 * pair of graph nodes, with their port ranges, on the graph's own ids) and the policy objects that were
 * added, modified or deleted, with the time. The server pushes each change to the page as a server-sent
 * event (server.ts); the watch itself is src/sources/mirror.ts, as `podwall watch` uses it.
 */
import { computeMatrix } from '../analysis/matrix.js';
import { Engine } from '../engine/engine.js';
import { mergeRanges, subtractRanges, type PortRange } from '../engine/ports.js';
import { policyObject } from '../incidents/policy-objects.js';
import type { SourceObject } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';

export interface ConnectionChange {
  from: string;
  to: string;
  ports: PortRange[];
}

export interface PolicyChange {
  kind: string;
  namespace?: string;
  name: string;
  action: 'added' | 'modified' | 'deleted';
}

export interface LiveChange {
  at: string;
  opened: ConnectionChange[];
  closed: ConnectionChange[];
  policies: PolicyChange[];
}

/** The allowed connections of a cluster, per pair of graph nodes, as merged port ranges. */
export function connections(cluster: Cluster): Map<string, PortRange[]> {
  const m = computeMatrix(new Engine(cluster), { allowedOnly: true });
  const out = new Map<string, PortRange[]>();
  for (const e of m.edges) {
    if (!e.allowed) continue;
    const k = `${e.from}\u0000${e.to}`;
    out.set(k, [...(out.get(k) ?? []), ...e.ports]);
  }
  for (const [k, v] of out) out.set(k, mergeRanges(v));
  return out;
}

/** Ports allowed after and not before (opened), and before and not after (closed), per pair. */
export function connectionChanges(before: Map<string, PortRange[]>, after: Map<string, PortRange[]>): { opened: ConnectionChange[]; closed: ConnectionChange[] } {
  const diff = (a: Map<string, PortRange[]>, b: Map<string, PortRange[]>): ConnectionChange[] => {
    const out: ConnectionChange[] = [];
    for (const [k, ports] of a) {
      const left = subtractRanges(ports, b.get(k) ?? []);
      if (left.length === 0) continue;
      const [from, to] = k.split('\u0000') as [string, string];
      out.push({ from, to, ports: left });
    }
    return out.sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
  };
  return { opened: diff(after, before), closed: diff(before, after) };
}

/** The policy objects of a watched cluster, to say which were added, modified or deleted since the last change. */
export class PolicyTracker {
  private readonly digests = new Map<string, string>();
  private pending = new Map<string, PolicyChange>();

  constructor(objects: readonly SourceObject[]) {
    for (const o of objects) {
      const p = policyObject(o);
      if (p) this.digests.set(p.key, p.digest);
    }
  }

  /** A watch event; status-only updates (same content) are no change. */
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', item: Record<string, unknown>): void {
    const p = policyObject({ value: item, file: 'live' });
    if (!p) return;
    const known = this.digests.get(p.key);
    let action: PolicyChange['action'];
    if (type === 'DELETED') {
      if (known === undefined) return;
      this.digests.delete(p.key);
      action = 'deleted';
    } else {
      if (known === p.digest) return;
      this.digests.set(p.key, p.digest);
      action = known === undefined ? 'added' : 'modified';
    }
    const earlier = this.pending.get(p.key);
    // added then modified before anyone looked is still an addition
    this.pending.set(p.key, { kind: p.kind, ...(p.namespace ? { namespace: p.namespace } : {}), name: p.name, action: earlier?.action === 'added' && action === 'modified' ? 'added' : action });
  }

  /** The changes since the last call. */
  take(): PolicyChange[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }
}
