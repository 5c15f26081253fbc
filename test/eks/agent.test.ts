// How the agent fills the maps (../shared/eks-dataplane/README.md §5), through the controller and agent steps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalText } from '../../src/eks/addressing.js';
import { describeSlot } from '../../src/eks/agent.js';
import type { DirectionMaps } from '../../src/eks/types.js';
import { cnp, compare, N1, np, ns, planes, pod } from './fixtures.js';

const base = ns('a') + N1 + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'db', { app: 'db' }, '10.2.0.2');

function maps(yaml: string, d: 'ingress' | 'egress' = 'egress'): DirectionMaps {
  const { cluster, dp } = planes(yaml);
  return dp.eks.mapsOf(cluster.pods.find((p) => p.name === 'web')!)![d];
}
const table = (m: DirectionMaps): Record<string, string[]> => Object.fromEntries(m.entries.map((e) => [canonicalText(e.cidr!), e.l4.map(describeSlot)]));

describe('EKS agent: filling the maps', () => {
  it('writes the node entry, and a CIDR inherits the slots of every containing non-host CIDR', () => {
    const m = maps(base + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n  ports: [{port: 80}]\n- to: [{podSelector: {matchLabels: {app: db}}}]\n  ports: [{port: 443}, {port: 80}]'));
    assert.deepEqual(table(m), { '10.0.0.1/32': ['ANY'], '10.0.0.0/8': ['TCP 80'], '10.2.0.2/32': ['TCP 443', 'TCP 80'] }, 'duplicate slots merged');
    assert.equal(m.podState, 'POLICIES_APPLIED');
  });

  it('a direction no policy isolates and no rule fills gets the catch-all; an isolated one only the node entry', () => {
    const only = base + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]');
    assert.deepEqual(table(maps(only, 'egress')), { '10.0.0.1/32': ['ANY'], '0.0.0.0/0': ['ANY'] });
    assert.deepEqual(table(maps(only, 'ingress')), { '10.0.0.1/32': ['ANY'] });
    assert.equal(maps(only, 'egress').entries.find((e) => e.cidr?.bits === 0)!.kind, 'catch-all');
  });

  it('an except becomes RESERVED unless it is a rule CIDR; a container whose except holds the network address gives nothing', () => {
    const y = base + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.3.0.0/24, 10.4.0.0/16]}}]\n  ports: [{port: 80}]\n- to: [{ipBlock: {cidr: 10.3.0.0/16}}]\n  ports: [{port: 53, protocol: UDP}]\n- to: [{ipBlock: {cidr: 10.4.0.0/16}}]\n  ports: [{port: 22}]');
    assert.deepEqual(table(maps(y)), {
      '10.0.0.1/32': ['ANY'],
      '10.0.0.0/8': ['TCP 80'],
      '10.3.0.0/16': ['UDP 53'],
      '10.3.0.0/24': ['RESERVED'],
      '10.4.0.0/16': ['TCP 22'],
    });
    // 10.3.5.5 is not excepted, yet the /16 inherited nothing from the /8 (its network address is in the except)
    const c = compare(y, 'a/web', '10.3.5.5', 80);
    assert.equal(c.kubernetes.allowed, true);
    assert.equal(c.eks.allowed, false);
    assert.deepEqual(c.mechanisms, ['except-shadows-rules']);
  });

  it('cluster-policy entries copy the rules of the most specific containing CIDR; Baseline keeps its own priority', () => {
    const y = base + cnp('wide', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [10.0.0.0/8]}]}]') +
      cnp('narrow', 'tier: Admin\npriority: 3\nsubject: {namespaces: {}}\negress: [{action: Accept, to: [{networks: [10.5.0.0/16]}], ports: [{portNumber: {port: 443, protocol: TCP}}]}]') +
      cnp('floor', 'tier: Baseline\npriority: 7\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]');
    const m = maps(y);
    const cp = Object.fromEntries(m.cpEntries.map((e) => [canonicalText(e.cidr!), e.rules.map((r) => `${r.tier} ${r.priority} ${r.action} ${describeSlot(r)}`)]));
    assert.deepEqual(cp, {
      '0.0.0.0/0': ['Baseline 7 deny ANY'],
      '10.0.0.0/8': ['Baseline 7 deny ANY', 'Admin 5 deny ANY'],
      '10.5.0.0/16': ['Baseline 7 deny ANY', 'Admin 5 deny ANY', 'Admin 3 allow TCP 443'],
    });
    assert.equal(m.cpPodState, 'POLICIES_APPLIED');
    assert.equal(m.podState, 'DEFAULT_ALLOW', 'no NetworkPolicy selects it');
    assert.equal(compare(y, 'a/web', '10.5.0.9', 443).eks.allowed, true);
    assert.equal(compare(y, 'a/web', '10.5.0.9', 80).eks.egress.tier, 'ADMIN');
    assert.equal(compare(y, 'a/web', '8.8.8.8', 80).eks.egress.tier, 'BASELINE');
  });
});
