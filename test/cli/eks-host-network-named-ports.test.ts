// Ingress named ports are resolved on every pod the policy's selector lists by label, host-network pods included
// (controller ecc7e6a7 pkg/resolvers/endpoints.go getIngressRulesPorts has no hostNetwork filter; only the
// PolicyEndpoints' pod list leaves them out). For a NetworkPolicy that widens the union of mechanism 1; for a
// ClusterNetworkPolicy after v1.1.7 (PR #232 at ba1194f) the temporary NetworkPolicy in the first subject namespace
// lists them the same way. Through `podwall test` and `podwall explain`, under both data planes.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { base, client, cnp, np, pod, web } from '../eks/fixtures.js';
import { podwallAsync } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-hostnet-'));

/** A host-network pod on n1 (the node's address) carrying these labels and container ports. */
const hostPod = (namespace: string, name: string, labels: Record<string, string>, ports: string): string =>
  pod(namespace, name, labels, '10.0.0.1', { hostNetwork: true, ports });

async function check(name: string, yaml: string, assertions: string, flags: string[] = []): Promise<{ results: { dataplane: string; pass: boolean; allowed?: boolean; mechanisms?: string[] }[] }> {
  const cluster = join(dir, `${name}.yaml`);
  const tests = join(dir, `${name}.test.yaml`);
  writeFileSync(cluster, yaml);
  writeFileSync(tests, assertions);
  const r = await podwallAsync(['test', tests, '-f', cluster, '-o', 'json', ...flags]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout);
}

describe('a host-network pod\'s container ports join the ingress named-port union', () => {
  const yaml = base + web + client + hostPod('a', 'exporter', { app: 'web' }, '[{containerPort: 9100, name: http}]') +
    np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]');

  it('NetworkPolicy: EKS opens the host-network pod\'s http (9100) on the selected pod; the specification does not', async () => {
    const j = await check('np', yaml, [
      'assertions:',
      '  - {from: a/client, to: a/web, port: 9100, dataplane: eks, expect: allow}',
      '  - {from: a/client, to: a/web, port: 9100, dataplane: kubernetes, expect: deny}',
      '  - {from: a/client, to: a/web, port: 8080, dataplane: eks, expect: allow}',
      '  - {from: a/client, to: a/web, port: 8080, dataplane: kubernetes, expect: allow}',
      '  - {from: a/client, to: a/web, port: 9200, dataplane: eks, expect: deny}',
      '',
    ].join('\n'));
    assert.deepEqual(j.results.map((r) => [r.dataplane, r.pass]), [['eks', true], ['kubernetes', true], ['eks', true], ['kubernetes', true], ['eks', true]]);
    assert.deepEqual(j.results[0]!.mechanisms, ['ingress-named-port-union']);
  });

  it('explain names the mechanism and shows the entry the union wrote', async () => {
    const cluster = join(dir, 'np.yaml');
    const r = await podwallAsync(['explain', '--from', 'a/client', '--to', 'a/web', '--port', '9100', '-f', cluster]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOW a\/client -> a\/web 9100\/TCP .*the Kubernetes specification says DENY/);
    assert.match(r.stdout, /- ingress-named-port-union: /);
    assert.match(r.stdout, /ingress of a\/web: allowed \[NETWORK_POLICY\] .* slot TCP 9100/);
  });
});

describe('ClusterNetworkPolicy ingress named port after v1.1.7: the first subject namespace\'s host-network pods count', () => {
  const yaml = base + web + pod('b', 'x', { app: 'x' }, '10.2.0.1') +
    hostPod('a', 'node-exporter', { app: 'node-exporter' }, '[{containerPort: 9100, name: metrics}]') +
    cnp('deny-b-metrics', 'tier: Admin\npriority: 5\nsubject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}\ningress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}], ports: [{namedPort: metrics}]}]');

  it('v1.1.9 resolves metrics to 9100 on the host-network pod and denies it on a/web; the specification finds no such port on a/web', async () => {
    const j = await check('cnp', yaml, [
      'assertions:',
      '  - {from: b/x, to: a/web, port: 9100, dataplane: eks, expect: deny}',
      '  - {from: b/x, to: a/web, port: 9100, dataplane: kubernetes, expect: allow}',
      '',
    ].join('\n'), ['--eks-controller-version', 'v1.1.9']);
    assert.deepEqual(j.results.map((r) => [r.dataplane, r.pass]), [['eks', true], ['kubernetes', true]]);
    assert.deepEqual(j.results[0]!.mechanisms, ['cnp-ingress-named-port-first-namespace']);
  });

  it('v1.1.7 writes nothing for the rule (cnp-named-port): both planes allow', async () => {
    const j = await check('cnp-old', yaml, [
      'assertions:',
      '  - {from: b/x, to: a/web, port: 9100, dataplane: eks, expect: allow}',
      '  - {from: b/x, to: a/web, port: 9100, dataplane: kubernetes, expect: allow}',
      '',
    ].join('\n'), ['--eks-controller-version', 'v1.1.7']);
    assert.deepEqual(j.results.map((r) => [r.dataplane, r.pass]), [['eks', true], ['kubernetes', true]]);
  });
});
