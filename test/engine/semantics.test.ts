// Semantics the conformance corpus does not pin down, each checked against the engine directly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterFrom, decide, pod } from '../helpers.js';

const ns = (n: string, labels = ''): string => `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}${labels ? `, labels: {${labels}}` : ''}}\n`;

describe('NetworkPolicy', () => {
  it('defaults policyTypes to Ingress, plus Egress when egress rules exist', () => {
    const c = clusterFrom(
      ns('a') + pod('a', 'web', { app: 'web' }) + pod('a', 'db', { app: 'db' }) +
        `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  egress: [{to: [{podSelector: {matchLabels: {app: web}}}]}]\n`,
    );
    assert.equal(decide(c, 'a/web', 'a/db', 8080).allowed, false, 'ingress isolated by default');
    assert.equal(decide(c, 'a/db', 'a/web', 8080).allowed, true);
    assert.equal(decide(c, 'a/db', '1.1.1.1', 443).allowed, false, 'egress isolated because egress rules exist');
  });

  it('a named port never matches a destination outside the pod network', () => {
    const c = clusterFrom(
      pod('a', 'web', { app: 'web' }) +
        `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: http}]}]\n`,
    );
    const v = decide(c, 'a/web', '8.8.8.8', 8080);
    assert.equal(v.allowed, false);
    assert.match(v.egress.steps.at(-1)!.details!.join(' '), /named port never matches a destination outside/);
  });

  it('explains the nearest miss', () => {
    const c = clusterFrom(
      ns('a') + ns('b') + pod('a', 'api', { app: 'api' }) + pod('b', 'client', { app: 'client' }) +
        `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-from-b, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}}]\n      ports: [{port: 9090}]\n`,
    );
    const v = decide(c, 'b/client', 'a/api', 8080);
    assert.equal(v.allowed, false);
    assert.equal(v.ingress.tier, 'namespace');
    assert.match(v.ingress.steps[0]!.details![0]!, /peer matches but 8080\/TCP is not among 9090\/TCP/);
  });
});

describe('ApplicationNetworkPolicy', () => {
  const anp = (types: string): string =>
    `---\napiVersion: networking.k8s.aws/v1alpha1\nkind: ApplicationNetworkPolicy\nmetadata: {name: saas, namespace: a}\nspec:\n  podSelector: {}\n${types}  egress:\n    - to: [{domainNames: ["*.Example.COM."]}]\n      ports: [{port: 443}]\n    - to: [{ipBlock: {cidr: 203.0.113.0/24}}]\n`;

  it('matches domains case-insensitively, wildcards one or more labels deep, never the apex', () => {
    const c = clusterFrom(pod('a', 'web', { app: 'web' }) + anp('  policyTypes: [Egress]\n'));
    assert.equal(decide(c, 'a/web', 'api.example.com', 443).allowed, true);
    assert.equal(decide(c, 'a/web', 'a.b.EXAMPLE.com.', 443).allowed, true);
    assert.equal(decide(c, 'a/web', 'example.com', 443).allowed, false);
    assert.equal(decide(c, 'a/web', 'api.example.org', 443).allowed, false);
  });

  it('judges CIDR rules for a name only through the address the user gives', () => {
    const c = clusterFrom(pod('a', 'web', { app: 'web' }) + anp('  policyTypes: [Egress]\n'));
    assert.equal(decide(c, 'a/web', 'files.example.org', 80).allowed, false, 'no address: the /24 cannot be judged');
    assert.equal(decide(c, 'a/web', 'files.example.org@203.0.113.9', 80).allowed, true);
  });

  it('without policyTypes isolates nothing, and says so', () => {
    const c = clusterFrom(pod('a', 'web', { app: 'web' }) + anp(''));
    assert.equal(decide(c, 'a/web', 'anything.org', 80).allowed, true);
    assert.ok(c.warnings.some((w) => /without policyTypes .*isolates nothing, but the EKS agent still enforces its rules/.test(w.message)));
  });
});

describe('EKS ClusterNetworkPolicy', () => {
  const cnp = (name: string, tier: string, prio: number, rules: string): string =>
    `---\napiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n  tier: ${tier}\n  priority: ${prio}\n  subject: {namespaces: {}}\n${rules}`;

  it('at equal priority Deny beats Accept across policies, whatever the order; the explanation says so', () => {
    const c = clusterFrom(
      ns('a') + pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' }) +
        cnp('aaa-accept', 'Admin', 5, '  ingress: [{action: Accept, from: [{namespaces: {}}]}]\n') +
        cnp('zzz-deny', 'Admin', 5, '  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n'),
    );
    const v = decide(c, 'a/x', 'a/y', 8080);
    assert.equal(v.allowed, false);
    assert.equal(v.ingress.steps[0]!.rule!.name, 'zzz-deny');
    assert.match(v.ingress.steps[0]!.details!.join(' '), /Deny > Accept > Pass/);
  });

  it('the same rules as upstream ClusterNetworkPolicy take the first match in written order', () => {
    const upstream = `---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: ordered}\nspec:\n  tier: Admin\n  priority: 5\n  subject: {namespaces: {}}\n  ingress:\n    - {action: Accept, from: [{namespaces: {}}]}\n    - {action: Deny, from: [{namespaces: {}}]}\n`;
    const c = clusterFrom(ns('a') + pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' }) + upstream);
    const v = decide(c, 'a/x', 'a/y', 8080);
    assert.equal(v.allowed, true);
    assert.match(v.ingress.steps[0]!.rule!.semantics, /first matching rule in written order/);
  });

  it('a pod selected by a NetworkPolicy for ingress only gets EKS catch-all egress: Baseline never applies', () => {
    const c = clusterFrom(
      ns('a') + pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' }) +
        cnp('no-egress', 'Baseline', 10, '  egress: [{action: Deny, to: [{networks: ["0.0.0.0/0"]}]}]\n') +
        `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ingress-only, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: x}}\n  policyTypes: [Ingress]\n  ingress: [{}]\n`,
    );
    assert.equal(decide(c, 'a/y', '1.1.1.1', 443).allowed, false, 'unselected pod: Baseline deny applies');
    const v = decide(c, 'a/x', '1.1.1.1', 443);
    assert.equal(v.allowed, true, 'selected for ingress: EKS allows all egress at the NetworkPolicy tier');
    assert.match(v.egress.steps.at(-1)!.details!.join(' '), /eks-one-direction-isolation/);
  });

  it('strict enforcing mode denies by default; from the flag or the aws-node DaemonSet', () => {
    const base = pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' });
    assert.equal(decide(clusterFrom(base), 'a/x', 'a/y', 8080).allowed, true);
    assert.equal(decide(clusterFrom(base, { enforcingMode: 'strict' }), 'a/x', 'a/y', 8080).allowed, false);
    const awsNode = `---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: aws-node, namespace: kube-system}\nspec:\n  selector: {matchLabels: {k8s-app: aws-node}}\n  template:\n    metadata: {labels: {k8s-app: aws-node}}\n    spec:\n      hostNetwork: true\n      containers: [{name: aws-node, image: x, env: [{name: NETWORK_POLICY_ENFORCING_MODE, value: strict}]}]\n`;
    const c = clusterFrom(base + awsNode);
    assert.equal(c.settings.enforcingMode, 'strict');
    assert.equal(decide(c, 'a/x', 'a/y', 8080).allowed, false);
    assert.equal(decide(clusterFrom(base + awsNode, { enforcingMode: 'standard' }), 'a/x', 'a/y', 8080).allowed, true, 'the flag wins');
  });

  it('traffic between a pod and its own node is always allowed', () => {
    const c = clusterFrom(
      `---\napiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.5}]}\n` +
        pod('a', 'x', { app: 'x' }, 'status: {podIP: 10.0.0.5}\n').replace('spec: {', 'spec: {nodeName: n1, ') +
        cnp('deny-all', 'Admin', 1, '  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n  egress: [{action: Deny, to: [{networks: ["0.0.0.0/0"]}]}]\n'),
    );
    assert.equal(decide(c, '192.168.1.5', 'a/x', 8080).allowed, true);
    assert.equal(decide(c, 'a/x', '192.168.1.5', 10250).allowed, true);
    assert.equal(decide(c, 'a/x', '192.168.1.6', 10250).allowed, false);
  });
});

describe('cluster model', () => {
  it('synthesizes the pods of each workload template (named as their controllers name them), and groups real pods under their Deployment', () => {
    const c = clusterFrom(`apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: shop}
    spec: {template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, image: x}]}}}
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: report, namespace: shop}
    spec: {jobTemplate: {spec: {template: {metadata: {labels: {app: report}}, spec: {containers: [{name: c, image: x}]}}}}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x}]}}}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-7d4b9c-abcde
      namespace: shop
      labels: {app: web, pod-template-hash: 7d4b9c}
      ownerReferences: [{kind: ReplicaSet, name: web-7d4b9c, controller: true}]
    spec: {containers: [{name: c, image: x}]}
`);
    const names = c.pods.map((p) => `${p.namespace}/${p.name}:${p.workload?.kind}/${p.workload?.name}:${p.synthesized}`).sort();
    assert.equal(names.length, 3);
    assert.match(names[0]!, /^shop\/api-\w{10}-\w{5}:Deployment\/api:true$/);
    assert.match(names[1]!, /^shop\/report-\d{8}-\w{5}:CronJob\/report:true$/);
    assert.equal(names[2], 'shop/web-7d4b9c-abcde:Deployment/web:false');
    assert.equal(c.namespaces.get('shop')!.labels['kubernetes.io/metadata.name'], 'shop');
    assert.equal(decide(c, 'shop/web', 'shop/api', 80).from, 'shop/web-7d4b9c-abcde', 'a workload name resolves to its pod');
  });

  it('a host-network pod is neither a subject nor a pod peer', () => {
    const c = clusterFrom(
      pod('a', 'x', { app: 'x' }) + pod('a', 'agent', { app: 'agent' }).replace('spec: {', 'spec: {hostNetwork: true, ') +
        `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n`,
    );
    assert.equal(decide(c, 'a/agent', '1.1.1.1', 443).allowed, true);
    assert.equal(decide(c, 'a/x', 'a/agent', 8080).allowed, false);
  });
});
