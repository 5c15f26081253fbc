// The model's replicas and Services, directly.
import { specDecider } from '../../src/analysis/deciders.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge } from '../../src/analysis/judgement.js';
import { Engine } from '../../src/engine/engine.js';
import { FlowEndpoints } from '../../src/flows/endpoints.js';
import { EndpointResolver, type Reference } from '../../src/model/refs.js';
import { findServicePort, ServiceIndex, targetPortOf } from '../../src/model/services.js';
import { parseAddress } from '../../src/net/ip.js';
import { clusterFrom, pod } from '../helpers.js';

const workload = (kind: string, name: string, spec: string, api = 'apps/v1') => `---
apiVersion: ${api}
kind: ${kind}
metadata: {name: ${name}, namespace: ns}
spec:
${spec}
`;
const template = (indent: string, labels = '{app: x}') => `${indent}template:\n${indent}  metadata: {labels: ${labels}}\n${indent}  spec: {containers: [{name: c, image: x, ports: [{containerPort: 80, name: http}]}]}\n`;

describe('replicas', () => {
  it('names each replica as its controller does, so the EKS pod identifier comes out right', () => {
    const c = clusterFrom(
      workload('Deployment', 'web', `  replicas: 3\n${template('  ')}`) +
        workload('StatefulSet', 'db', `  replicas: 2\n${template('  ', '{app: db}')}`) +
        workload('Job', 'batch', `  parallelism: 4\n  completions: 2\n${template('  ', '{app: batch}')}`, 'batch/v1') +
        workload('CronJob', 'nightly', `  schedule: "@daily"\n  jobTemplate:\n    spec:\n      parallelism: 2\n${template('      ', '{app: nightly}')}`, 'batch/v1') +
        workload('ReplicaSet', 'rs', template('  ', '{app: rs}')),
    );
    const names = (w: string) => c.pods.filter((p) => p.workload?.name === w).map((p) => p.name);
    const web = names('web');
    assert.equal(web.length, 3);
    for (const n of web) assert.match(n, /^web-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(new Set(web.map((n) => n.slice(0, n.lastIndexOf('-')))).size, 1, 'one template hash: one EKS pod identifier');
    assert.equal(new Set(web).size, 3);
    assert.deepEqual(names('db'), ['db-0', 'db-1']);
    assert.equal(c.pods.find((p) => p.name === 'db-1')!.labels['statefulset.kubernetes.io/pod-name'], 'db-1');
    assert.equal(names('batch').length, 2, 'parallelism, at most completions');
    assert.equal(names('nightly').length, 2);
    for (const n of names('nightly')) assert.match(n, /^nightly-\d{8}-\w{5}$/);
    assert.equal(names('rs').length, 1, 'replicas default to 1');
    assert.ok(c.pods.every((p) => p.synthesized && p.ips.length === 0));
    assert.deepEqual(clusterFrom(workload('Deployment', 'web', `  replicas: 3\n${template('  ')}`)).pods.map((p) => p.name), web, 'stable names');
  });

  it('a DaemonSet runs on each Node its nodeSelector matches, else one pod without a node', () => {
    const nodes = ['a', 'b', 'c'].map((n, i) => `---\napiVersion: v1\nkind: Node\nmetadata: {name: ${n}, labels: {pool: ${i === 2 ? 'gpu' : 'general'}}}\n`).join('');
    const ds = workload('DaemonSet', 'agent', template('  ', '{app: agent}').replace('spec: {containers', 'spec: {nodeSelector: {pool: general}, containers'));
    const c = clusterFrom(nodes + ds);
    assert.deepEqual(c.pods.map((p) => p.nodeName).sort(), ['a', 'b']);
    const alone = clusterFrom(ds);
    assert.equal(alone.pods.length, 1);
    assert.equal(alone.pods[0]!.nodeName, undefined);
  });

  it('real Pods replace the synthesized replicas of their owner; replicas: 0 runs none, with a warning', () => {
    const real = `---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-abc-1, namespace: ns, labels: {app: x, pod-template-hash: abc}, ownerReferences: [{kind: ReplicaSet, name: web-abc, controller: true}]}\nspec: {containers: [{name: c, image: x}]}\n`;
    const c = clusterFrom(workload('Deployment', 'web', `  replicas: 3\n${template('  ')}`) + real);
    assert.deepEqual(c.pods.map((p) => p.name), ['web-abc-1']);
    const zero = clusterFrom(workload('Deployment', 'web', `  replicas: 0\n${template('  ')}`));
    assert.equal(zero.pods.length, 0);
    assert.match(zero.warnings[0]!.message, /runs no pods \(replicas: 0\)/);
  });

  it('replicas that policies cannot tell apart are decided once, and counted as pairs', () => {
    const c = clusterFrom(workload('Deployment', 'web', `  replicas: 50\n${template('  ')}`));
    const resolver = new EndpointResolver(c);
    const ref = (resolver.reference('ns/web') as { ok: true; ref: Reference }).ref;
    const r = judge(specDecider(new Engine(c)), ref, ref, 80, 'TCP');
    assert.ok(r.ok);
    assert.equal(r.judgement.pairs, 50 * 49);
    assert.equal(r.judgement.decided, 1);
    assert.equal(r.judgement.outcome, 'allow');
    assert.equal(r.judgement.allowed!.egress.steps[0]!.reason.includes('loopback'), false);
  });
});

describe('Services', () => {
  const svc = (spec: string) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: ns}\nspec:\n${spec}\n`;
  const pods = pod('ns', 'a', { app: 'api' }) + pod('ns', 'b', { app: 'api' }).replace('containerPort: 8080, name: http', 'containerPort: 8081, name: http');

  it('parses type, addresses, ports with numeric, named and defaulted targetPorts, and nodePorts', () => {
    const c = clusterFrom(pods + svc('  type: NodePort\n  selector: {app: api}\n  clusterIP: 172.20.0.1\n  clusterIPs: [172.20.0.1, "fd00::1"]\n  ports:\n    - {name: web, port: 80, targetPort: http, nodePort: 30080}\n    - {port: 53, protocol: UDP}\n    - {name: admin, port: 9000, targetPort: 9900}'));
    const s = c.services[0]!;
    assert.equal(s.type, 'NodePort');
    assert.deepEqual(s.clusterIPs.map((a) => a.text), ['172.20.0.1', 'fd00::1']);
    assert.deepEqual(s.ports.map((p) => [p.name, p.port, p.protocol, p.targetPort, p.nodePort]), [['web', 80, 'TCP', 'http', 30080], [undefined, 53, 'UDP', 53, undefined], ['admin', 9000, 'TCP', 9900, undefined]]);
    const web = findServicePort(s, 'web', 'TCP', false)!;
    assert.deepEqual(c.pods.map((p) => targetPortOf(web, p)), [8080, 8081], 'a named targetPort resolves per pod');
    assert.equal(findServicePort(s, 30080, 'TCP', false), undefined, 'the node port only from outside');
    assert.equal(findServicePort(s, 30080, 'TCP', true), web);
    const headless = clusterFrom(svc('  clusterIP: None\n  selector: {app: api}\n  ports: [{port: 80}]')).services[0]!;
    assert.deepEqual([headless.headless, headless.clusterIPs.length], [true, 0]);
    const ext = clusterFrom(svc('  type: ExternalName\n  externalName: db.example.com')).services[0]!;
    assert.deepEqual([ext.type, ext.externalName, ext.selector], ['ExternalName', 'db.example.com', undefined]);
  });

  it('a bad Service is an input error naming the object', () => {
    assert.throws(
      () => clusterFrom(svc('  type: Magic\n  ports: [{port: 80}]')),
      (e: { diagnostic?: { object?: string; line?: number; message: string } }) => e.diagnostic?.object === 'Service ns/api' && e.diagnostic.line !== undefined && /unknown Service type "Magic"/.test(e.diagnostic.message),
    );
    assert.throws(() => clusterFrom(svc('  ports: [{port: 80, targetPort: "Not_A_Name"}]')), /invalid port name/);
  });

  it('DNS names: name.ns.svc[.cluster.local] always mean a Service; name.ns only when it exists', () => {
    const c = clusterFrom(pods + svc('  selector: {app: api}\n  clusterIP: 172.20.0.1\n  ports: [{port: 80}]'));
    const idx = new ServiceIndex(c);
    assert.equal(idx.byDnsName('api.ns.svc.cluster.local.').service?.name, 'api');
    assert.equal(idx.byDnsName('API.ns.svc').service?.name, 'api');
    assert.equal(idx.byDnsName('api.ns').service?.name, 'api');
    assert.deepEqual(idx.byDnsName('api.other.svc'), { known: true, namespace: 'other', name: 'api' });
    assert.deepEqual(idx.byDnsName('api.example'), { known: false });
    const resolver = new EndpointResolver(c);
    const ext = resolver.reference('api.example');
    assert.ok(ext.ok && ext.ref.kind === 'endpoint', 'an unknown short name is a name outside the cluster');
    const miss = resolver.reference('api.other.svc.cluster.local');
    assert.ok(!miss.ok && /no Service api in namespace other/.test(miss.error));
  });

  it('a flow to a ClusterIP goes to each backend on its target port, recording the Service dialled', () => {
    const c = clusterFrom(
      pod('ns', 'a', { app: 'api' }, 'status: {podIP: 10.0.0.1}\n') +
        pod('ns', 'b', { app: 'api' }, 'status: {podIP: 10.0.0.2}\n').replace('containerPort: 8080, name: http', 'containerPort: 8081, name: http') +
        svc('  selector: {app: api}\n  clusterIP: 172.20.0.1\n  ports: [{name: web, port: 80, targetPort: http}]'),
    );
    const flows = new FlowEndpoints(c);
    const d = flows.destination(parseAddress('172.20.0.1')!, 80, 'TCP');
    assert.deepEqual(d.targets.map((t) => `${t.endpoint.kind === 'pod' ? t.endpoint.pod.name : '?'}:${t.port}`), ['a:8080', 'b:8081']);
    assert.deepEqual(d.targets[0]!.service, { namespace: 'ns', name: 'api', address: parseAddress('172.20.0.1'), port: 80, protocol: 'TCP' });
    assert.equal(d.label, 'ns/svc/api', 'two workloads behind it');
    const other = flows.destination(parseAddress('172.20.0.1')!, 8080, 'TCP');
    assert.deepEqual(other.targets.map((t) => t.port), [8080, 8080], 'a port the Service does not expose: the backends as logged');
    assert.equal(other.targets[0]!.service, undefined);
    const direct = flows.destination(parseAddress('10.0.0.2')!, 8081, 'TCP');
    assert.deepEqual([direct.label, direct.targets.length], ['ns/b', 1]);
  });

  it('builds a workload of 200,000 replicas (the synthesized pods are added without spreading an array)', () => {
    const c = clusterFrom('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: a}\nspec:\n  replicas: 200000\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: c, image: x}]}\n');
    assert.equal(c.pods.length, 200000);
  });
});
