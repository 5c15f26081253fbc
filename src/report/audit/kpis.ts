import type { Kpis } from '../../audit/run.js';

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/** The KPIs as label/value lines, shared by the text and Markdown reports. */
export function kpiLines(k: Kpis): string[] {
  return [
    `enforcement: ${k.enforcement}${k.enforcement === 'unknown' ? ' (give --addon-config or --cluster/--region to check)' : ''}`,
    `namespaces under default-deny: ingress ${pct(k.defaultDenyIngress)}, egress ${pct(k.defaultDenyEgress)} (of ${k.namespaces})`,
    `pods isolated: ingress ${pct(k.podsIsolatedIngress)}, egress ${pct(k.podsIsolatedEgress)} (of ${k.pods})`,
    `policies: ${k.policies}${Object.keys(k.policiesByKind).length ? ` (${Object.entries(k.policiesByKind).map(([kind, n]) => `${n} ${kind}`).join(', ')})` : ''}; stale: ${k.stalePolicies}`,
    `findings: ${k.findings.error} error, ${k.findings.warning} warning, ${k.findings.info} info`,
    `CIS EKS compliance score: ${k.cisScore === null ? 'n/a' : `${k.cisScore}%`}`,
  ];
}
