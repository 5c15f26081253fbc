// The in-cluster deployment (deploy/kubernetes, Containerfile) held to podwall's own audit and verdicts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { podwall, ROOT } from '../helpers.js';

const DIR = 'deploy/kubernetes';
type Obj = { kind: string; metadata: { name: string }; spec?: any; rules?: unknown[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
const objects = (): Obj[] =>
  ['namespace.yaml', 'rbac.yaml', 'deployment.yaml', 'service.yaml', 'networkpolicy.yaml'].flatMap((f) => parseAllDocuments(readFileSync(join(ROOT, DIR, f), 'utf8')).map((d) => d.toJS() as Obj));
const find = (kind: string): Obj => objects().find((o) => o.kind === kind)!;

/** The neighbours the policy speaks of: cluster DNS, a Prometheus in `monitoring`, and a stranger. */
const NEIGHBOURS = `
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: coredns, image: x, ports: [{containerPort: 53, protocol: UDP}, {containerPort: 53, protocol: TCP}]}]}
status: {podIP: 192.168.5.10}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: v1
kind: Pod
metadata: {name: prometheus-0, namespace: monitoring, labels: {app: prometheus}}
spec: {containers: [{name: p, image: x}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: w, image: x}]}
`;

describe('deploy/kubernetes', () => {
  it('passes podwall\'s own audit: no finding of warning or error severity', () => {
    const r = podwall(['audit', '-f', DIR, '-o', 'json', '--fail-on', 'warning']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const audit = JSON.parse(r.stdout);
    const serious = audit.findings.filter((f: { severity: string }) => f.severity !== 'info');
    assert.deepEqual(serious, []);
    assert.equal(audit.kpis.namespaces, 1, 'only podwall\'s namespace: the ClusterRole does not conjure up "default"');
    assert.equal(audit.kpis.defaultDenyIngress, 1);
    assert.equal(audit.kpis.defaultDenyEgress, 1);
    assert.equal(audit.kpis.podsIsolatedIngress, 1);
    assert.equal(audit.kpis.podsIsolatedEgress, 1);
  });

  it('lets podwall reach only the API server and DNS, and only monitoring reach its metrics', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-deploy-'));
    const neighbours = join(dir, 'neighbours.yaml');
    writeFileSync(neighbours, NEIGHBOURS);
    const verdict = (from: string, to: string, port: string, protocol = 'TCP'): boolean => {
      const r = podwall(['explain', '--from', from, '--to', to, '--port', port, '--protocol', protocol, '-f', DIR, '-f', neighbours, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).allowed;
    };
    assert.equal(verdict('podwall/podwall', '10.100.0.1', '443'), true, 'the kubernetes Service ClusterIP');
    assert.equal(verdict('podwall/podwall', '192.168.0.20', '443'), true, 'an API server endpoint in the VPC');
    assert.equal(verdict('podwall/podwall', 'kube-system/coredns-1', '53', 'UDP'), true);
    assert.equal(verdict('podwall/podwall', 'kube-system/coredns-1', '53', 'TCP'), true);
    assert.equal(verdict('podwall/podwall', '203.0.113.5', '443'), false, 'the Internet');
    assert.equal(verdict('podwall/podwall', '10.100.0.1', '80'), false);
    assert.equal(verdict('podwall/podwall', 'shop/web-1', '8080'), false);
    assert.equal(verdict('monitoring/prometheus-0', 'podwall/podwall', '9464'), true);
    assert.equal(verdict('shop/web-1', 'podwall/podwall', '9464'), false);
  });

  it('grants exactly the read-only ClusterRole the README states', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /A minimal read-only ClusterRole:\s*```yaml\n([\s\S]*?)```/.exec(readme);
    assert.ok(block, 'the README states a ClusterRole');
    const stated = parseAllDocuments(block[1]!)[0]!.toJS() as Obj;
    const role = find('ClusterRole');
    assert.deepEqual(role.rules, stated.rules);
    for (const rule of role.rules as { verbs: string[] }[]) assert.deepEqual(rule.verbs.filter((v) => !['get', 'list', 'watch'].includes(v)), [], 'read-only');
    const binding = objects().find((o) => o.kind === 'ClusterRoleBinding') as unknown as { roleRef: { name: string }; subjects: { name: string; namespace: string }[] };
    assert.equal(binding.roleRef.name, role.metadata.name);
    assert.deepEqual(binding.subjects.map((s) => `${s.namespace}/${s.name}`), ['podwall/podwall']);
  });

  it('runs watch with metrics on the port the Service, the policy and the probes name, as the image\'s non-root user', async () => {
    const deployment = find('Deployment');
    const pod = deployment.spec.template.spec;
    const c = pod.containers[0];
    assert.deepEqual(c.args.slice(0, 3), ['watch', '--metrics', '0.0.0.0:9464']);
    assert.equal(c.ports[0].containerPort, 9464);
    assert.ok(c.resources.limits.cpu && c.resources.limits.memory, 'resource limits');
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const service = find('Service');
    assert.equal(service.spec.ports[0].targetPort, c.ports[0].name);
    const containerfile = readFileSync(join(ROOT, 'Containerfile'), 'utf8');
    assert.match(containerfile, /^FROM node:20[-\w.]*slim/m);
    assert.match(containerfile, /npm ci --omit=dev/);
    assert.equal(/^USER (\d+)/m.exec(containerfile)?.[1], String(pod.securityContext.runAsUser), 'the image user is the one the Deployment runs as');

    // the probe paths answer on the metrics port (serve shares the endpoint with watch)
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'serve', '-f', 'examples/shop', '--port', '0', '--metrics', '127.0.0.1:0'], { cwd: ROOT });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d) => {
          err += d;
          const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        assert.equal(probe.httpGet.port, 'metrics');
        const res = await fetch(`http://127.0.0.1:${port}${probe.httpGet.path}`);
        assert.equal(res.status, 200, probe.httpGet.path);
      }
      assert.equal((await fetch(`http://127.0.0.1:${port}/nothing`)).status, 404);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
    }
  });
});
