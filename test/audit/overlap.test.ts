// Rule coverage and overlap, used by shadowed-rule and eks-same-priority-conflict.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditContext } from '../../src/audit/context.js';
import { defaultConfig } from '../../src/audit/config.js';
import { covers, peersOverlap, portsOverlap } from '../../src/audit/overlap.js';
import { shadowedRule } from '../../src/audit/checks/shadowed-rule.js';
import { clusterFrom } from '../helpers.js';

const cluster = clusterFrom(`apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: p}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  egress:
    - {action: Deny, to: [{networks: [10.0.0.0/8]}]}
    - {action: Accept, to: [{networks: [10.1.0.0/16]}], ports: [{portNumber: {port: 443}}]}
    - {action: Accept, to: [{networks: [192.168.0.0/16]}]}
    - {action: Accept, to: [{domainNames: ["*.example.com"]}]}
    - {action: Accept, to: [{domainNames: [api.example.com]}]}
`);
const rules = cluster.policies[0]!.egress;

describe('rule coverage', () => {
  it('a broader CIDR without ports covers a narrower one with ports (CIDRs hold bigints)', () => {
    assert.equal(covers(rules[0]!, rules[1]!), true);
    assert.equal(covers(rules[1]!, rules[0]!), false);
    assert.equal(covers(rules[0]!, rules[2]!), false);
  });
  it('overlap of CIDRs, domains and ports', () => {
    const ctx = new AuditContext(cluster, defaultConfig(), []);
    assert.equal(peersOverlap(ctx, rules[0]!, rules[1]!), true);
    assert.equal(peersOverlap(ctx, rules[0]!, rules[2]!), false);
    assert.equal(peersOverlap(ctx, rules[3]!, rules[4]!), true, '*.example.com holds api.example.com');
    assert.equal(portsOverlap(rules[1]!, rules[2]!), true, 'no ports means every port');
  });
  it('shadowed-rule finds the Accept that the broader Deny of equal priority always beats on EKS', () => {
    const ctx = new AuditContext(cluster, defaultConfig(), []);
    const found = shadowedRule.run(ctx).map((f) => f.message);
    assert.deepEqual(found, ['egress rule 1 of ClusterNetworkPolicy p never decides: deny rule 0 of p (priority 1) decides first for everything it matches']);
  });
});
