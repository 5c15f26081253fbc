// `podwall eks maps`: the maps of small clusters, derived by hand from ../shared/eks-dataplane/README.md.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cnp, N1, np, ns, pod } from '../eks/fixtures.js';
import { podwall } from '../helpers.js';

const CLUSTER =
  ns('a') + N1 +
  pod('a', 'web-1', { app: 'web' }, '10.1.0.1') +
  pod('a', 'client', { app: 'c' }, '10.1.0.3') +
  np('a', 'p', 'podSelector: {matchLabels: {app: web}}\ningress:\n- from: [{podSelector: {matchLabels: {app: c}}}]\n  ports: [{port: http}]\n- from: [{ipBlock: {cidr: 10.2.0.0/16, except: [10.2.1.0/24]}}]') +
  np('a', 'dns', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}], ports: [{port: dns, protocol: UDP}]}]') +
  cnp('admin-ssh', 'tier: Admin\npriority: 10\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [192.168.0.0/16]}], ports: [{portNumber: {port: 22, protocol: TCP}}]}]');

interface Direction {
  pod_state: string;
  cp_pod_state: string;
  entries: { cidr: string; l4: unknown[] }[];
  cp_entries: { cidr: string; rules: unknown[] }[];
  dropped: { why: string; policy?: string }[];
  sources: { cidr: string; policy: string; rule: number }[];
}
const byCidr = <T extends { cidr: string }>(list: T[]): T[] => [...list].sort((a, b) => a.cidr.localeCompare(b.cidr));

describe('podwall eks maps', () => {
  it('-o json writes podwall.eks-maps/v1 with every entry the agent writes (agent v1.4.1)', () => {
    const r = podwall(['eks', 'maps', '-f', '-', '-o', 'json', '--eks-version', 'v1.4.1'], CLUSTER);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /modelling EKS agent v1\.4\.1 \(--eks-version\)/);
    const j = JSON.parse(r.stdout) as { format: string; agent: string; enforcingMode: string; family: string; nodes: unknown; pods: unknown; identifiers: Record<string, { node: string; pods: string[]; ingress: Direction; egress: Direction }> };
    assert.equal(j.format, 'podwall.eks-maps/v1');
    assert.equal(j.agent, 'v1.4.1');
    assert.equal(j.enforcingMode, 'standard');
    assert.equal(j.family, 'ipv4');
    assert.deepEqual(j.nodes, { n1: { ip: '10.0.0.1' } });
    assert.deepEqual(j.pods, { 'a/web-1': { ip: '10.1.0.1', node: 'n1', identifier: 'web@a' }, 'a/client': { ip: '10.1.0.3', node: 'n1', identifier: 'client@a' } });
    const web = j.identifiers['web@a']!;
    assert.equal(web.node, 'n1');
    assert.deepEqual(web.pods, ['a/web-1']);
    assert.equal(web.ingress.pod_state, 'POLICIES_APPLIED');
    assert.equal(web.ingress.cp_pod_state, 'POLICIES_APPLIED', 'key 1 is applied when the identifier has cluster-policy rules in either direction');
    assert.deepEqual(byCidr(web.ingress.entries), [
      { cidr: '10.0.0.1/32', l4: [{ protocol: 'ANY' }] },
      { cidr: '10.1.0.3/32', l4: [{ protocol: 'TCP', port: 8080, end_port: 0 }] },
      { cidr: '10.2.0.0/16', l4: [{ protocol: 'ANY' }] },
      { cidr: '10.2.1.0/24', l4: [{ protocol: 'RESERVED' }] },
    ]);
    assert.deepEqual(web.ingress.cp_entries, [], 'v1.4.1 writes no node entry into the cluster-policy maps');
    assert.deepEqual(byCidr(web.ingress.sources), [
      { cidr: '10.1.0.3/32', policy: 'NetworkPolicy a/p', rule: 0 },
      { cidr: '10.2.0.0/16', policy: 'NetworkPolicy a/p', rule: 1 },
    ]);
    // egress: isolated by policy dns whose only peer had only a named port: nothing but the node entry
    assert.equal(web.egress.pod_state, 'POLICIES_APPLIED');
    assert.deepEqual(web.egress.entries, [{ cidr: '10.0.0.1/32', l4: [{ protocol: 'ANY' }] }]);
    assert.deepEqual(web.egress.cp_entries, [{ cidr: '192.168.0.0/16', rules: [{ tier: 'Admin', priority: 10, action: 'Deny', protocol: 'TCP', port: 22, end_port: 0 }] }]);
    assert.equal(web.egress.dropped.length, 1);
    assert.match(web.egress.dropped[0]!.why, /only named ports/);
    assert.equal(web.egress.dropped[0]!.policy, 'NetworkPolicy a/dns');
    const client = j.identifiers['client@a']!;
    assert.equal(client.ingress.pod_state, 'DEFAULT_ALLOW');
    assert.deepEqual(client.ingress.entries, [], 'no PolicyEndpoint selects it: no entries, not even the node');
    assert.deepEqual(client.egress.cp_entries.map((e) => e.cidr), ['192.168.0.0/16']);
  });

  it('after v1.4.1 the cluster-policy maps hold the node entry; strict mode leaves unselected pods without entries', () => {
    const r = podwall(['eks', 'maps', '-f', '-', '-o', 'json', '--eks-version', 'main', '--enforcing-mode', 'strict'], CLUSTER);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { agent: string; identifiers: Record<string, { ingress: Direction }> };
    assert.equal(j.agent, 'main');
    assert.deepEqual(j.identifiers['web@a']!.ingress.cp_entries, [{ cidr: '10.0.0.1/32', rules: [{ tier: 'Admin', priority: 0, action: 'Accept', protocol: 'ANY' }] }]);
    assert.equal(j.identifiers['client@a']!.ingress.pod_state, 'DEFAULT_DENY');
    assert.deepEqual(j.identifiers['client@a']!.ingress.entries, []);
  });

  it('-o text shows each identifier, its entries with the policies behind them, and what is dropped', () => {
    const r = podwall(['eks', 'maps', '-f', '-'], CLUSTER);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Modelling EKS agent v1\.4\.1 \(the newest agent release podwall knows\); compute auto/);
    assert.match(r.stdout, /web@a on n1 \(node IP 10\.0\.0\.1\): a\/web-1 10\.1\.0\.1/);
    assert.match(r.stdout, /10\.1\.0\.3\/32\s+TCP 8080\s+<- NetworkPolicy a\/p rule 0/);
    assert.match(r.stdout, /10\.2\.1\.0\/24\s+RESERVED \(except block\)/);
    assert.match(r.stdout, /dropped: 8\.8\.8\.8\/32: only named ports/);
  });

  it('takes the agent version from the aws-node DaemonSet, and rejects a bad --eks-version or --compute', () => {
    const ds = `---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: aws-node, namespace: kube-system}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: aws-node, image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2"}\n      - {name: aws-eks-nodeagent, image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.2.0-eksbuild.1"}\n`;
    const r = podwall(['eks', 'maps', '-f', '-'], CLUSTER + ds);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /EKS agent v1\.2\.0-eksbuild\.1 \(aws-node DaemonSet image tag \(<stdin>:\d+\)\); compute ec2 \(the aws-node DaemonSet/);
    const bad = podwall(['eks', 'maps', '-f', '-', '--eks-version', 'latest'], CLUSTER);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--eks-version must be an agent version/);
    const badCompute = podwall(['eks', 'maps', '-f', '-', '--compute', 'fargate'], CLUSTER);
    assert.equal(badCompute.code, 2);
    assert.match(badCompute.stderr, /--compute must be auto or ec2/);
  });
});
