// `podwall eks drift` and the audit's eks-drift finding against the stand-in API server: the PolicyEndpoints and
// ClusterPolicyEndpoints written as the controller writes them (chunked over several objects, listed page by page),
// then made to drift the ways users meet: a policy not reconciled, a leftover of a deleted policy, stale pod IPs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLUSTER_POLICY_ENDPOINTS_PATH, clusterPolicyEndpoint, FakeApiServer, POLICY_ENDPOINTS_PATH, policyEndpoint } from '../fixtures/apiserver.js';
import { podwallAsync } from '../helpers.js';

const PODS = '/api/v1/pods';
const NETPOL = '/apis/networking.k8s.io/v1/networkpolicies';
const CNP = '/apis/networking.k8s.aws/v1alpha1/clusternetworkpolicies';

function pod(name: string, app: string, ip: string, port: number) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', labels: { app } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: port, name: 'http' }] }] }, status: { podIP: ip, hostIP: '10.0.0.1' } };
}

/** A cluster and the endpoints its controller wrote for it, in sync. */
async function cluster(): Promise<{ api: FakeApiServer; kubeconfig: string }> {
  const api = new FakeApiServer();
  await api.start();
  api.put('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  api.put('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } } as never);
  api.put(PODS, pod('frontend-1', 'frontend', '10.0.1.10', 80));
  api.put(PODS, pod('api-1', 'api', '10.0.1.11', 8080));
  api.put(PODS, pod('api-2', 'api', '10.0.1.13', 8080));
  api.put(PODS, pod('db-0', 'db', '10.0.1.12', 5432));
  api.put(NETPOL, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'api-from-frontend', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080 }] }, { from: [{ ipBlock: { cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] } }] }] } });
  api.put(CNP, { apiVersion: 'networking.k8s.aws/v1alpha1', kind: 'ClusterNetworkPolicy', metadata: { name: 'protect-db' }, spec: { tier: 'Admin', priority: 10, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }, ingress: [{ action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'frontend' } } } }] }] } });
  for (const p of ['adminnetworkpolicies', 'baselineadminnetworkpolicies']) api.missing.add(`/apis/policy.networking.k8s.io/v1alpha1/${p}`);
  api.missing.add('/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies');
  // the controller's chunks: one policy's pods and entries spread over three objects (more than a page of two)
  api.put(POLICY_ENDPOINTS_PATH, policyEndpoint({ policy: 'api-from-frontend', namespace: 'shop', suffix: 'a1b2c', podIsolation: ['Ingress'], pods: [{ name: 'api-1', namespace: 'shop', podIP: '10.0.1.11' }], ingress: [{ cidr: '10.0.1.10', ports: [{ protocol: 'TCP', port: 8080 }] }] }));
  api.put(POLICY_ENDPOINTS_PATH, policyEndpoint({ policy: 'api-from-frontend', namespace: 'shop', suffix: 'd3e4f', podIsolation: ['Ingress'], pods: [{ name: 'api-2', namespace: 'shop', podIP: '10.0.1.13' }] }));
  api.put(POLICY_ENDPOINTS_PATH, policyEndpoint({ policy: 'api-from-frontend', namespace: 'shop', suffix: 'g5h6i', podIsolation: ['Ingress'], ingress: [{ cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] }] }));
  api.put(CLUSTER_POLICY_ENDPOINTS_PATH, clusterPolicyEndpoint({ policy: 'protect-db', suffix: 'x9y8z', tier: 'Admin', priority: 10, pods: [{ name: 'db-0', namespace: 'shop', podIP: '10.0.1.12' }], ingress: [{ cidr: '10.0.1.10', action: 'Deny' }] }));
  return { api, kubeconfig: api.kubeconfig() };
}

interface Item {
  kind: string;
  policy: string;
  objects: string[];
  direction?: string;
  subject?: string;
  expected?: string;
  actual?: string;
}

describe('podwall eks drift', () => {
  let api: FakeApiServer;
  let kubeconfig = '';
  before(async () => ({ api, kubeconfig } = await cluster()));
  after(() => api.close());

  it('in sync: no drift, exit 0, every chunk and page read', async () => {
    const r = await podwallAsync(['eks', 'drift', '--kubeconfig', kubeconfig]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Compared 2 policies with 3 PolicyEndpoints and 1 ClusterPolicyEndpoint\./);
    assert.match(r.stdout, /No drift/);
    assert.ok(api.requests.some((q) => q.startsWith(`GET ${POLICY_ENDPOINTS_PATH}?limit=500&continue=`)), 'the second page of PolicyEndpoints was asked for');
  });

  it('drift: stale and missing pods, extra and missing entries, ports, a policy not reconciled and a leftover, exit 1', async () => {
    // api-2 was rescheduled with a new IP and api-3 added; the controller's objects still hold the old state
    api.put(PODS, pod('api-2', 'api', '10.0.1.14', 8080));
    api.put(PODS, pod('api-3', 'api', '10.0.1.15', 8080));
    // frontend-1 is gone, frontend-2 replaces it; the PE still names the old frontend IP, on the wrong port
    api.remove(PODS, 'shop', 'frontend-1');
    api.put(PODS, pod('frontend-2', 'frontend', '10.0.1.20', 80));
    api.put(POLICY_ENDPOINTS_PATH, policyEndpoint({ policy: 'api-from-frontend', namespace: 'shop', suffix: 'a1b2c', podIsolation: ['Ingress'], pods: [{ name: 'api-1', namespace: 'shop', podIP: '10.0.1.11' }], ingress: [{ cidr: '10.0.1.10', ports: [{ protocol: 'TCP', port: 8080 }] }] }));
    // the ipBlock chunk holds one port where the policy allows every port
    api.put(POLICY_ENDPOINTS_PATH, policyEndpoint({ policy: 'api-from-frontend', namespace: 'shop', suffix: 'g5h6i', podIsolation: ['Ingress'], ingress: [{ cidr: '192.0.2.0/24', except: ['192.0.2.128/25'], ports: [{ port: 443 }] }] }));
    // a new policy the controller has not reconciled, and the leftover of a deleted one
    api.put(NETPOL, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'db-egress', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Egress'] } });
    api.put(POLICY_ENDPOINTS_PATH, policyEndpoint({ policy: 'old-policy', namespace: 'shop', suffix: 'zzzzz', podIsolation: ['Ingress'], pods: [{ name: 'db-0', namespace: 'shop', podIP: '10.0.1.12' }] }));
    // the cluster policy's endpoints were written for another priority
    api.put(CLUSTER_POLICY_ENDPOINTS_PATH, clusterPolicyEndpoint({ policy: 'protect-db', suffix: 'x9y8z', tier: 'Admin', priority: 20, pods: [{ name: 'db-0', namespace: 'shop', podIP: '10.0.1.12' }], ingress: [{ cidr: '10.0.1.10', action: 'Deny' }] }));

    const r = await podwallAsync(['eks', 'drift', '--kubeconfig', kubeconfig, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as { apiVersion: string; drift: boolean; items: Item[] };
    assert.equal(j.apiVersion, 'podwall.eks-drift/v1');
    assert.equal(j.drift, true);
    const got = j.items.map((i) => [i.policy, i.kind, i.direction ?? '', i.subject ?? '', i.expected ?? '', i.actual ?? '']);
    assert.deepEqual(got, [
      ['ClusterNetworkPolicy protect-db', 'missing-entry', 'ingress', '10.0.1.20/32 Deny', 'all', ''],
      ['ClusterNetworkPolicy protect-db', 'extra-entry', 'ingress', '10.0.1.10/32 Deny', '', 'all'],
      ['ClusterNetworkPolicy protect-db', 'tier-differs', '', 'tier/priority', 'Admin 10', 'Admin 20'],
      ['NetworkPolicy shop/api-from-frontend', 'missing-pod', '', 'shop/api-3', '10.0.1.15/32', ''],
      ['NetworkPolicy shop/api-from-frontend', 'stale-pod', '', 'shop/api-2', '10.0.1.14/32', '10.0.1.13/32'],
      ['NetworkPolicy shop/api-from-frontend', 'missing-entry', 'ingress', '10.0.1.20/32', 'TCP 8080', ''],
      ['NetworkPolicy shop/api-from-frontend', 'extra-entry', 'ingress', '10.0.1.10/32', '', 'TCP 8080'],
      ['NetworkPolicy shop/api-from-frontend', 'ports-differ', 'ingress', '192.0.2.0/24 except 192.0.2.128/25', 'all', 'TCP 443'],
      ['NetworkPolicy shop/db-egress', 'not-reconciled', '', '', '', ''],
      ['NetworkPolicy shop/old-policy', 'orphaned', '', '', '', ''],
    ]);
    const text = await podwallAsync(['eks', 'drift', '--kubeconfig', kubeconfig]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /extra-entry ingress: ingress entry 10\.0\.1\.10\/32 \(TCP 8080\) is not what the policy means: no pod has this address now \(a stale pod IP\?\)/);
    assert.match(text.stdout, /not-reconciled: NetworkPolicy shop\/db-egress has no PolicyEndpoints/);
    assert.match(text.stdout, /orphaned: 1 PolicyEndpoint name NetworkPolicy shop\/old-policy, which does not exist/);
  });

  it('the live audit reports the same drift as eks-drift findings', async () => {
    const r = await podwallAsync(['audit', '--kubeconfig', kubeconfig, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const f = (JSON.parse(r.stdout) as { findings: { check: string; severity: string; object: string; message: string }[] }).findings.filter((x) => x.check === 'eks-drift');
    assert.ok(f.some((x) => x.object === 'NetworkPolicy shop/db-egress' && x.severity === 'error' && /^not-reconciled:/.test(x.message)), JSON.stringify(f));
    assert.ok(f.some((x) => x.object === 'NetworkPolicy shop/old-policy' && x.severity === 'error' && /^orphaned:/.test(x.message)));
    assert.ok(f.some((x) => x.object === 'NetworkPolicy shop/api-from-frontend' && /^stale-pod:/.test(x.message)));
  });
});

describe('podwall eks drift errors', () => {
  let api: FakeApiServer;
  let kubeconfig = '';
  before(async () => ({ api, kubeconfig } = await cluster()));
  after(() => api.close());

  it('files alone: a usage error', async () => {
    const r = await podwallAsync(['eks', 'drift', '-f', 'examples/shop']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /eks drift compares a live cluster: give --kubeconfig/);
  });

  it('an endpoint object the CRD would not hold: exit 2 naming the object and field', async () => {
    api.put(POLICY_ENDPOINTS_PATH, policyEndpoint({ policy: 'api-from-frontend', namespace: 'shop', suffix: 'bad00', ingress: [{ cidr: '10.0.1.10', ports: [{ protocol: 'TCP', port: 'http' as unknown as number }] }] }));
    const r = await podwallAsync(['eks', 'drift', '--kubeconfig', kubeconfig]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /cluster:fake: PolicyEndpoint shop\/api-from-frontend-bad00: error: spec\.ingress\[0\]\.ports\[0\]\.port: not an integer: "http"/);
    assert.doesNotMatch(r.stderr, /    at /);
    assert.equal(r.stdout, '');
    api.remove(POLICY_ENDPOINTS_PATH, 'shop', 'api-from-frontend-bad00');
  });

  it('a role that may not list PolicyEndpoints: eks drift exits 2 naming the permission; the audit warns and goes on', async () => {
    api.forbidden.add(POLICY_ENDPOINTS_PATH);
    const r = await podwallAsync(['eks', 'drift', '--kubeconfig', kubeconfig]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /forbidden: podwall needs "list policyendpoints\.networking\.k8s\.aws"/);
    const a = await podwallAsync(['audit', '--kubeconfig', kubeconfig, '-o', 'json']);
    assert.ok(a.code === 0 || a.code === 1, a.stderr);
    assert.match(a.stderr, /warning: eks-drift skipped: forbidden/);
    api.forbidden.delete(POLICY_ENDPOINTS_PATH);
  });

  it('no PolicyEndpoint CRD: exit 2 saying the controller is missing; the audit goes on without eks-drift', async () => {
    api.missing.add(POLICY_ENDPOINTS_PATH);
    const r = await podwallAsync(['eks', 'drift', '--kubeconfig', kubeconfig]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /has no policyendpoints\.networking\.k8s\.aws: is the EKS network policy controller installed/);
    const a = await podwallAsync(['audit', '--kubeconfig', kubeconfig, '-o', 'json']);
    assert.ok(a.code === 0 || a.code === 1, a.stderr);
    assert.ok(!(JSON.parse(a.stdout) as { findings: { check: string }[] }).findings.some((x) => x.check === 'eks-drift'));
  });
});
