// Agents up to v1.3.7 join the pod identifier with `-`, so pods of two namespaces can share one set of maps;
// since v1.4.0 with `@`. Core: the EKS verdict and mechanism per version; CLI: podwall test under both planes.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podIdentifier } from '../../src/eks/addressing.js';
import { behaviour, parseAgentVersion } from '../../src/eks/versions.js';
import { podwallAsync } from '../helpers.js';
import { compare, N1, np, ns, pod } from './fixtures.js';

// `web-x-abc` in prod and `web-abc` in x-prod: `web-x-prod` for both with `-`; prod's policy isolates its web pods
const yaml = ns('prod') + ns('x-prod') + N1 + pod('prod', 'web-x-abc', { app: 'web' }, '10.1.0.1') + pod('x-prod', 'web-abc', { app: 'web' }, '10.1.0.2') + pod('x-prod', 'client', { app: 'c' }, '10.1.0.3') + np('prod', 'deny', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]');

describe('the pod identifier separator, by agent version', () => {
  it('is `-` up to v1.3.7 and `@` from v1.4.0', () => {
    const sep = (v: string): string => behaviour(parseAgentVersion(v, '')!).identifierSeparator;
    assert.deepEqual(['v1.2.0', 'v1.3.7', 'v1.4.0', 'v1.4.1', 'main'].map(sep), ['-', '-', '@', '@', '@']);
    const p = { name: 'web-x-abc', namespace: 'prod' } as Parameters<typeof podIdentifier>[0];
    const q = { name: 'web-abc', namespace: 'x-prod' } as Parameters<typeof podIdentifier>[0];
    assert.equal(podIdentifier(p, '-'), podIdentifier(q, '-'));
    assert.notEqual(podIdentifier(p), podIdentifier(q));
  });

  it('v1.3.7: the other namespace\'s pod shares the isolated maps (identifier-sharing); v1.4.1: it does not', () => {
    const old = compare(yaml, 'x-prod/client', 'x-prod/web-abc', 8080, { version: 'v1.3.7' });
    assert.equal(old.eks.allowed, false);
    assert.equal(old.kubernetes.allowed, true);
    assert.deepEqual(old.mechanisms, ['identifier-sharing']);
    assert.equal(old.eks.ingress.identifier, 'web-x-prod');
    const now = compare(yaml, 'x-prod/client', 'x-prod/web-abc', 8080, { version: 'v1.4.1' });
    assert.equal(now.eks.allowed, true);
    assert.ok(now.agree);
  });

  it('through podwall test, under both data planes and both versions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-sep-'));
    const cluster = join(dir, 'c.yaml');
    writeFileSync(cluster, yaml);
    const tests = join(dir, 't.test.yaml');
    const a = '{from: x-prod/client, to: x-prod/web-abc, port: 8080';
    writeFileSync(tests, `assertions:\n  - ${a}, dataplane: eks, expect: deny}\n  - ${a}, dataplane: kubernetes, expect: allow}\n`);
    const old = await podwallAsync(['test', tests, '-f', cluster, '--eks-version', 'v1.3.7', '-o', 'json']);
    assert.equal(old.code, 0, old.stdout + old.stderr);
    assert.deepEqual((JSON.parse(old.stdout) as { results: { mechanisms?: string[] }[] }).results[0]!.mechanisms, ['identifier-sharing']);
    const now = await podwallAsync(['test', tests, '-f', cluster, '--eks-version', 'v1.4.1']);
    assert.equal(now.code, 1, 'v1.4.1 allows it: the eks assertion fails');
  });
});
