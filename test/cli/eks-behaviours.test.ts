// Each numbered EKS behaviour of issue 11 through the command line: `podwall test` with assertions pinned to
// `dataplane: eks` and `dataplane: kubernetes`, and `podwall explain` printing both verdicts and the mechanism.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { checkBehaviour, type BehaviourCase } from './eks-behaviour-case.js';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { anp, awsNode, base, client, cnp, db, node, np, ns, pod, web } from '../eks/fixtures.js';
import { podwall, podwallAsync } from '../helpers.js';



const CASES: BehaviourCase[] = [
  { name: '1-ingress-named-port-union', from: 'a/client', to: 'a/web', port: 9090, eks: 'allow', mechanism: 'ingress-named-port-union',
    yaml: base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'api', { app: 'web' }, '10.1.0.2', { ports: '[{containerPort: 9090, name: http}]' }) + client + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]') },
  { name: '2-egress-named-port-dropped', from: 'a/web', to: 'a/db', port: 8080, eks: 'deny', mechanism: 'egress-named-port-dropped',
    yaml: base + web + db + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 10.1.0.0/16}}], ports: [{port: http}]}]') },
  { name: '3-init-container-ports', from: 'a/client', to: 'a/web', port: 7000, eks: 'deny', mechanism: 'init-container-ports',
    yaml: base + pod('a', 'web', { app: 'web' }, '10.1.0.1', { ports: '[]', init: '[{containerPort: 7000, name: boot}]' }) + client + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: boot}, {port: 1}]}]') },
  { name: '4-policytypes-not-respected', from: 'a/web', to: 'a/db', port: 8080, eks: 'deny', mechanism: 'policytypes-not-respected',
    yaml: base + web + db + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]\ningress: [{}]\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}]}]') },
  { name: '5-anp-egress-without-to', from: 'a/web', to: 'a/db', port: 5432, eks: 'deny', mechanism: 'anp-egress-without-to',
    yaml: base + web + db + anp('podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{ports: [{port: 5432}]}]') },
  { name: '6-host-network-peer', from: 'a/agent', to: 'a/web', port: 8080, eks: 'allow', mechanism: 'host-network-peer',
    yaml: base + node('n2', '10.0.0.2') + web + pod('a', 'agent', { app: 'agent' }, '10.0.0.2', { node: 'n2', hostNetwork: true }) + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{from: [{podSelector: {matchLabels: {app: agent}}}]}]') },
  { name: '7-node-primary-ip-only', from: '10.0.9.9', to: 'a/web', port: 8080, eks: 'deny', mechanism: 'node-primary-ip-only',
    yaml: ns('a') + node('n1', '10.0.0.1', '10.0.9.9') + web + np('a', 'deny', 'podSelector: {}\npolicyTypes: [Ingress]') },
  { name: '7-strict-no-node-entry', from: '10.0.0.1', to: 'a/web', port: 8080, eks: 'deny', mechanism: 'strict-no-node-entry',
    yaml: base + web + awsNode('{name: NETWORK_POLICY_ENFORCING_MODE, value: strict}') },
  { name: '7-cp-no-node-entry', from: 'a/web', to: '10.0.0.1', port: 10250, eks: 'deny', mechanism: 'cp-no-node-entry', flags: ['--eks-version', 'v1.4.1'],
    yaml: base + web + cnp('cut', 'tier: Admin\npriority: 10\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]') },
  { name: '9-except-shadows-rules', from: 'a/web', to: '192.168.1.5', port: 443, eks: 'deny', mechanism: 'except-shadows-rules',
    yaml: base + web + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]\n- to: [{ipBlock: {cidr: 0.0.0.0/0}}]') },
  { name: '11-identifier-sharing', from: 'a/client', to: 'a/web-2', port: 8080, eks: 'deny', mechanism: 'identifier-sharing',
    yaml: base + pod('a', 'web-1', { app: 'web' }, '10.1.0.1') + pod('a', 'web-2', { app: 'other' }, '10.1.0.2') + client + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]') },
  { name: '12-domain-named-port-all-ports', from: 'a/web', to: 'api.example.com', port: 8443, eks: 'allow', mechanism: 'domain-named-port-all-ports', flags: ['--compute', 'auto'],
    yaml: base + web + anp('podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{domainNames: [api.example.com]}], ports: [{port: https, protocol: TCP}]}]') },
  { name: '12-domain-names-ec2', from: 'a/web', to: 'api.example.com', port: 443, eks: 'deny', mechanism: 'domain-names-ec2',
    yaml: base + web + awsNode('{name: NETWORK_POLICY_ENFORCING_MODE, value: standard}') + anp('podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{domainNames: [api.example.com]}], ports: [{port: 443, protocol: TCP}]}]') },
  { name: '13-family-filter', from: 'a/web', to: '2001:db9::1', port: 443, eks: 'allow', mechanism: 'family-filter',
    yaml: base + web + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: "2001:db8::/32"}}]}]') },
  { name: '14-cnp-port-merge', from: 'a/web', to: '8.8.8.8', port: 443, eks: 'deny', mechanism: 'cnp-port-merge',
    yaml: base + web + cnp('c', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\negress:\n- {action: Accept, to: [{networks: [8.8.8.8/32]}]}\n- {action: Accept, to: [{networks: [8.8.8.8/32]}], ports: [{portNumber: {port: 53, protocol: UDP}}]}') + cnp('d', 'tier: Admin\npriority: 6\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]') },
  { name: '5-anp-without-policytypes-still-enforced', from: 'a/web', to: 'a/db', port: 8080, eks: 'deny', mechanism: 'policytypes-not-respected',
    yaml: base + web + db + anp('podSelector: {matchLabels: {app: web}}\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}]}]') },
  { name: '5-anp-without-policytypes-catch-all-in-strict-mode', from: '203.0.113.9', to: 'a/web', port: 8080, eks: 'allow', mechanism: ['policytypes-not-respected', 'selected-without-isolation'],
    yaml: base + web + awsNode('{name: NETWORK_POLICY_ENFORCING_MODE, value: strict}') + anp('podSelector: {matchLabels: {app: web}}\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}]}]') },
  { name: '8-service-clusterip', from: 'a/web', to: 'a/svc/db', port: 80, eks: 'deny', mechanism: 'service-clusterip',
    yaml: base + web + pod('a', 'db', { app: 'db', v: '1' }, '10.1.0.2') + '---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: a}\nspec: {clusterIP: 172.20.0.10, selector: {app: db}, ports: [{port: 80, targetPort: 8080}]}\n' +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{podSelector: {matchLabels: {app: db, v: "1"}}}], ports: [{port: 8080}]}]') },
  { name: 'cnp-named-port', from: 'b/x', to: 'a/web', port: 8080, eks: 'allow', mechanism: 'cnp-named-port', flags: ['--eks-controller-version', 'v1.1.7'],
    yaml: base + web + pod('b', 'x', { app: 'x' }, '10.2.0.1') + cnp('deny-b', 'tier: Admin\npriority: 5\nsubject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}\ningress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}], ports: [{namedPort: http}]}]') },
  { name: 'cnp-ingress-first-peer-namespaces', from: 'b/x', to: 'a/web', port: 8080, eks: 'allow', mechanism: 'cnp-ingress-first-peer-namespaces', flags: ['--eks-controller-version', 'v1.1.7'],
    yaml: ns('a') + ns('b', 'team: red') + node('n1', '10.0.0.1') + web + pod('b', 'x', { app: 'x' }, '10.2.0.1') + cnp('deny-red', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\ningress: [{action: Deny, from: [{namespaces: {matchLabels: {team: ghost}}}, {namespaces: {matchLabels: {team: red}}}]}]') },
];

describe('each EKS behaviour through podwall test, under both data planes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-'));
  for (const c of CASES) {
    it(c.name, () => checkBehaviour(c, dir));
  }
});

describe('podwall explain on an EKS-only difference', () => {
  const c = CASES[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-explain-'));
  const cluster = join(dir, 'c.yaml');
  writeFileSync(cluster, c.yaml);
  it('prints both verdicts and names the mechanism (text)', () => {
    const r = podwall(['explain', '--from', c.from, '--to', c.to, '--port', String(c.port), '-f', cluster]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOW a\/client -> a\/web 9090\/TCP  \(EKS data plane: agent v1\.4\.1, controller v1\.1\.9, compute auto; the Kubernetes specification says DENY\)/);
    assert.match(r.stdout, /EKS differs from the specification because:\n\s+- ingress-named-port-union: ingress named ports are resolved over every pod/);
    assert.match(r.stdout, /ingress of a\/web: allowed \[NETWORK_POLICY\] maps web@a on n1, peer 10\.1\.0\.3 port 9090: entry 0\.0\.0\.0\/0 slot TCP 9090: .* from NetworkPolicy a\/p ingress rule 0/);
    assert.match(r.stdout, /the Kubernetes specification:\n\s+DENY a\/client -> a\/web 9090\/TCP/);
  });
  it('gives both verdicts and the mechanism in JSON, and only the specification under --dataplane kubernetes', () => {
    const j = JSON.parse(podwall(['explain', '--from', c.from, '--to', c.to, '--port', String(c.port), '-f', cluster, '-o', 'json']).stdout);
    assert.equal(j.dataplane, 'eks');
    assert.equal(j.allowed, true);
    assert.equal(j.eks.allowed, true);
    assert.equal(j.kubernetes.allowed, false);
    assert.equal(j.agree, false);
    assert.deepEqual(j.mechanisms.map((m: { id: string }) => m.id), ['ingress-named-port-union']);
    assert.equal(j.eks.ingress.entry, '0.0.0.0/0');
    const k = JSON.parse(podwall(['explain', '--from', c.from, '--to', c.to, '--port', String(c.port), '-f', cluster, '-o', 'json', '--dataplane', 'kubernetes']).stdout);
    assert.equal(k.dataplane, 'kubernetes');
    assert.equal(k.allowed, false);
    assert.equal(k.eks, undefined);
  });
  it('rejects an unknown --dataplane, and a test file that pins one', () => {
    const bad = podwall(['explain', '--from', c.from, '--to', c.to, '--port', '80', '-f', cluster, '--dataplane', 'cilium']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--dataplane must be eks or kubernetes/);
    const file = join(dir, 'bad.test.yaml');
    writeFileSync(file, 'dataplane: calico\nassertions: [{from: a/client, to: a/web, port: 80, expect: allow}]\n');
    const t = podwall(['test', file, '-f', cluster]);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /bad\.test\.yaml:1: .*dataplane must be eks or kubernetes, got "calico"/);
  });
});

describe('EKS behaviours where both data planes agree, through the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-agree-'));
  it('10. more than 24 ports for one CIDR: the same verdict on both planes, and EKS says it cannot know which survive', async () => {
    const cluster = join(dir, 'ports.yaml');
    writeFileSync(cluster, base + web + np('a', 'p', `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}], ports: [${Array.from({ length: 26 }, (_, i) => `{port: ${1000 + i}}`).join(', ')}]}]`));
    const eks = await podwallAsync(['explain', '--from', 'a/web', '--to', '8.8.8.8', '--port', '1025', '-f', cluster, '-o', 'json']);
    assert.equal(eks.code, 0, eks.stderr);
    const j = JSON.parse(eks.stdout) as { allowed: boolean; agree: boolean; caveats?: { id: string }[]; eks: { egress: { uncertain?: string } } };
    assert.equal(j.allowed, true);
    assert.equal(j.agree, true);
    assert.deepEqual(j.caveats?.map((c) => c.id), ['port-limit']);
    assert.match(j.eks.egress.uncertain ?? '', /Go map order/);
    const text = await podwallAsync(['explain', '--from', 'a/web', '--to', '8.8.8.8', '--port', '1025', '-f', cluster]);
    assert.match(text.stdout, /caveat:.* port-limit: at most 24 port entries per CIDR/);
    const k = JSON.parse((await podwallAsync(['explain', '--from', 'a/web', '--to', '8.8.8.8', '--port', '1025', '-f', cluster, '-o', 'json', '--dataplane', 'kubernetes'])).stdout) as { allowed: boolean; caveats?: unknown };
    assert.equal(k.allowed, true);
    assert.equal(k.caveats, undefined);
  });

  it('15. NETWORK_POLICY_ENFORCING_MODE is read in any case, on both planes', async () => {
    for (const value of ['STRICT', 'Strict', 'strict']) {
      const cluster = join(dir, `mode-${value}.yaml`);
      const tests = join(dir, `mode-${value}.test.yaml`);
      writeFileSync(cluster, base + web + client + awsNode(`{name: NETWORK_POLICY_ENFORCING_MODE, value: ${value}}`));
      writeFileSync(tests, 'assertions:\n  - {from: a/client, to: a/web, port: 8080, dataplane: eks, expect: deny}\n  - {from: a/client, to: a/web, port: 8080, dataplane: kubernetes, expect: deny}\n');
      const r = await podwallAsync(['test', tests, '-f', cluster, '-o', 'json']);
      assert.equal(r.code, 0, `${value}: ${r.stdout}${r.stderr}`);
    }
    const standard = join(dir, 'mode-Standard.yaml');
    writeFileSync(standard, base + web + client + awsNode('{name: NETWORK_POLICY_ENFORCING_MODE, value: Standard}'));
    const open = JSON.parse((await podwallAsync(['explain', '--from', 'a/client', '--to', 'a/web', '--port', '8080', '-f', standard, '-o', 'json'])).stdout) as { allowed: boolean; enforcingMode: string };
    assert.equal(open.allowed, true);
    assert.equal(open.enforcingMode, 'standard');
  });
});

describe('the controller release modelled', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-controller-'));
  const c = CASES.find((x) => x.name === 'cnp-ingress-first-peer-namespaces')!;
  const cluster = join(dir, 'c.yaml');
  writeFileSync(cluster, c.yaml);
  const ask = (flags: string[]) => podwallAsync(['explain', '--from', c.from, '--to', c.to, '--port', String(c.port), '-f', cluster, '-o', 'json', ...flags]);

  it('is the newest known by default, named in the output, where the from[0] choice is gone', async () => {
    const r = await ask([]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { allowed: boolean; agree: boolean; eks: { controller?: string } };
    assert.equal(j.eks.controller, 'v1.1.9');
    assert.equal(j.allowed, false, 'the later peer\'s Deny holds once each peer resolves in its own namespaces');
    assert.equal(j.agree, true);
  });

  it('--eks-controller-version v1.1.7 models that release; a bad value is exit 2', async () => {
    const old = JSON.parse((await ask(['--eks-controller-version', 'v1.1.7'])).stdout) as { allowed: boolean; eks: { controller?: string } };
    assert.equal(old.eks.controller, 'v1.1.7');
    assert.equal(old.allowed, true);
    const bad = await ask(['--eks-controller-version', 'latest-ish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--eks-controller-version must be a controller version like v1\.1\.7/);
    assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
  });
});
