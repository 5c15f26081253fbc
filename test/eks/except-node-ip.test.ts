// An ipBlock except equal to the node IP: the agent writes the except's deny entry under the node entry's key after
// it, so the node is denied in that direction (agent c8619c05 fw_rule_processor.go l.81-85 then l.162-171).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwallAsync } from '../helpers.js';
import { compare, N1, np, ns, pod } from './fixtures.js';

const web = pod('a', 'web', { app: 'web' }, '10.1.0.1');
const policy = (except: string): string => np('a', 'p', `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]\ningress: [{from: [{ipBlock: {cidr: 0.0.0.0/0, except: [${except}]}}]}]`);

describe('an except equal to the node IP', () => {
  it('overwrites the node entry: the node (kubelet) is denied on EKS, allowed by the specification', () => {
    const c = compare(ns('a') + N1 + web + policy('10.0.0.1/32'), '10.0.0.1', 'a/web', 8080);
    assert.equal(c.eks.allowed, false);
    assert.equal(c.kubernetes.allowed, true);
    assert.deepEqual(c.mechanisms, ['except-shadows-rules']);
    assert.equal(c.eks.ingress.entry, '10.0.0.1/32');
  });

  it('a wider except leaves the node entry alone (the node /32 is the longer prefix)', () => {
    const c = compare(ns('a') + N1 + web + policy('10.0.0.0/24'), '10.0.0.1', 'a/web', 8080);
    assert.equal(c.eks.allowed, true);
    assert.ok(c.agree);
  });

  it('through podwall test under both data planes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-except-node-'));
    const cluster = join(dir, 'c.yaml');
    writeFileSync(cluster, ns('a') + N1 + web + policy('10.0.0.1/32'));
    const tests = join(dir, 't.test.yaml');
    const a = '{from: 10.0.0.1, to: a/web, port: 8080';
    writeFileSync(tests, `assertions:\n  - ${a}, dataplane: eks, expect: deny}\n  - ${a}, dataplane: kubernetes, expect: allow}\n`);
    const r = await podwallAsync(['test', tests, '-f', cluster, '-o', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { results: { mechanisms?: string[] }[] }).results[0]!.mechanisms, ['except-shadows-rules']);
  });
});
