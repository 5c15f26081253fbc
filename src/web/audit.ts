/**
 * The audit view: the KPIs as labelled tiles (each with a sentence of help), and the findings grouped
 * by check and severity, each with its object, file:line, remedy and the YAML that fixes it.
 */
import { CHECKS } from '../audit/checks/index.js';
import type { AuditResult, Kpis } from '../audit/run.js';
import { SEVERITY_RANK, type FindingSeverity } from '../audit/types.js';
import { ok, type ApiResponse } from './api-response.js';

export interface KpiTile {
  id: string;
  label: string;
  value: number | string | null;
  unit: '%' | 'count' | 'score' | 'text';
  help: string;
}

/** The KPI tiles, in reading order. Shares (0-1) become percentages. */
export function kpiTiles(k: Kpis): KpiTile[] {
  const pct = (v: number): number => Math.round(v * 1000) / 10;
  return [
    { id: 'enforcement', label: 'Policy enforcement', value: k.enforcement, unit: 'text', help: 'Whether the VPC CNI enforces network policies (enabled, disabled, or unknown when neither the aws-node DaemonSet nor --addon-config is given).' },
    { id: 'cisScore', label: 'CIS EKS score', value: k.cisScore, unit: 'score', help: 'Mean pass rate (0-100) over the CIS Amazon EKS Benchmark network controls that could be judged from the inputs; empty when none could.' },
    { id: 'defaultDenyIngress', label: 'Namespaces with default-deny ingress', value: pct(k.defaultDenyIngress), unit: '%', help: `Share of the ${k.namespaces} audited namespaces where a new pod without labels would refuse ingress from an unknown pod (a default-deny, or an equivalent policy).` },
    { id: 'defaultDenyEgress', label: 'Namespaces with default-deny egress', value: pct(k.defaultDenyEgress), unit: '%', help: `Share of the ${k.namespaces} audited namespaces where a new pod without labels could reach neither an unknown pod nor the internet (a default-deny egress, or an equivalent policy).` },
    { id: 'podsIsolatedIngress', label: 'Pods isolated for ingress', value: pct(k.podsIsolatedIngress), unit: '%', help: `Share of the ${k.pods} audited pods (host-network pods and exempt namespaces left out) that an unknown pod from an unknown namespace cannot reach.` },
    { id: 'podsIsolatedEgress', label: 'Pods isolated for egress', value: pct(k.podsIsolatedEgress), unit: '%', help: `Share of the ${k.pods} audited pods that cannot reach an unknown pod in an unknown namespace.` },
    { id: 'policies', label: 'Policies', value: k.policies, unit: 'count', help: `Policy objects of every kind: ${Object.entries(k.policiesByKind).map(([kind, n]) => `${n} ${kind}`).join(', ') || 'none'}.` },
    { id: 'stalePolicies', label: 'Stale policies', value: k.stalePolicies, unit: 'count', help: 'Policies whose subject selects no pod: they protect nothing, and usually outlived a rename.' },
    { id: 'errors', label: 'Errors', value: k.findings.error, unit: 'count', help: 'Findings of severity error: the cluster is exposed or a policy does not do what it says.' },
    { id: 'warnings', label: 'Warnings', value: k.findings.warning, unit: 'count', help: 'Findings of severity warning: likely mistakes or missing guardrails.' },
    { id: 'info', label: 'Notes', value: k.findings.info, unit: 'count', help: 'Findings of severity info: worth knowing, nothing broken.' },
  ];
}

export function auditView(result: AuditResult): ApiResponse {
  const info = new Map(CHECKS.map((c, i) => [c.id, { c, i }]));
  const groups = new Map<string, { check: string; title: string; severity: FindingSeverity; help: string; count: number; findings: Record<string, unknown>[] }>();
  for (const f of result.findings) {
    const k = `${f.check}\u0000${f.severity}`;
    let g = groups.get(k);
    if (!g) {
      const c = info.get(f.check)?.c;
      groups.set(k, (g = { check: f.check, title: c?.title ?? f.check, severity: f.severity, help: c?.help ?? '', count: 0, findings: [] }));
    }
    g.count++;
    g.findings.push({
      object: f.object,
      ...(f.location?.file ? { file: f.location.file } : {}),
      ...(f.location?.line !== undefined ? { line: f.location.line } : {}),
      message: f.message,
      remedy: f.remedy,
      ...(f.fix ? { fix: f.fix } : {}),
    });
  }
  const order = (id: string): number => info.get(id)?.i ?? Number.MAX_SAFE_INTEGER;
  const sorted = [...groups.values()].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || order(a.check) - order(b.check));
  return ok({ kpis: kpiTiles(result.kpis), groups: sorted });
}
