// The world outside the cluster, port ranges and the own-node rule, through the command line.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pod, podwall } from '../helpers.js';

const EX = 'examples/shop';

describe('podwall diff sees the world outside and every port', () => {
  it('reports a database opened to 0.0.0.0/0 on every port and a removed *.stripe.com allow (exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-outside-'));
    const changed = join(dir, 'policies.yaml');
    let text = readFileSync(`${EX}/policies.yaml`, 'utf8');
    const dbRule = 'from: [{podSelector: {matchLabels: {app: api}}}]\n      ports: [{port: 5432}]';
    assert.ok(text.includes(dbRule) && text.includes('*.stripe.com'));
    text = text.replace(dbRule, `${dbRule}\n    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]`);
    text = text.slice(0, text.indexOf('---\n# The API calls its payment provider'));
    writeFileSync(changed, text);

    // the file is the whole policy set: api-payments is gone from it
    const r = podwall(['diff', '-f', EX, '--to', changed, '--replace-all']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^\+ allow internet -> shop\/db TCP 1-65535; UDP 1-65535; SCTP 1-65535$/m);
    assert.match(r.stdout, /^- deny {2}shop\/api -> \*\.stripe\.com TCP 443$/m);
    assert.match(r.stdout, /after {2}\(TCP 1\): .*allowed by NetworkPolicy shop\/api-to-db ingress rule 1: 0\.0\.0\.0\/0, any port/);
    assert.match(r.stdout, /before \(TCP 443\): .*allowed by ApplicationNetworkPolicy shop\/api-payments egress rule 0/);

    const j = JSON.parse(podwall(['diff', '-f', EX, '--to', changed, '--replace-all', '-o', 'json']).stdout) as {
      changes: { from: string; to: string; change: string; ports: { protocol: string; from: number; to: number }[] }[];
    };
    const opened = j.changes.find((c) => c.from === 'internet' && c.to === 'shop/db')!;
    assert.equal(opened.change, 'newly-allowed');
    assert.deepEqual(opened.ports[0], { protocol: 'TCP', from: 1, to: 65535 });
    assert.equal(j.changes.find((c) => c.from === 'shop/api' && c.to === '*.stripe.com')?.change, 'newly-denied');
  });

  it('a port range changed on a port no pod declares is a change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-outside-'));
    const changed = join(dir, 'policies.yaml');
    // both sides of api -> db widened from 5432 to 5432-5440
    const text = readFileSync(`${EX}/policies.yaml`, 'utf8');
    assert.ok(text.includes('ports: [{port: 5432}]') && text.includes('ports: [{port: postgres}]'));
    writeFileSync(changed, text.replace('ports: [{port: 5432}]', 'ports: [{port: 5432, endPort: 5440}]').replace('ports: [{port: postgres}]', 'ports: [{port: 5432, endPort: 5440}]'));
    const r = podwall(['diff', '-f', EX, '--to', changed]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^\+ allow shop\/api -> shop\/db TCP 5433-5440$/m);
  });
});

const OPEN_INGRESS = `${pod('app', 'a', { app: 'a' })}${pod('app', 'b', { app: 'b' })}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-from-a, namespace: app}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: a}}}]
`;

describe('podwall matrix: ports as ranges, peers outside', () => {
  it('shows a rule without ports as every port of every protocol', () => {
    const r = podwall(['matrix', '-f', '-'], OPEN_INGRESS);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^app\/a\s+app\/b\s+TCP 1-65535; UDP 1-65535; SCTP 1-65535$/m);
    // no CIDR in the policies: the one peer outside is every address
    assert.match(r.stdout, /^internet\s+app\/b\s+-$/m);
    assert.match(r.stdout, /^app\/b\s+internet\s+TCP 1-65535; UDP 1-65535; SCTP 1-65535$/m);
    // --protocol alone: every port of that protocol
    assert.match(podwall(['matrix', '-f', '-', '--protocol', 'UDP'], OPEN_INGRESS).stdout, /^app\/a\s+app\/b\s+UDP 1-65535$/m);
  });

  it('--exposure lists what reaches in from outside and what reaches out, optionally for one peer', () => {
    const all = podwall(['matrix', '-f', EX, '--exposure', '-n', 'shop']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^internet\s+shop\/db\s+-$/m);
    assert.match(all.stdout, /^shop\/api\s+\*\.stripe\.com\s+TCP 443$/m);
    assert.doesNotMatch(all.stdout, /shop\/api\s+shop\/db/, 'no pod-to-pod rows');

    const internet = JSON.parse(podwall(['matrix', '-f', EX, '--exposure', 'internet', '-o', 'json']).stdout) as { edges: { from: string; to: string; allowed: boolean }[] };
    assert.ok(internet.edges.length > 0);
    assert.ok(internet.edges.every((e) => e.from === 'internet' || e.to === 'internet'));
    // what may reach the internet: only workloads without an egress lockdown
    const out = internet.edges.filter((e) => e.to === 'internet' && e.allowed).map((e) => e.from).sort();
    assert.deepEqual(out, ['kube-system/coredns', 'monitoring/prometheus']);

    // an address names the range it falls in
    const byAddress = podwall(['matrix', '-f', EX, '--exposure', '198.51.100.7']);
    assert.equal(byAddress.stdout, podwall(['matrix', '-f', EX, '--exposure', 'internet']).stdout);

    const bad = podwall(['matrix', '-f', EX, '--exposure', 'nowhere.example']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--exposure nowhere\.example: no such peer outside the cluster; the policies distinguish: internet, \*\.stripe\.com/);
  });

  it('splits the address space by every CIDR and except of the policies', () => {
    const yaml = `${pod('app', 'a', { app: 'a' })}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-out, namespace: app}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.5.0/24]}}]
      ports: [{port: 443}]
`;
    const r = podwall(['matrix', '-f', '-', '--outside', 'each'], yaml);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^app\/a\s+10\.0\.0\.0\/16 except 10\.0\.5\.0\/24\s+TCP 443$/m);
    assert.match(r.stdout, /^app\/a\s+10\.0\.5\.0\/24\s+-$/m);
    assert.match(r.stdout, /^app\/a\s+internet\s+-$/m);
    assert.match(r.stdout, /^internet\s+app\/a\s+TCP 1-65535; UDP 1-65535; SCTP 1-65535$/m);
    assert.equal(podwall(['matrix', '-f', '-', '--outside', 'sometimes'], yaml).code, 2);
  });
});

describe('one own-node rule', () => {
  // a host-network pod and a pod on the same node, no Node object in the input; the pod denies all ingress
  const yaml = `---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: kube-system, labels: {app: agent}}
spec: {hostNetwork: true, nodeName: ip-10-0-1-1, containers: [{name: c, image: x}]}
status: {podIP: 10.0.1.1}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {app: web}}
spec: {nodeName: ip-10-0-1-1, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.0.1.20}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: app, labels: {app: web}}
spec: {nodeName: ip-10-0-1-2, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.0.2.20}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: app}
spec: {podSelector: {}, policyTypes: [Ingress]}
`;

  it('explain and matrix agree: a host-network pod on the same spec.nodeName is the pod\'s own node', () => {
    const explain = podwall(['explain', '--from', 'kube-system/agent', '--to', 'app/web', '--port', '8080', '-f', '-'], yaml);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /^ALLOW kube-system\/agent -> app\/web 8080\/TCP/);
    assert.match(explain.stdout, /traffic between a pod and its own node \(ip-10-0-1-1\) is always allowed/);
    const other = podwall(['explain', '--from', 'kube-system/agent', '--to', 'app/other', '--port', '8080', '-f', '-'], yaml);
    assert.match(other.stdout, /^DENY /);

    const m = JSON.parse(podwall(['matrix', '-f', '-', '--port', '8080', '-o', 'json'], yaml).stdout) as { edges: { from: string; to: string; allowed: boolean; partial: boolean }[] };
    const cell = (to: string) => m.edges.find((e) => e.from === 'kube-system/agent' && e.to === to && e.allowed);
    assert.ok(cell('app/web'), 'matrix allows what explain allows');
    assert.equal(cell('app/other'), undefined, 'matrix denies what explain denies');
  });
});
