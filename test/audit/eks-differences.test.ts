// The audit's EKS comparison, core: probes are bounded and say so; a cluster where the planes agree has no differences.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eksDifferences } from '../../src/audit/eks-differences.js';
import { N1, np, ns, pod } from '../eks/fixtures.js';
import { clusterFrom } from '../helpers.js';

const yaml = ns('a') + N1 + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'api', { app: 'api' }, '10.1.0.2', { ports: '[{containerPort: 9090, name: http}]' }) + pod('a', 'client', { app: 'c' }, '10.1.0.3');
const opts = { version: 'v1.4.1', compute: 'auto' as const };

describe('eksDifferences', () => {
  it('finds nothing where EKS and the specification agree', () => {
    const r = eksDifferences(clusterFrom(yaml + np('a', 'p', 'podSelector: {matchLabels: {app: api}}\ningress: [{from: [{podSelector: {matchLabels: {app: c}}}], ports: [{port: 9090}]}]')), opts);
    assert.deepEqual(r.differences, []);
    assert.deepEqual(r.unexplained, []);
    assert.ok(r.probes > 10 && !r.truncated);
  });

  it('finds a difference with the connection explain would be asked about, and stops at its bound', () => {
    const cluster = clusterFrom(yaml + np('a', 'p', 'podSelector: {}\ningress: [{ports: [{port: http}]}]'));
    const r = eksDifferences(cluster, opts);
    const d = r.differences.find((x) => x.mechanism === 'ingress-named-port-union');
    assert.ok(d, JSON.stringify(r.differences.map((x) => x.mechanism)));
    assert.equal(d.kind, 'over-allow');
    // the union of 8080 (web, client) and 9090 (api) is opened on each: a pod on the other's port
    assert.match(`${d.example.to} ${d.example.port}`, /^a\/api 8080$|^a\/(web|client) 9090$/);
    const cut = eksDifferences(cluster, opts, 3);
    assert.equal(cut.probes, 3);
    assert.ok(cut.truncated);
  });
});
