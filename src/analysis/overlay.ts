import type { SourceObject } from '../model/build.js';
import { classifyKind, groupOf } from '../model/kinds.js';

const POLICY_KINDS = new Set(['NetworkPolicy', 'ApplicationNetworkPolicy', 'ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']);

export function isPolicyObject(o: SourceObject): boolean {
  const kind = (o.value as { kind?: unknown })?.kind;
  return typeof kind === 'string' && POLICY_KINDS.has(kind);
}

/**
 * `--replace-all`: the proposed policy set is complete: it replaces every policy of the base cluster,
 * and keeps the base's pods, workloads, namespaces, nodes and services (objects it also defines replace those).
 */
export function withPolicies(base: readonly SourceObject[], proposed: readonly SourceObject[]): SourceObject[] {
  return [...base.filter((o) => !isPolicyObject(o)), ...proposed];
}

/** An object's identity as the API server keys it: group, kind, namespace (namespaced kinds only) and name. */
export interface ObjectKey {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The key of an object, or undefined for a document that is not a named Kubernetes object. */
export function objectKey(o: SourceObject): ObjectKey | undefined {
  const v = o.value as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  if (!v || typeof v !== 'object' || typeof v.kind !== 'string' || typeof v.apiVersion !== 'string') return undefined;
  const name = v.metadata?.name;
  if (typeof name !== 'string') return undefined;
  const known = classifyKind(v.kind, v.apiVersion);
  // a retired apiVersion names the same object as the current one (kubectl apply would update it)
  const group = known.read ? known.group : groupOf(v.apiVersion);
  const ns = typeof v.metadata?.namespace === 'string' ? v.metadata.namespace : undefined;
  // a namespaced object without a namespace lands in `default`, as buildCluster and kubectl place it
  const namespace = known.namespaced ? ns ?? 'default' : known.read ? undefined : ns;
  return { group, kind: v.kind, name, ...(namespace !== undefined ? { namespace } : {}) };
}

export function describeKey(k: ObjectKey): string {
  return `${k.kind}${k.group ? `.${k.group}` : ''}/${k.namespace ? `${k.namespace}/` : ''}${k.name}`;
}

const keyId = (k: ObjectKey): string => `${k.group}/${k.kind}/${k.namespace ?? ''}/${k.name}`;

/** A removal named as `KIND[.GROUP]/NAMESPACE/NAME`, or `KIND[.GROUP]/NAME` for a cluster-scoped kind. */
export interface Deletion {
  kind: string;
  group?: string;
  namespace?: string;
  name: string;
  /** As the user wrote it, for messages. */
  text: string;
}

/** Parses a removal; a string with the problem when it is not one. */
export function parseDeletion(text: string): Deletion | string {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) return `expected KIND/NAMESPACE/NAME or KIND/NAME (cluster-scoped), got ${JSON.stringify(text)}`;
  const [kindGroup, a, b] = parts as [string, string, string | undefined];
  const dot = kindGroup.indexOf('.');
  const kind = dot < 0 ? kindGroup : kindGroup.slice(0, dot);
  const group = dot < 0 ? undefined : kindGroup.slice(dot + 1);
  return { kind, ...(group !== undefined ? { group } : {}), ...(b !== undefined ? { namespace: a, name: b } : { name: a }), text };
}

export interface OverlayResult {
  objects: SourceObject[];
  /** Objects of the base a changed file redefines, added ones, and removed ones, as `describeKey`. */
  replaced: string[];
  added: string[];
  deleted: string[];
  /** Removals that name no object of the base, or more than one (a kind in two groups): the reason for each. */
  unmatched: string[];
}

function matches(d: Deletion, k: ObjectKey): boolean {
  // kinds are matched without case, as kubectl matches `networkpolicy` and `NetworkPolicy`
  return d.kind.toLowerCase() === k.kind.toLowerCase() && d.name === k.name && (d.namespace ?? undefined) === (k.namespace ?? undefined) && (d.group === undefined || d.group === k.group);
}

/**
 * `kubectl apply` of changed files onto the base, then the removals: an object of the same group, kind,
 * namespace and name replaces the base's (where it stood), a new object is added, and each removal
 * takes out the one base object it names. Documents that are not named objects are kept as they are.
 */
export function overlay(base: readonly SourceObject[], changes: readonly SourceObject[], deletions: readonly Deletion[] = []): OverlayResult {
  const result: OverlayResult = { objects: [], replaced: [], added: [], deleted: [], unmatched: [] };
  const baseKeys = base.map(objectKey);
  const gone = new Set<number>();
  for (const d of deletions) {
    const hits = baseKeys.flatMap((k, i) => (k && matches(d, k) ? [i] : []));
    const distinct = new Set(hits.map((i) => keyId(baseKeys[i]!)));
    if (!hits.length) result.unmatched.push(`${d.text}: no such object in the current state`);
    else if (distinct.size > 1) result.unmatched.push(`${d.text}: names ${[...distinct].length} objects of different groups (${hits.map((i) => describeKey(baseKeys[i]!)).join(', ')}); say which as KIND.GROUP/...`);
    else {
      for (const i of hits) gone.add(i);
      result.deleted.push(describeKey(baseKeys[hits[0]!]!));
    }
  }
  const changed = new Map<string, SourceObject>();
  const loose: SourceObject[] = [];
  for (const c of changes) {
    const k = objectKey(c);
    if (k) changed.set(keyId(k), c); // the last definition wins, as the cluster build's
    else loose.push(c);
  }
  const used = new Set<string>();
  base.forEach((o, i) => {
    if (gone.has(i)) return;
    const k = baseKeys[i];
    const id = k ? keyId(k) : undefined;
    const replacement = id ? changed.get(id) : undefined;
    if (!replacement) return void result.objects.push(o);
    if (used.has(id!)) return; // the base defined it twice: one replacement stands for both
    used.add(id!);
    result.objects.push(replacement);
    result.replaced.push(describeKey(k!));
  });
  for (const [id, c] of changed) {
    if (used.has(id)) continue;
    result.objects.push(c);
    result.added.push(describeKey(objectKey(c)!));
  }
  for (const o of loose) result.objects.push(o); // a loop: a proposal may hold more objects than a call takes arguments
  return result;
}
