// The numbered behaviours of issue 11: where the EKS data plane departs from the specification. Each test
// asserts the EKS verdict, the specification's verdict, and the mechanism the comparison names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compare, cnp, conn, N1, node, np, ns, planes, pod } from './fixtures.js';

const base = ns('a') + ns('b') + N1;

describe('EKS data plane: where it departs from the specification', () => {
  it('1. ingress named ports are resolved over all selected pods and the union opened on each', () => {
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1', { ports: '[{containerPort: 8080, name: http}]' }) +
      pod('a', 'api', { app: 'web' }, '10.1.0.2', { ports: '[{containerPort: 9090, name: http}]' }) + pod('a', 'client', { app: 'c' }, '10.1.0.3') +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]');
    const c = compare(y, 'a/client', 'a/web', 9090);
    assert.equal(c.kubernetes.allowed, false);
    assert.equal(c.eks.allowed, true);
    assert.deepEqual(c.mechanisms, ['ingress-named-port-union']);
    assert.equal(compare(y, 'a/client', 'a/web', 8080).agree, true);
  });

  it('2. egress named ports are dropped for ipBlock peers; a peer with only named ports yields nothing', () => {
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'db', { app: 'db' }, '10.1.0.2') +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 10.1.0.0/16}}], ports: [{port: http}]}]');
    const c = compare(y, 'a/web', 'a/db', 8080);
    assert.equal(c.kubernetes.allowed, true, 'the spec resolves the named port on the destination pod');
    assert.equal(c.eks.allowed, false);
    assert.deepEqual(c.mechanisms, ['egress-named-port-dropped']);
    const { dp } = planes(y);
    assert.ok(dp.eks.controller.policyEndpoints[0]!.dropped.some((d) => d.mechanism === 'egress-named-port-dropped'));
  });

  it('3. named ports come from spec.containers only', () => {
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1', { ports: '[]', init: '[{containerPort: 7000, name: boot}]' }) + pod('a', 'client', { app: 'c' }, '10.1.0.3') +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: boot}, {port: 1}]}]');
    const c = compare(y, 'a/client', 'a/web', 7000);
    assert.equal(c.kubernetes.allowed, true);
    assert.equal(c.eks.allowed, false);
    assert.deepEqual(c.mechanisms, ['init-container-ports']);
  });

  it('4. rules of a direction policyTypes leaves out are still enforced', () => {
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'db', { app: 'db' }, '10.1.0.2') +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]\ningress: [{}]\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}]}]');
    const c = compare(y, 'a/web', 'a/db', 8080);
    assert.equal(c.kubernetes.allowed, true);
    assert.equal(c.eks.allowed, false, 'the egress rule becomes the only egress entry');
    assert.deepEqual(c.mechanisms, ['policytypes-not-respected']);
  });

  it('5. an ApplicationNetworkPolicy without policyTypes still enforces its rules; a rule without `to` yields nothing', () => {
    const anp = (spec: string): string => np('a', 'anp', spec, 'ApplicationNetworkPolicy', 'networking.k8s.aws/v1alpha1');
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'db', { app: 'db' }, '10.1.0.2') +
      anp('podSelector: {matchLabels: {app: web}}\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}]}]');
    const c = compare(y, 'a/web', 'a/db', 8080);
    assert.equal(c.kubernetes.allowed, true, 'isolates nothing without policyTypes');
    assert.equal(c.eks.allowed, false);
    assert.deepEqual(c.mechanisms, ['policytypes-not-respected']);
    assert.equal(compare(y, 'a/db', 'a/web', 8080).eks.allowed, true, 'the empty ingress direction gets the catch-all');
    const y2 = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'db', { app: 'db' }, '10.1.0.2') +
      anp('podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{ports: [{port: 5432}]}]');
    const c2 = compare(y2, 'a/web', 'a/db', 5432);
    assert.equal(c2.kubernetes.allowed, true);
    assert.equal(c2.eks.allowed, false);
    assert.deepEqual(c2.mechanisms, ['anp-egress-without-to']);
  });

  it('6. a host-network pod used as a peer resolves to its node\'s IP', () => {
    const y = base + node('n2', '10.0.0.2') + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'agent', { app: 'agent' }, '10.0.0.2', { node: 'n2', hostNetwork: true }) +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{from: [{podSelector: {matchLabels: {app: agent}}}]}]');
    const c = compare(y, 'a/agent', 'a/web', 8080);
    assert.equal(c.kubernetes.allowed, false, 'host-network pods are not selectable');
    assert.equal(c.eks.allowed, true);
    assert.equal(c.eks.ingress.entry, '10.0.0.2/32');
    assert.deepEqual(c.mechanisms, ['host-network-peer']);
  });

  it('7. only the node\'s primary IP is always allowed; strict mode leaves an unselected pod no node entry; v1.4.1 has no cluster-policy node entry', () => {
    const deny = np('a', 'deny', 'podSelector: {}\npolicyTypes: [Ingress]');
    const y = base + node('n1b', '10.0.0.1', '10.0.9.9').replace('n1b', 'n1') + pod('a', 'web', { app: 'web' }, '10.1.0.1') + deny;
    const second = compare(y.replace(N1, ''), '10.0.9.9', 'a/web', 8080);
    assert.equal(second.kubernetes.allowed, true, 'the spec engine allows every address of the own node');
    assert.equal(second.eks.allowed, false);
    assert.deepEqual(second.mechanisms, ['node-primary-ip-only']);
    assert.equal(compare(y.replace(N1, ''), '10.0.0.1', 'a/web', 8080).eks.allowed, true, 'the primary IP has the node entry');

    const strict = compare(base + pod('a', 'web', { app: 'web' }, '10.1.0.1'), '10.0.0.1', 'a/web', 8080, { build: { enforcingMode: 'strict' } });
    assert.equal(strict.kubernetes.allowed, true);
    assert.equal(strict.eks.allowed, false);
    assert.deepEqual(strict.mechanisms, ['strict-no-node-entry']);

    const admin = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + cnp('cut', 'tier: Admin\npriority: 10\nsubject: {namespaces: {}}\ningress: [{action: Deny, from: [{namespaces: {}}]}]\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]');
    const old = compare(admin, 'a/web', '10.0.0.1', 10250, { version: 'v1.4.1' });
    assert.equal(old.kubernetes.allowed, true);
    assert.equal(old.eks.allowed, false);
    assert.deepEqual(old.mechanisms, ['cp-no-node-entry']);
    const head = compare(admin, 'a/web', '10.0.0.1', 10250, { version: 'main' });
    assert.equal(head.eks.allowed, true, 'after v1.4.1 the node IP has Admin Accept at priority 0');
    assert.match(head.eks.egress.cpSlot!, /Admin priority 0 allow ANY/);
  });

  it('8. egress to a Service is judged on its ClusterIP and Service port', () => {
    const svc = `---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: a}\nspec: {clusterIP: 172.20.0.10, selector: {app: db}, ports: [{port: 80, targetPort: 8080}]}\n`;
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('a', 'db', { app: 'db' }, '10.1.0.2') + svc +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 8080}]}]');
    const { cluster, dp } = planes(y);
    const viaService = conn(cluster, 'a/web', 'a/db', 8080, 'TCP', { namespace: 'a', name: 'db', address: cluster.services[0]!.clusterIPs[0]!, port: 80, protocol: 'TCP' });
    const c = dp.compare(viaService);
    assert.equal(c.kubernetes.allowed, true);
    assert.equal(c.eks.allowed, true, 'the controller adds the ClusterIP with the Service port');
    assert.equal(c.eks.egress.entry, '172.20.0.10/32');
    assert.equal(c.eks.egress.port, 80);
    // a Service whose selector the peer does not match: its ClusterIP is not added
    const other = planes(y.replace('podSelector: {matchLabels: {app: db}}}], ports', 'podSelector: {matchLabels: {app: db, v: "1"}}}], ports').replace("metadata: {name: db, namespace: a, labels: {app: \"db\"}}", "metadata: {name: db, namespace: a, labels: {app: \"db\", v: \"1\"}}"));
    const c2 = other.dp.compare(conn(other.cluster, 'a/web', 'a/db', 8080, 'TCP', { namespace: 'a', name: 'db', address: other.cluster.services[0]!.clusterIPs[0]!, port: 80, protocol: 'TCP' }));
    assert.equal(c2.kubernetes.allowed, true);
    assert.equal(c2.eks.allowed, false, 'the peer selector {app: db, v: 1} does not match the Service selector {app: db}');
    assert.deepEqual(c2.mechanisms, ['service-clusterip']);
  });

  it('9. an ipBlock except becomes a deny entry for the whole direction, shadowing another rule', () => {
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]\n- to: [{ipBlock: {cidr: 0.0.0.0/0}}]');
    const c = compare(y, 'a/web', '192.168.1.5', 443);
    assert.equal(c.kubernetes.allowed, true, 'the second rule allows everything');
    assert.equal(c.eks.allowed, false);
    assert.equal(c.eks.egress.entry, '192.168.1.0/24');
    assert.equal(c.eks.egress.slot, 'RESERVED');
    assert.deepEqual(c.mechanisms, ['except-shadows-rules']);
  });

  it('10. at most 24 port entries per CIDR: the rest are dropped, and the verdict says it cannot know which', () => {
    const ports = Array.from({ length: 26 }, (_, i) => `{port: ${1000 + i}}`).join(', ');
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + np('a', 'p', `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}], ports: [${ports}]}]`);
    const { cluster, dp } = planes(y);
    const maps = dp.eks.mapsOf(cluster.pods[0]!)!;
    const entry = maps.egress.entries.find((e) => e.cidr?.text === '8.8.8.8/32')!;
    assert.equal(entry.l4.length, 24);
    assert.equal(maps.egress.dropped.filter((d) => d.mechanism === 'port-limit').length, 2);
    const c = dp.compare(conn(cluster, 'a/web', '8.8.8.8', 1025));
    assert.equal(c.agree, true);
    assert.match(c.eks.egress.uncertain!, /Go map order/);
    assert.deepEqual(c.caveats, ['port-limit']);
  });

  it('11. pods whose names differ only after the last dash share one set of maps', () => {
    const y = base + pod('a', 'web-1', { app: 'web' }, '10.1.0.1') + pod('a', 'web-2', { app: 'other' }, '10.1.0.2') + pod('a', 'client', { app: 'c' }, '10.1.0.3') +
      np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]');
    const c = compare(y, 'a/client', 'a/web-2', 8080);
    assert.equal(c.kubernetes.allowed, true, 'no policy selects web-2');
    assert.equal(c.eks.allowed, false);
    assert.equal(c.eks.ingress.identifier, 'web@a');
    assert.deepEqual(c.mechanisms, ['identifier-sharing']);
  });

  it('12. domain names are enforced on Auto Mode only; a named port with domainNames opens every port of its protocol', () => {
    const anp = np('a', 'anp', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{domainNames: [api.example.com]}], ports: [{port: https, protocol: TCP}]}]', 'ApplicationNetworkPolicy', 'networking.k8s.aws/v1alpha1');
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + anp;
    const auto = compare(y, 'a/web', 'api.example.com', 8443, { compute: 'auto' });
    assert.equal(auto.kubernetes.allowed, false);
    assert.equal(auto.eks.allowed, true);
    assert.deepEqual(auto.mechanisms, ['domain-named-port-all-ports']);
    const ec2 = compare(y.replace('port: https', 'port: 443'), 'a/web', 'api.example.com', 443, { compute: 'ec2' });
    assert.equal(ec2.kubernetes.allowed, true);
    assert.equal(ec2.eks.allowed, false);
    assert.deepEqual(ec2.mechanisms, ['domain-names-ec2']);
  });

  it('13. in an IPv4 cluster IPv6 rules are ignored and IPv6 packets are not inspected', () => {
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: "2001:db8::/32"}}]}]');
    const { cluster, dp } = planes(y);
    assert.ok(dp.eks.mapsOf(cluster.pods[0]!)!.egress.dropped.some((d) => d.mechanism === 'family-filter'));
    const c = dp.compare(conn(cluster, 'a/web', '2001:db9::1', 443));
    assert.equal(c.kubernetes.allowed, false);
    assert.equal(c.eks.allowed, true);
    assert.deepEqual(c.mechanisms, ['family-filter']);
  });

  it('14. ClusterNetworkPolicy entries of one CIDR and action are merged by concatenating ports', () => {
    const y = base + pod('a', 'web', { app: 'web' }, '10.1.0.1') +
      cnp('c', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\negress:\n- {action: Accept, to: [{networks: [8.8.8.8/32]}]}\n- {action: Accept, to: [{networks: [8.8.8.8/32]}], ports: [{portNumber: {port: 53, protocol: UDP}}]}') +
      cnp('d', 'tier: Admin\npriority: 6\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]');
    const c = compare(y, 'a/web', '8.8.8.8', 443);
    assert.equal(c.kubernetes.allowed, true, 'rule 0 accepts every port');
    assert.equal(c.eks.allowed, false, 'merged with rule 1, only 53/UDP remains accepted');
    assert.deepEqual(c.mechanisms, ['cnp-port-merge']);
    assert.equal(compare(y, 'a/web', '8.8.8.8', 53, { protocol: 'UDP' }).eks.allowed, true);
  });

  it('upstream AdminNetworkPolicy is not enforced by the EKS controller', () => {
    const anp = `---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: x}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  egress: [{action: Deny, to: [{namespaces: {}}]}]\n`;
    const c = compare(base + pod('a', 'web', { app: 'web' }, '10.1.0.1') + pod('b', 'db', { app: 'db' }, '10.2.0.1') + anp, 'a/web', 'b/db', 80);
    assert.equal(c.kubernetes.allowed, false);
    assert.equal(c.eks.allowed, true);
    assert.deepEqual(c.mechanisms, ['upstream-kind-not-enforced']);
  });
});
