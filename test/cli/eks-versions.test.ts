// Behaviours keyed by release, and the inputs that choose them, through `podwall explain` under both data planes:
// the cluster-policy node entry (agent after v1.4.1, from --eks-version or the aws-node image tag), a cluster-policy
// port without a protocol (TCP), policyTypes (controller PR #229: no release has it), and --compute (flag, aws-node
// DaemonSet, Auto Mode ConfigMap, default).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { anp, base, client, cnp, db, np, web } from '../eks/fixtures.js';
import { podwallAsync } from '../helpers.js';

interface Explained {
  dataplane: string;
  allowed: boolean;
  agree?: boolean;
  mechanisms?: { id: string }[];
  kubernetes?: { allowed: boolean };
  eks?: { agent: string; agentSource: string; controller?: string; compute: string; computeSource: string };
}

const dir = mkdtempSync(join(tmpdir(), 'podwall-eks-versions-'));
let n = 0;
function file(yaml: string): string {
  const f = join(dir, `c${n++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

async function explain(cluster: string, from: string, to: string, port: number, flags: string[] = []): Promise<Explained> {
  const r = await podwallAsync(['explain', '--from', from, '--to', to, '--port', String(port), '-f', cluster, '-o', 'json', ...flags]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Explained;
}

/** The aws-node DaemonSet with the network policy agent's container at this image tag. */
const awsNodeWithAgent = (tag: string): string =>
  `---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: aws-node, namespace: kube-system}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - {name: aws-node, image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2"}\n      - {name: aws-eks-nodeagent, image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:${tag}"}\n`;

const mechanisms = (j: Explained): string[] => (j.mechanisms ?? []).map((m) => m.id);

describe('the cluster-policy node entry, keyed by agent release', () => {
  const cut = base + web + cnp('cut', 'tier: Admin\npriority: 10\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]');

  it('--eks-version v1.4.1: no node entry, so the Admin Deny cuts the pod off its node; after v1.4.1 the node is allowed', async () => {
    const cluster = file(cut);
    const old = await explain(cluster, 'a/web', '10.0.0.1', 10250, ['--eks-version', 'v1.4.1']);
    assert.equal(old.eks!.agent, 'v1.4.1');
    assert.equal(old.allowed, false);
    assert.equal(old.kubernetes!.allowed, true);
    assert.deepEqual(mechanisms(old), ['cp-no-node-entry']);
    const next = await explain(cluster, 'a/web', '10.0.0.1', 10250, ['--eks-version', 'v1.4.2']);
    assert.equal(next.allowed, true);
    assert.equal(next.agree, true);
    const spec = await explain(cluster, 'a/web', '10.0.0.1', 10250, ['--dataplane', 'kubernetes']);
    assert.equal(spec.dataplane, 'kubernetes');
    assert.equal(spec.allowed, true);
  });

  it('without --eks-version the aws-node DaemonSet\'s agent image tag chooses, and says so', async () => {
    const old = await explain(file(cut + awsNodeWithAgent('v1.4.1-eksbuild.1')), 'a/web', '10.0.0.1', 10250);
    assert.equal(old.eks!.agent, 'v1.4.1-eksbuild.1');
    assert.match(old.eks!.agentSource, /aws-node DaemonSet image tag/);
    assert.equal(old.allowed, false);
    assert.deepEqual(mechanisms(old), ['cp-no-node-entry']);
    const next = await explain(file(cut + awsNodeWithAgent('v1.4.2-eksbuild.1')), 'a/web', '10.0.0.1', 10250);
    assert.equal(next.eks!.agent, 'v1.4.2-eksbuild.1');
    assert.equal(next.allowed, true);
    const flag = await explain(file(cut + awsNodeWithAgent('v1.4.2-eksbuild.1')), 'a/web', '10.0.0.1', 10250, ['--eks-version', 'v1.4.1']);
    assert.equal(flag.eks!.agentSource, '--eks-version', 'the flag wins over the image tag');
    assert.equal(flag.allowed, false);
  });
});

describe('a cluster-policy port without a protocol is TCP, on both planes', () => {
  const cluster = base + web + client + cnp('deny-8080', 'tier: Admin\npriority: 5\nsubject: {namespaces: {}}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 8080}}]}]');

  it('denies 8080/TCP and leaves 8080/UDP alone', async () => {
    const f = file(cluster);
    for (const dataplane of ['eks', 'kubernetes']) {
      const tcp = await explain(f, 'a/client', 'a/web', 8080, ['--dataplane', dataplane]);
      assert.equal(tcp.allowed, false, `${dataplane}: TCP`);
      const udp = await explain(f, 'a/client', 'a/web', 8080, ['--dataplane', dataplane, '--protocol', 'UDP']);
      assert.equal(udp.allowed, true, `${dataplane}: UDP`);
    }
  });
});

describe('policyTypes, keyed by controller release (PR #229 is in none)', () => {
  const cluster = base + web + db + np('a', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]\ningress: [{}]\negress: [{to: [{ipBlock: {cidr: 8.8.8.8/32}}]}]');

  it('every controller release known, and a later one, still enforces the egress rules policyTypes leaves out', async () => {
    const f = file(cluster);
    for (const controller of ['v1.1.7', 'v1.1.9', 'v1.2.0']) {
      const j = await explain(f, 'a/web', 'a/db', 8080, ['--eks-controller-version', controller]);
      assert.equal(j.eks!.controller, controller);
      assert.equal(j.allowed, false, controller);
      assert.equal(j.kubernetes!.allowed, true);
      assert.deepEqual(mechanisms(j), ['policytypes-not-respected'], controller);
    }
  });
});

describe('--compute: the flag, else inferred from the inputs', () => {
  const domain = base + web + anp('podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{domainNames: [api.example.com]}], ports: [{port: 443, protocol: TCP}]}]');
  const configMap = '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: amazon-vpc-cni, namespace: kube-system}\ndata: {enable-network-policy-controller: "true"}\n';

  it('nothing in the inputs: auto (domain names enforced), said to be the default', async () => {
    const j = await explain(file(domain), 'a/web', 'api.example.com', 443);
    assert.equal(j.eks!.compute, 'auto');
    assert.match(j.eks!.computeSource, /default/);
    assert.equal(j.allowed, true);
    assert.equal(j.agree, true);
  });

  it('the aws-node DaemonSet: ec2, where the open agent drops domain entries', async () => {
    const j = await explain(file(domain + awsNodeWithAgent('v1.4.1')), 'a/web', 'api.example.com', 443);
    assert.equal(j.eks!.compute, 'ec2');
    assert.match(j.eks!.computeSource, /aws-node DaemonSet/);
    assert.equal(j.allowed, false);
    assert.equal(j.kubernetes!.allowed, true);
    assert.deepEqual(mechanisms(j), ['domain-names-ec2']);
  });

  it('the Auto Mode ConfigMap: auto; --compute wins over what the inputs say', async () => {
    const f = file(domain + configMap);
    const j = await explain(f, 'a/web', 'api.example.com', 443);
    assert.equal(j.eks!.compute, 'auto');
    assert.match(j.eks!.computeSource, /amazon-vpc-cni ConfigMap/);
    assert.equal(j.allowed, true);
    const forced = await explain(f, 'a/web', 'api.example.com', 443, ['--compute', 'ec2']);
    assert.equal(forced.eks!.computeSource, '--compute');
    assert.equal(forced.allowed, false);
    assert.deepEqual(mechanisms(forced), ['domain-names-ec2']);
  });
});
