// The audit's EKS findings come from the same comparison explain prints: for each EKS mechanism in a small
// cluster, `podwall audit` names it with a connection, and `podwall explain` on that connection shows the same
// mechanism and the same two verdicts. Every EKS finding of every case is checked that way, not just the one expected.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { anp, awsNode, base, client, cnp, db, node, np, ns, pod, web } from '../eks/fixtures.js';
import { podwallAsync } from '../helpers.js';


interface Case {
  mechanism: string;
  /** The check id the mechanism is reported under. */
  check: string;
  kind: 'over-allow' | 'under-allow' | 'uncertain';
  yaml: string;
  flags?: string[];
}

const CASES: Case[] = [
  { mechanism: 'ingress-named-port-union', check: 'eks-differs', kind: 'over-allow',
    yaml: base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'api', { app: 'web' }, '10.1.0.2', { ports: '[{containerPort: 9090, name: http}]' }) + client + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]') },
  { mechanism: 'egress-named-port-dropped', check: 'eks-named-port-ipblock', kind: 'under-allow',
    yaml: base + web + db + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 10.1.0.0/16}}], ports: [{port: http}]}]') },
  { mechanism: 'init-container-ports', check: 'eks-differs', kind: 'under-allow',
    yaml: base + pod('a', 'web', { app: 'web' }, '10.1.0.1', { ports: '[]', init: '[{containerPort: 7000, name: boot}]' }) + client + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: boot}, {port: 1}]}]') },
  { mechanism: 'policytypes-not-respected', check: 'eks-differs', kind: 'under-allow',
    yaml: base + web + db + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]\ningress: [{}]\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}]}]') },
  { mechanism: 'anp-egress-without-to', check: 'eks-differs', kind: 'under-allow',
    yaml: base + web + db + anp('podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{ports: [{port: 5432}]}]') },
  { mechanism: 'host-network-peer', check: 'eks-differs', kind: 'over-allow',
    yaml: base + node('n2', '10.0.0.2') + web + pod('a', 'agent', { app: 'agent' }, '10.0.0.2', { node: 'n2', hostNetwork: true }) + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{from: [{podSelector: {matchLabels: {app: agent}}}]}]') },
  { mechanism: 'node-primary-ip-only', check: 'eks-differs', kind: 'under-allow',
    yaml: ns('a') + node('n1', '10.0.0.1', '10.0.9.9') + web + np('a', 'deny', 'podSelector: {}\npolicyTypes: [Ingress]') },
  { mechanism: 'strict-no-node-entry', check: 'eks-differs', kind: 'under-allow',
    yaml: base + web + awsNode('{name: NETWORK_POLICY_ENFORCING_MODE, value: strict}') },
  { mechanism: 'cp-no-node-entry', check: 'eks-differs', kind: 'under-allow', flags: ['--eks-version', 'v1.4.1'],
    yaml: base + web + cnp('cut', 'tier: Admin\npriority: 10\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]') },
  { mechanism: 'except-shadows-rules', check: 'eks-differs', kind: 'under-allow',
    yaml: base + web + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]\n- to: [{ipBlock: {cidr: 0.0.0.0/0}}]') },
  { mechanism: 'identifier-sharing', check: 'eks-differs', kind: 'under-allow',
    yaml: base + pod('a', 'web-1', { app: 'web' }, '10.1.0.1') + pod('a', 'web-2', { app: 'other' }, '10.1.0.2') + client + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]') },
  { mechanism: 'domain-named-port-all-ports', check: 'eks-differs', kind: 'over-allow', flags: ['--compute', 'auto'],
    yaml: base + web + anp('podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{domainNames: [api.example.com]}], ports: [{port: https, protocol: TCP}]}]') },
  { mechanism: 'domain-names-ec2', check: 'eks-differs', kind: 'under-allow',
    yaml: base + web + awsNode('{name: NETWORK_POLICY_ENFORCING_MODE, value: standard}') + anp('podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{domainNames: [api.example.com]}], ports: [{port: 443, protocol: TCP}]}]') },
  { mechanism: 'family-filter', check: 'eks-differs', kind: 'over-allow',
    yaml: base + web + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: "2001:db8::/32"}}]}]') },
  { mechanism: 'cnp-port-merge', check: 'eks-differs', kind: 'under-allow',
    yaml: base + web + cnp('c', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\negress:\n- {action: Accept, to: [{networks: [8.8.8.8/32]}]}\n- {action: Accept, to: [{networks: [8.8.8.8/32]}], ports: [{portNumber: {port: 53, protocol: UDP}}]}') + cnp('d', 'tier: Admin\npriority: 6\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]') },
  { mechanism: 'cnp-ingress-first-peer-namespaces', check: 'eks-differs', kind: 'over-allow', flags: ['--eks-controller-version', 'v1.1.7'],
    yaml: ns('a') + ns('b', 'team: red') + node('n1', '10.0.0.1') + web + pod('b', 'x', { app: 'x' }, '10.2.0.1') + cnp('deny-red', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\ningress: [{action: Deny, from: [{namespaces: {matchLabels: {team: ghost}}}, {namespaces: {matchLabels: {team: red}}}]}]') },
  { mechanism: 'port-limit', check: 'eks-port-limit', kind: 'uncertain',
    yaml: base + web + np('a', 'p', `podSelector: {matchLabels: {app: web}}\ningress: [{from: [{ipBlock: {cidr: 192.0.2.0/24}}], ports: [${Array.from({ length: 25 }, (_, i) => `{port: ${i + 1}}`).join(', ')}]}]`) },
];

interface EksFinding {
  check: string;
  severity: string;
  object: string;
  message: string;
  eks?: { mechanism: string; kind: string; from: string; to: string; port: number; protocol: string };
}

describe('the audit names each EKS mechanism on a connection where explain shows it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-audit-'));
  for (const c of CASES) {
    it(`${c.mechanism} (${c.check})`, async () => {
      const file = join(dir, `${c.mechanism}.yaml`);
      writeFileSync(file, c.yaml);
      const a = await podwallAsync(['audit', '-f', file, '-o', 'json', '--fail-on', 'info', ...(c.flags ?? [])]);
      assert.equal(a.code, 1, a.stderr);
      const findings = (JSON.parse(a.stdout) as { findings: EksFinding[] }).findings.filter((f) => f.eks);
      const mine = findings.find((f) => f.eks!.mechanism === c.mechanism && f.eks!.kind === c.kind);
      assert.ok(mine, `no ${c.mechanism} ${c.kind} finding among ${JSON.stringify(findings.map((f) => [f.check, f.eks!.mechanism, f.eks!.kind]))}`);
      assert.equal(mine.check, c.check);
      assert.equal(mine.severity, c.kind === 'over-allow' ? 'error' : c.kind === 'under-allow' ? 'warning' : 'error');
      // every EKS finding, the expected one and any other: explain on its connection agrees with it
      for (const f of findings) {
        const e = f.eks!;
        const x = await podwallAsync(['explain', '--from', e.from, '--to', e.to, '--port', String(e.port), '--protocol', e.protocol, '-f', file, '-o', 'json', ...(c.flags ?? [])]);
        assert.equal(x.code, 0, x.stderr);
        const j = JSON.parse(x.stdout) as { allowed: boolean; agree: boolean; kubernetes: { allowed: boolean }; mechanisms: { id: string }[]; caveats?: { id: string }[] };
        const named = [...j.mechanisms, ...(j.caveats ?? [])].map((m) => m.id);
        assert.ok(named.includes(e.mechanism), `explain ${e.from} -> ${e.to} ${e.port}/${e.protocol} names ${named.join(', ') || 'nothing'}, the audit ${e.mechanism}`);
        if (e.kind === 'uncertain') assert.equal(j.allowed, true);
        else {
          assert.equal(j.agree, false);
          assert.equal(j.allowed, e.kind === 'over-allow');
          assert.equal(j.kubernetes.allowed, e.kind !== 'over-allow');
        }
        assert.match(f.message, new RegExp(`EKS (ALLOWS|DENIES|may drop) it`));
      }
    });
  }

  it('keeps the older check ids working in podwall.yaml: disabling eks-port-limit drops its findings only', async () => {
    const c = CASES.find((x) => x.mechanism === 'port-limit')!;
    const file = join(dir, 'config-cluster.yaml');
    writeFileSync(file, c.yaml);
    const config = join(dir, 'podwall.yaml');
    writeFileSync(config, 'disabled: [eks-port-limit]\nseverity: {eks-differs: info}\n');
    const a = await podwallAsync(['audit', '-f', file, '-o', 'json', '--config', config]);
    assert.ok(a.code === 0 || a.code === 1, a.stderr);
    const findings = (JSON.parse(a.stdout) as { findings: EksFinding[] }).findings;
    assert.ok(!findings.some((f) => f.check === 'eks-port-limit'));
    assert.ok(findings.filter((f) => f.check === 'eks-differs').every((f) => f.severity === 'info'), 'a configured severity wins over the direction');
  });
});
