/**
 * Names for advised policies that cannot overwrite anything: `kubectl apply` of the advice would
 * replace an existing NetworkPolicy of the same namespace and name, so a name the cluster already
 * uses for other contents is changed to the first free `NAME-2`, `NAME-3`, ... A name whose existing
 * policy has the same spec is kept (applying it changes nothing).
 */
import type { SourceObject } from '../model/build.js';

type Doc = { metadata: { name: string; namespace: string }; spec?: unknown; kind?: string };

/** Sorted keys, so specs written in another key order compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Renames advised objects in place; returns one sentence per renamed policy. */
export function avoidTakenNames(advised: readonly Record<string, unknown>[], existing: readonly SourceObject[]): string[] {
  const taken = new Map<string, string>(); // namespace/name -> canonical spec of the existing NetworkPolicy
  for (const o of existing) {
    const v = o.value as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: unknown } | null;
    if (v?.kind !== 'NetworkPolicy' || typeof v.metadata?.name !== 'string') continue;
    const ns = typeof v.metadata.namespace === 'string' ? v.metadata.namespace : 'default';
    taken.set(`${ns}/${v.metadata.name}`, canonical(v.spec ?? {}));
  }
  const used = new Set<string>(advised.map((d) => `${(d as Doc).metadata.namespace}/${(d as Doc).metadata.name}`));
  const notes: string[] = [];
  for (const d of advised as Doc[]) {
    const { name, namespace } = d.metadata;
    const there = taken.get(`${namespace}/${name}`);
    if (there === undefined || there === canonical(d.spec ?? {})) continue;
    let n = 2;
    const candidate = (): string => `${name.slice(0, 253 - `-${n}`.length)}-${n}`;
    while (taken.has(`${namespace}/${candidate()}`) || used.has(`${namespace}/${candidate()}`)) n++;
    d.metadata.name = candidate();
    used.add(`${namespace}/${d.metadata.name}`);
    notes.push(`NetworkPolicy ${namespace}/${name} exists with other contents: advised as ${d.metadata.name} instead, so applying the advice overwrites nothing`);
  }
  return notes;
}
