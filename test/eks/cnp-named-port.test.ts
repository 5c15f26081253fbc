// ClusterNetworkPolicy `namedPort` by controller release: up to v1.1.7 the controller reads it without a protocol and
// panics, so the rule writes nothing (cnp-named-port); PR #232 (after v1.1.7) gives it TCP, resolves ingress named
// ports on the subject pods of the first subject namespace by name, egress ones per destination pod, and drops them
// for network peers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dataplanes } from '../../src/eks/compare.js';
import { clusterFrom } from '../helpers.js';
import { cnp, conn, N1, ns, pod } from './fixtures.js';

const pods = ns('a') + ns('b') + ns('c') + N1 + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('b', 'x', { app: 'x' }, '10.2.0.1') +
  pod('c', 'api', { app: 'api' }, '10.3.0.1', { ports: '[{containerPort: 9090, name: http}]' });
const subjectAC = 'subject: {namespaces: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [a, c]}]}}';
const ingressDeny = pods + cnp('deny-b', `tier: Admin\npriority: 5\n${subjectAC}\ningress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}], ports: [{namedPort: http}]}]`);

function compare(yaml: string, from: string, to: string, port: number, controller: string) {
  const cluster = clusterFrom(yaml, {});
  const dp = new Dataplanes(cluster, { version: 'v1.4.1', compute: 'auto', controller });
  return { dp, c: dp.compare(conn(cluster, from, to, port)) };
}

describe('EKS ClusterNetworkPolicy namedPort by controller release', () => {
  it('v1.1.7: the rule writes nothing (the controller cannot resolve a named port without a protocol)', () => {
    const { dp, c } = compare(ingressDeny, 'b/x', 'a/web', 8080, 'v1.1.7');
    assert.equal(c.kubernetes.allowed, false);
    assert.equal(c.eks.allowed, true);
    assert.deepEqual(c.mechanisms, ['cnp-named-port']);
    assert.ok(dp.eks.controller.clusterPolicyEndpoints[0]!.dropped.some((d) => d.mechanism === 'cnp-named-port'));
  });

  it('after v1.1.7: ingress named ports resolve on the first subject namespace\'s pods and apply to every subject', () => {
    const onFirst = compare(ingressDeny, 'b/x', 'a/web', 8080, 'v1.1.9').c;
    assert.equal(onFirst.agree, true, 'a is the first subject namespace: its http is 8080');
    assert.equal(onFirst.eks.allowed, false);
    const other = compare(ingressDeny, 'b/x', 'c/api', 9090, 'v1.1.9').c;
    assert.equal(other.kubernetes.allowed, false, 'c/api names 9090 http');
    assert.equal(other.eks.allowed, true, 'only 8080 (a/web\'s http) was written');
    assert.deepEqual(other.mechanisms, ['cnp-ingress-named-port-first-namespace']);
    const over = compare(ingressDeny, 'b/x', 'c/api', 8080, 'v1.1.9').c;
    assert.equal(over.kubernetes.allowed, true);
    assert.equal(over.eks.allowed, false);
    assert.deepEqual(over.mechanisms, ['cnp-ingress-named-port-first-namespace']);
  });

  it('after v1.1.7: a first subject namespace without a pod declaring the port drops the rule', () => {
    const y = pods + ns('0empty') + cnp('deny-b', `tier: Admin\npriority: 5\nsubject: {namespaces: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [0empty, a]}]}}\ningress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}], ports: [{namedPort: http}]}]`);
    const { dp, c } = compare(y, 'b/x', 'a/web', 8080, 'v1.1.9');
    assert.equal(c.kubernetes.allowed, false);
    assert.equal(c.eks.allowed, true);
    assert.deepEqual(c.mechanisms, ['cnp-ingress-named-port-first-namespace']);
    assert.ok(dp.eks.controller.clusterPolicyEndpoints[0]!.dropped.some((d) => d.mechanism === 'cnp-ingress-named-port-first-namespace'));
  });

  it('after v1.1.7: egress named ports resolve per destination pod, and network peers drop them', () => {
    const toPods = pods + cnp('deny-out', `tier: Admin\npriority: 5\nsubject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}\negress: [{action: Deny, to: [{namespaces: {}}], ports: [{namedPort: http}]}]`);
    const p = compare(toPods, 'a/web', 'c/api', 9090, 'v1.1.9').c;
    assert.equal(p.agree, true);
    assert.equal(p.eks.allowed, false);
    assert.equal(compare(toPods, 'a/web', 'c/api', 8080, 'v1.1.9').c.eks.allowed, true);
    const toNet = pods + cnp('deny-net', `tier: Admin\npriority: 5\nsubject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}\negress: [{action: Deny, to: [{networks: [10.3.0.0/16]}], ports: [{namedPort: http}]}]`);
    const n = compare(toNet, 'a/web', 'c/api', 9090, 'v1.1.9').c;
    assert.equal(n.kubernetes.allowed, false, 'the specification resolves the name on the pod inside the network');
    assert.equal(n.eks.allowed, true);
    assert.deepEqual(n.mechanisms, ['egress-named-port-dropped']);
    assert.deepEqual(compare(toNet, 'a/web', 'c/api', 9090, 'v1.1.7').c.mechanisms, ['cnp-named-port']);
  });
});
