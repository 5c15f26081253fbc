// A ClusterNetworkPolicy ingress rule resolves in the namespaces of its first peer only (controller v1.1.7
// clusternetworkpolicy_resolver.go l.404-437): when that peer matches no namespace the whole rule writes nothing.
// PR #232, merged after v1.1.7, resolves the rule once with every peer's own selector: keyed by controller release.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dataplanes } from '../../src/eks/compare.js';
import { clusterFrom } from '../helpers.js';
import { cnp, conn, N1, ns, pod } from './fixtures.js';

const pods = ns('a') + ns('b', 'team: red') + N1 + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('b', 'x', { app: 'x' }, '10.2.0.1');
const rule = (from: string): string => cnp('deny-red', `tier: Admin\npriority: 5\nsubject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}\ningress: [{action: Deny, from: [${from}]}]`);
const ghostFirst = pods + rule('{namespaces: {matchLabels: {team: ghost}}}, {namespaces: {matchLabels: {team: red}}}');

function compare(yaml: string, controller = 'v1.1.7') {
  const cluster = clusterFrom(yaml, {});
  const dp = new Dataplanes(cluster, { version: 'v1.4.1', compute: 'auto', controller });
  return { dp, c: dp.compare(conn(cluster, 'b/x', 'a/web', 8080)) };
}

describe('EKS ClusterNetworkPolicy ingress: namespaces from the first peer only', () => {
  it('a first peer matching no namespace drops the rule for every peer (v1.1.7)', () => {
    const { dp, c } = compare(ghostFirst);
    assert.equal(c.kubernetes.allowed, false, 'the second peer selects b/x: the specification denies');
    assert.equal(c.eks.allowed, true);
    assert.deepEqual(c.mechanisms, ['cnp-ingress-first-peer-namespaces']);
    const cpe = dp.eks.controller.clusterPolicyEndpoints[0]!;
    assert.equal(cpe.ingress.length, 0);
    assert.ok(cpe.dropped.some((d) => d.mechanism === 'cnp-ingress-first-peer-namespaces' && d.what === 'rule 0'));
  });

  it('the same peers with a matching first peer are all resolved, pods peers included', () => {
    assert.equal(compare(pods + rule('{namespaces: {matchLabels: {team: red}}}, {namespaces: {matchLabels: {team: ghost}}}')).c.eks.allowed, false);
    const podsFirst = pods + rule('{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}, podSelector: {matchLabels: {app: none}}}}, {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}}');
    const c = compare(podsFirst).c;
    assert.equal(c.agree, true, 'a pods peer counts by its namespaceSelector, even when it selects no pod');
    assert.equal(c.eks.allowed, false);
    const ghostPods = pods + rule('{pods: {namespaceSelector: {matchLabels: {team: ghost}}, podSelector: {}}}, {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}}');
    assert.deepEqual(compare(ghostPods).c.mechanisms, ['cnp-ingress-first-peer-namespaces']);
  });

  it('a namespace known only from its pods exists for the controller', () => {
    const noObject = ns('a') + N1 + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('b', 'x', { app: 'x' }, '10.2.0.1') +
      rule('{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}');
    assert.equal(compare(noObject).c.eks.allowed, false);
  });

  it('controllers after v1.1.7 (PR #232) resolve every peer', () => {
    const c = compare(ghostFirst, 'v1.1.9').c;
    assert.equal(c.agree, true);
    assert.equal(c.eks.allowed, false);
    assert.equal(compare(ghostFirst, 'v1.1.7').c.eks.allowed, true);
  });
});
