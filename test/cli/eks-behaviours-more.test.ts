// The parts of issue 11's numbered behaviours that eks-behaviours.test.ts does not reach through the command line:
// 2 (a rule without `to`), 12 (domain names in a ClusterNetworkPolicy), 13 (an IPv6 cluster ignores IPv4), 14 (the
// merge for Deny). Each through `podwall test` pinned to `dataplane: eks` and `dataplane: kubernetes`, with the
// mechanism the EKS result names.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { checkBehaviour, type BehaviourCase } from './eks-behaviour-case.js';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { awsNode, base, cnp, db, node, np, ns, pod, web } from '../eks/fixtures.js';
import { podwallAsync } from '../helpers.js';


const denyEgress = np('a', 'deny-egress', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]');

const CASES: BehaviourCase[] = [
  { name: '2-egress-named-port-rule-without-to', from: 'a/web', to: 'a/db', port: 8080, eks: 'deny', mechanism: 'egress-named-port-dropped',
    yaml: base + web + db + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{ports: [{port: http}]}]') },
  { name: '12-cnp-domain-names-ec2', from: 'a/web', to: 'api.example.com', port: 443, eks: 'deny', mechanism: 'domain-names-ec2',
    yaml: base + web + awsNode('{name: NETWORK_POLICY_ENFORCING_MODE, value: standard}') + denyEgress +
      cnp('to-api', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\negress: [{action: Accept, to: [{domainNames: [api.example.com]}], ports: [{portNumber: {port: 443, protocol: TCP}}]}]') },
  { name: '12-cnp-domain-named-port-all-ports', from: 'a/web', to: 'api.example.com', port: 8443, eks: 'allow', mechanism: 'domain-named-port-all-ports', flags: ['--compute', 'auto'],
    yaml: base + web + denyEgress +
      cnp('to-api', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\negress: [{action: Accept, to: [{domainNames: [api.example.com]}], ports: [{namedPort: https}]}]') },
  { name: '13-ipv6-cluster-ignores-ipv4', from: 'a/web', to: '8.8.8.8', port: 443, eks: 'allow', mechanism: 'family-filter',
    yaml: ns('a') + node('n1', 'fd00::1') + pod('a', 'web', { app: 'web' }, 'fd00:1::1') + pod('a', 'db', { app: 'db' }, 'fd00:1::2') +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 8.8.8.0/24}}], ports: [{port: 80}]}, {to: [{ipBlock: {cidr: "fd00:1::/64"}}]}]') },
  { name: '14-cnp-port-merge-deny', from: 'a/web', to: '8.8.8.8', port: 443, eks: 'allow', mechanism: 'cnp-port-merge',
    yaml: base + web + cnp('c', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\negress:\n- {action: Deny, to: [{networks: [8.8.8.8/32]}]}\n- {action: Deny, to: [{networks: [8.8.8.8/32]}], ports: [{portNumber: {port: 53, protocol: UDP}}]}') },
];

describe('more EKS behaviours through podwall test, under both data planes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-more-'));
  for (const c of CASES) {
    it(c.name, () => checkBehaviour(c, dir));
  }

  it('13. the IPv6 cluster still enforces its IPv6 rule (only the other family is ignored)', async () => {
    const c = CASES.find((x) => x.name === '13-ipv6-cluster-ignores-ipv4')!;
    const cluster = join(dir, 'v6.yaml');
    writeFileSync(cluster, c.yaml);
    for (const dataplane of ['eks', 'kubernetes']) {
      const r = await podwallAsync(['explain', '--from', 'a/web', '--to', 'a/db', '--port', '80', '-f', cluster, '-o', 'json', '--dataplane', dataplane]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { allowed: boolean }).allowed, true, dataplane);
      const out = await podwallAsync(['explain', '--from', 'a/web', '--to', '2001:db8::9', '--port', '80', '-f', cluster, '-o', 'json', '--dataplane', dataplane]);
      assert.equal((JSON.parse(out.stdout) as { allowed: boolean }).allowed, false, `${dataplane}: an IPv6 address no rule allows`);
    }
  });
});
