import type { Compute } from '../eks/types.js';
import type { WrittenEndpoints } from '../eks/drift.js';
import type { Cluster } from '../model/cluster.js';
import { CHECKS } from './checks/index.js';
import type { AuditConfig } from './config.js';
import { AuditContext, type EnforcementState } from './context.js';
import { SEVERITY_RANK, type Finding, type FindingSeverity } from './types.js';

export interface Kpis {
  enforcement: 'enabled' | 'disabled' | 'unknown';
  namespaces: number;
  defaultDenyIngress: number;
  defaultDenyEgress: number;
  pods: number;
  podsIsolatedIngress: number;
  podsIsolatedEgress: number;
  policies: number;
  policiesByKind: Record<string, number>;
  stalePolicies: number;
  findings: Record<FindingSeverity, number>;
  /** Mean pass rate over the CIS controls that could be judged, 0-100; null when none could. */
  cisScore: number | null;
}

export interface AuditResult {
  findings: Finding[];
  kpis: Kpis;
}

const share = (n: number, d: number): number => (d === 0 ? 1 : Math.round((n / d) * 1000) / 1000);

/**
 * `eks`: the agent version and compute kind the EKS checks model (default: inferred from the inputs, as the CLI does),
 * and, from a live cluster, the PolicyEndpoints the controller wrote (for eks-drift). `onCheck`: told before each
 * check runs (progress on a terminal).
 */
export function runAudit(
  cluster: Cluster,
  config: AuditConfig,
  enforcement: EnforcementState[],
  eks?: { version: string; compute: Compute; controller?: string; endpoints?: WrittenEndpoints },
  onCheck?: (id: string, index: number, checks: number) => void,
): AuditResult {
  const ctx = new AuditContext(cluster, config, enforcement, eks);
  const findings: Finding[] = [];
  CHECKS.forEach((check, i) => {
    if (config.disabled.includes(check.id)) return;
    onCheck?.(check.id, i, CHECKS.length);
    const configured = config.severity[check.id];
    for (const { severity, ...d } of check.run(ctx)) findings.push({ check: check.id, severity: configured ?? severity ?? check.severity, ...d });
  });
  const order = new Map(CHECKS.map((c, i) => [c.id, i]));
  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || order.get(a.check)! - order.get(b.check)! || a.object.localeCompare(b.object));
  return { findings, kpis: kpis(ctx, findings) };
}

function kpis(ctx: AuditContext, findings: Finding[]): Kpis {
  const namespaces = ctx.namespaces();
  const pods = ctx.cluster.pods.filter((p) => !p.hostNetwork && !ctx.exempt(p.namespace));
  const byKind: Record<string, number> = {};
  for (const p of ctx.cluster.policies) byKind[p.ref.kind] = (byKind[p.ref.kind] ?? 0) + 1;
  const known = ctx.enforcement.filter((e) => e.enabled !== undefined);
  const enforcement = known.length === 0 ? 'unknown' : known.every((e) => e.enabled) ? 'enabled' : 'disabled';
  const withPolicy = new Set(ctx.cluster.policies.filter((p) => p.tier === 'namespace').map((p) => p.ref.namespace));
  const controls: number[] = [];
  if (enforcement !== 'unknown') controls.push(enforcement === 'enabled' ? 1 : 0); // 5.4.4 / 4.3.1
  if (namespaces.length) controls.push(namespaces.filter((n) => withPolicy.has(n.name)).length / namespaces.length); // 4.3.2
  const count = (s: FindingSeverity): number => findings.filter((f) => f.severity === s).length;
  return {
    enforcement,
    namespaces: namespaces.length,
    defaultDenyIngress: share(namespaces.filter((n) => ctx.defaultDeny(n.name, 'ingress')).length, namespaces.length),
    defaultDenyEgress: share(namespaces.filter((n) => ctx.defaultDeny(n.name, 'egress')).length, namespaces.length),
    pods: pods.length,
    podsIsolatedIngress: share(pods.filter((p) => ctx.isolated(p, 'ingress')).length, pods.length),
    podsIsolatedEgress: share(pods.filter((p) => ctx.isolated(p, 'egress')).length, pods.length),
    policies: ctx.cluster.policies.length,
    policiesByKind: byKind,
    stalePolicies: findings.filter((f) => f.check === 'policy-selects-nothing').length,
    findings: { error: count('error'), warning: count('warning'), info: count('info') },
    cisScore: controls.length ? Math.round((controls.reduce((a, b) => a + b, 0) / controls.length) * 1000) / 10 : null,
  };
}
