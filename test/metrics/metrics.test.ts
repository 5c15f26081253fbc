// The metric registry directly: what is shown before the first audit, when the CIS score cannot be
// judged, when a policy kind disappears, and where no flow summary is recorded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kpis } from '../../src/audit/run.js';
import { PodwallMetrics } from '../../src/metrics/metrics.js';
import { parseListenAddress } from '../../src/metrics/server.js';

const kpis = (over: Partial<Kpis> = {}): Kpis => ({
  enforcement: 'enabled',
  namespaces: 3,
  defaultDenyIngress: 0.667,
  defaultDenyEgress: 0.333,
  pods: 9,
  podsIsolatedIngress: 1,
  podsIsolatedEgress: 0.5,
  policies: 4,
  policiesByKind: { NetworkPolicy: 3, ClusterNetworkPolicy: 1 },
  stalePolicies: 1,
  findings: { error: 2, warning: 5, info: 0 },
  cisScore: 83.3,
  ...over,
});

const series = (text: string): string[] => text.split('\n').filter((l) => l && !l.startsWith('#'));

describe('PodwallMetrics', () => {
  it('shows no KPI before the first audit: no gauge pretends to be 0', async () => {
    const m = new PodwallMetrics('prod', '1.2.3');
    assert.equal(m.ready, false);
    assert.deepEqual(series(await m.text()), ['podwall_info{version="1.2.3",cluster="prod"} 1', 'podwall_audits_total{cluster="prod"} 0']);
  });

  it('sets every KPI with the cluster label, drops kinds that disappear, and leaves out a CIS score that cannot be judged', async () => {
    const m = new PodwallMetrics('prod', '1.2.3');
    m.audit(kpis(), new Date(Date.UTC(2026, 10, 23)));
    let s = series(await m.text());
    for (const line of [
      'podwall_default_deny_coverage_ratio{direction="egress",cluster="prod"} 0.333',
      'podwall_pods_isolated_ratio{direction="egress",cluster="prod"} 0.5',
      'podwall_policies{kind="ClusterNetworkPolicy",cluster="prod"} 1',
      'podwall_findings{severity="error",cluster="prod"} 2',
      'podwall_findings{severity="info",cluster="prod"} 0',
      'podwall_enforcement{state="enabled",cluster="prod"} 1',
      'podwall_enforcement{state="unknown",cluster="prod"} 0',
      'podwall_cis_score{cluster="prod"} 83.3',
      'podwall_stale_policies{cluster="prod"} 1',
      'podwall_last_audit_timestamp_seconds{cluster="prod"} 1795392000',
      'podwall_audits_total{cluster="prod"} 1',
    ]) assert.ok(s.includes(line), `${line}\n${s.join('\n')}`);
    assert.equal(m.ready, true);

    m.audit(kpis({ policiesByKind: { NetworkPolicy: 3 }, cisScore: null, enforcement: 'unknown' }));
    s = series(await m.text());
    assert.ok(!s.some((l) => l.includes('ClusterNetworkPolicy')), 'a kind that is gone is dropped');
    assert.ok(!s.some((l) => l.startsWith('podwall_cis_score')), 'no CIS score when none could be judged');
    assert.ok(s.includes('podwall_enforcement{state="unknown",cluster="prod"} 1'));
    assert.ok(s.includes('podwall_audits_total{cluster="prod"} 2'));
    assert.ok(!s.some((l) => l.startsWith('podwall_flows_')), 'no flow series without recorded flows');
  });

  it('exposes recorded flow totals as counters, read at each scrape', async () => {
    let totals = { summaries: 1, denied: 10, allowed: 4, deniedByNamespace: { shop: 7, pay: 3 }, blockedPerWeek: 5 };
    const m = new PodwallMetrics('prod', '1.2.3', () => totals);
    let s = series(await m.text());
    assert.ok(s.includes('podwall_flows_denied_total{cluster="prod"} 10'));
    assert.ok(s.includes('podwall_flows_denied_by_namespace_total{namespace="pay",cluster="prod"} 3'));
    assert.ok(s.includes('podwall_flows_blocked_per_week{cluster="prod"} 5'));
    totals = { summaries: 2, denied: 12, allowed: 4, deniedByNamespace: { shop: 9, pay: 3 }, blockedPerWeek: 2 };
    s = series(await m.text());
    assert.ok(s.includes('podwall_flows_denied_total{cluster="prod"} 12'), 'a summary recorded while running shows up');
    assert.ok(s.includes('podwall_flows_denied_by_namespace_total{namespace="shop",cluster="prod"} 9'));
  });

  it('reads listen addresses as HOST:PORT, [IPv6]:PORT and :PORT', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
    assert.deepEqual(parseListenAddress(':9464'), { host: '0.0.0.0', port: 9464 });
    assert.equal(parseListenAddress('9464'), undefined);
    assert.equal(parseListenAddress('localhost'), undefined);
    assert.equal(parseListenAddress('127.0.0.1:99999'), undefined);
  });
});
