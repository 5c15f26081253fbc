import type { SourceObject } from '../model/build.js';

const POLICY_KINDS = new Set(['NetworkPolicy', 'ApplicationNetworkPolicy', 'ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']);

export function isPolicyObject(o: SourceObject): boolean {
  const kind = (o.value as { kind?: unknown })?.kind;
  return typeof kind === 'string' && POLICY_KINDS.has(kind);
}

/**
 * A proposed policy set is complete: it replaces every policy of the base cluster, and keeps the
 * base's pods, workloads, namespaces, nodes and services (objects it also defines replace those).
 */
export function withPolicies(base: readonly SourceObject[], proposed: readonly SourceObject[]): SourceObject[] {
  return [...base.filter((o) => !isPolicyObject(o)), ...proposed];
}
