/** `podwall eks drift` output: the differences grouped by policy (text), or every item (JSON, podwall.eks-drift/v1). */
import { DRIFT_KINDS, type DriftReport } from '../eks/drift.js';

export function eksDriftText(r: DriftReport, heading: string): string {
  const lines = [heading];
  lines.push(`Compared ${r.policies} polic${r.policies === 1 ? 'y' : 'ies'} with ${r.policyEndpoints} PolicyEndpoint${r.policyEndpoints === 1 ? '' : 's'}${r.clusterPoliciesCompared ? ` and ${r.clusterPolicyEndpoints} ClusterPolicyEndpoint${r.clusterPolicyEndpoints === 1 ? '' : 's'}` : ' (no ClusterPolicyEndpoint CRD: cluster policies not compared)'}.`);
  if (r.items.length === 0) {
    lines.push('No drift: the endpoints the controller wrote are the ones podwall expects.');
    return lines.join('\n') + '\n';
  }
  lines.push(`${r.items.length} difference${r.items.length === 1 ? '' : 's'}:`);
  let policy = '';
  for (const i of r.items) {
    if (i.policy !== policy) {
      policy = i.policy;
      lines.push('', `${policy}${i.objects.length ? `  (${[...new Set(r.items.filter((x) => x.policy === policy).flatMap((x) => x.objects))].sort().join(', ')})` : ''}`);
    }
    lines.push(`  ${i.kind}${i.direction ? ` ${i.direction}` : ''}: ${i.detail}`);
  }
  lines.push('', 'Kinds:');
  for (const k of [...new Set(r.items.map((i) => i.kind))]) lines.push(`  ${k}: ${DRIFT_KINDS[k]}`);
  return lines.join('\n') + '\n';
}

export function eksDriftJson(r: DriftReport, context: { agent: string; compute: string; cluster: string }): Record<string, unknown> {
  return {
    apiVersion: 'podwall.eks-drift/v1',
    cluster: context.cluster,
    agent: context.agent,
    compute: context.compute,
    drift: r.items.length > 0,
    policies: r.policies,
    policyEndpoints: r.policyEndpoints,
    clusterPolicyEndpoints: r.clusterPoliciesCompared ? r.clusterPolicyEndpoints : null,
    items: r.items.map(({ location, ...i }) => ({ ...i, ...(location ? { location } : {}) })),
  };
}
