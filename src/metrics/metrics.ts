/**
 * The audit KPIs as Prometheus gauges and the recorded flow counts as counters, in a registry of
 * their own (prom-client, the standard Node client). Every series carries the cluster as a label,
 * so one Prometheus can scrape several podwalls. No I/O here: the HTTP side is server.ts.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Kpis } from '../audit/run.js';
import type { FlowTotals } from '../store/history.js';

/**
 * Policy-caused incidents (docs/incidents.md), from `watch --flows` as they happen, else from the
 * figures recorded with the flow summaries. Counters only grow; the MTTR is over a window.
 */
export interface IncidentTotals {
  opened: number;
  resolved: number;
  open: number;
  /** Sum of the durations of the resolved incidents. */
  resolutionSeconds: number;
  /** Mean time to resolution over the window; undefined when no incident was resolved in it. */
  mttrSeconds?: number;
}

/** What only `watch` knows: the flow sources it follows and the policy changes it saw. */
export interface WatchTotals {
  flowSources: number;
  policyChanges: number;
}

const ENFORCEMENT_STATES = ['enabled', 'disabled', 'unknown'] as const;
const SEVERITIES = ['error', 'warning', 'info'] as const;

export class PodwallMetrics {
  /** Always shown: podwall_info and the audit count. */
  private readonly registry = new Registry();
  /**
   * The others live apart because prom-client shows a gauge without labels as 0 until it is set:
   * the KPIs appear once the first audit is in, the CIS score when it could be judged, and the flow
   * series where recorded flow summaries exist, never as a misleading 0.
   */
  private readonly kpiRegistry = new Registry();
  private readonly cisRegistry = new Registry();
  private readonly flowRegistry = new Registry();
  private readonly incidentRegistry = new Registry();
  private readonly mttrRegistry = new Registry();
  private readonly watchRegistry = new Registry();
  private audited = false;
  private hasCis = false;
  private readonly g: ReturnType<PodwallMetrics['gauges']>;
  private readonly audits: Counter;
  private readonly f = this.flowMetrics();
  private readonly i = this.incidentMetrics();
  private readonly w = this.watchMetrics();

  /** `flows`, `incidents` and `watch` are asked at every scrape, so what is recorded or seen while podwall runs shows up. */
  constructor(
    cluster: string,
    version: string,
    private readonly flows: () => FlowTotals | undefined = () => undefined,
    private readonly incidents: () => IncidentTotals | undefined = () => undefined,
    private readonly watch: () => WatchTotals | undefined = () => undefined,
  ) {
    for (const r of [this.registry, this.kpiRegistry, this.cisRegistry, this.flowRegistry, this.incidentRegistry, this.mttrRegistry, this.watchRegistry]) r.setDefaultLabels({ cluster });
    new Gauge({ name: 'podwall_info', help: 'podwall is running; the version is a label', labelNames: ['version'], registers: [this.registry] }).set({ version }, 1);
    this.g = this.gauges();
    this.audits = new Counter({ name: 'podwall_audits_total', help: 'Audits evaluated since podwall started', registers: [this.registry] });
  }

  private gauges() {
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = [], registry = this.kpiRegistry) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
    return {
      defaultDeny: gauge('podwall_default_deny_coverage_ratio', 'Share of namespaces (not exempt) where a default deny holds, 0-1', ['direction']),
      isolated: gauge('podwall_pods_isolated_ratio', 'Share of pods (not host-network, not exempt) isolated by some policy, 0-1', ['direction']),
      namespaces: gauge('podwall_namespaces', 'Namespaces audited (exempt ones left out)'),
      pods: gauge('podwall_pods', 'Pods audited (host-network and exempt ones left out)'),
      policies: gauge('podwall_policies', 'Network policies of each kind', ['kind']),
      stale: gauge('podwall_stale_policies', 'Policies that select no pod'),
      findings: gauge('podwall_findings', 'Audit findings of each severity', ['severity']),
      cis: gauge('podwall_cis_score', 'Mean pass rate over the CIS EKS controls that could be judged, 0-100 (absent when none could)', [], this.cisRegistry),
      enforcement: gauge('podwall_enforcement', 'Network policy enforcement: 1 for the current state', ['state']),
      lastAudit: gauge('podwall_last_audit_timestamp_seconds', 'When the KPIs were last evaluated (Unix time)'),
    };
  }

  private flowMetrics() {
    const registers = [this.flowRegistry];
    return {
      denied: new Counter({ name: 'podwall_flows_denied_total', help: 'Denied connection attempts in the recorded flow summaries (blocked attempts)', registers }),
      allowed: new Counter({ name: 'podwall_flows_allowed_total', help: 'Allowed flows in the recorded flow summaries', registers }),
      deniedByNamespace: new Counter({ name: 'podwall_flows_denied_by_namespace_total', help: 'Denied attempts per namespace of the deciding policy (else the destination)', labelNames: ['namespace'], registers }),
      perWeek: new Gauge({ name: 'podwall_flows_blocked_per_week', help: 'Unauthorized connection attempts blocked per week, from the latest recorded flow summary', registers }),
    };
  }

  private incidentMetrics() {
    const registers = [this.incidentRegistry];
    return {
      open: new Gauge({ name: 'podwall_incidents_open', help: 'Policy-caused incidents open now: legitimate traffic a policy change blocks (docs/incidents.md)', registers }),
      opened: new Counter({ name: 'podwall_incidents_opened_total', help: 'Policy-caused incidents opened', registers }),
      resolved: new Counter({ name: 'podwall_incidents_resolved_total', help: 'Policy-caused incidents resolved (the traffic flowed again, or a change let it through)', registers }),
      resolution: new Counter({ name: 'podwall_incidents_resolution_seconds_total', help: 'Summed duration of the resolved incidents: MTTR over a range is increase(this) / increase(podwall_incidents_resolved_total)', registers }),
      mttr: new Gauge({ name: 'podwall_incidents_mttr_seconds', help: 'Mean time to resolution of the incidents resolved in the window (watch: --mttr-window; recorded: the latest flow summary); absent when none', registers: [this.mttrRegistry] }),
    };
  }

  private watchMetrics() {
    const registers = [this.watchRegistry];
    return {
      sources: new Gauge({ name: 'podwall_flow_sources', help: 'Flow sources watch follows (--flows); 0: policy changes are not checked against traffic', registers }),
      changes: new Counter({ name: 'podwall_policy_changes_total', help: 'Changes of the policy set watch saw (one per re-evaluation that found policy objects added, removed or modified)', registers }),
    };
  }

  /** Replaces every KPI gauge with the values of this audit (kinds that disappeared go away). */
  audit(k: Kpis, at = new Date()): void {
    const g = this.g;
    for (const x of Object.values(g)) x.reset();
    g.defaultDeny.set({ direction: 'ingress' }, k.defaultDenyIngress);
    g.defaultDeny.set({ direction: 'egress' }, k.defaultDenyEgress);
    g.isolated.set({ direction: 'ingress' }, k.podsIsolatedIngress);
    g.isolated.set({ direction: 'egress' }, k.podsIsolatedEgress);
    g.namespaces.set(k.namespaces);
    g.pods.set(k.pods);
    for (const [kind, n] of Object.entries(k.policiesByKind)) g.policies.set({ kind }, n);
    g.stale.set(k.stalePolicies);
    for (const severity of SEVERITIES) g.findings.set({ severity }, k.findings[severity]);
    if (k.cisScore !== null) g.cis.set(k.cisScore);
    this.hasCis = k.cisScore !== null;
    for (const state of ENFORCEMENT_STATES) g.enforcement.set({ state }, k.enforcement === state ? 1 : 0);
    g.lastAudit.set(at.getTime() / 1000);
    this.audits.inc();
    this.audited = true;
  }

  /** Ready once the first audit is in: before that the gauges would say nothing true. */
  get ready(): boolean {
    return this.audited;
  }

  /** The text format; the flow counters are the store's sums, set fresh at each scrape (they only grow). */
  async text(): Promise<string> {
    const parts = [await this.registry.metrics()];
    if (this.audited) parts.push(await this.kpiRegistry.metrics());
    if (this.hasCis) parts.push(await this.cisRegistry.metrics());
    const t = this.flows();
    if (t && t.summaries > 0) {
      const f = this.f;
      for (const x of Object.values(f)) x.reset();
      f.denied.inc(t.denied);
      f.allowed.inc(t.allowed);
      for (const [namespace, n] of Object.entries(t.deniedByNamespace)) f.deniedByNamespace.inc({ namespace }, n);
      if (t.blockedPerWeek !== undefined) f.perWeek.set(t.blockedPerWeek);
      parts.push(await this.flowRegistry.metrics());
    }
    const inc = this.incidents();
    if (inc) {
      const i = this.i;
      for (const x of Object.values(i)) x.reset();
      i.open.set(inc.open);
      i.opened.inc(inc.opened);
      i.resolved.inc(inc.resolved);
      i.resolution.inc(inc.resolutionSeconds);
      parts.push(await this.incidentRegistry.metrics());
      if (inc.mttrSeconds !== undefined) {
        i.mttr.set(inc.mttrSeconds);
        parts.push(await this.mttrRegistry.metrics());
      }
    }
    const w = this.watch();
    if (w) {
      this.w.sources.set(w.flowSources);
      this.w.changes.reset();
      this.w.changes.inc(w.policyChanges);
      parts.push(await this.watchRegistry.metrics());
    }
    return parts.join('\n');
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
