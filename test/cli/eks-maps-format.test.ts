// `podwall eks maps -o json` held to ../shared/eks-dataplane/FORMAT.md as a whole: the top-level keys, every
// identifier's two directions with exactly the keys the format lists, slots in the format's shapes, canonical CIDRs
// once per map, at most 24 slots per entry, and a dropped slot carrying its `l4` as the format's example does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base, client, cnp, np, pod, web } from '../eks/fixtures.js';
import { podwall } from '../helpers.js';

const many = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join(', ');

const CLUSTER = base + web + client + pod('a', 'db-0', { app: 'db' }, '10.1.0.2') +
  np('a', 'out', `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n- to: [{ipBlock: {cidr: 8.8.8.8/32}}]\n  ports: [${many(26, (i) => `{port: ${1000 + i}}`)}]\n- to: [{ipBlock: {cidr: 10.9.0.7/16, except: [10.9.1.0/24]}}]`) +
  np('a', 'in', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{podSelector: {matchLabels: {app: c}}}], ports: [{port: http}, {port: 53, protocol: UDP}]}]') +
  cnp('admin', `tier: Admin\npriority: 10\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [192.168.0.0/16]}], ports: [${many(26, (i) => `{portNumber: {port: ${2000 + i}, protocol: TCP}}`)}]}]`) +
  cnp('base', 'tier: Baseline\npriority: 5\nsubject: {namespaces: {}}\ningress: [{action: Accept, from: [{namespaces: {}}]}]');

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP', 'ANY', 'RESERVED']);
const STATES = new Set(['POLICIES_APPLIED', 'DEFAULT_ALLOW', 'DEFAULT_DENY']);

function checkL4(s: Record<string, unknown>, where: string): void {
  assert.ok(PROTOCOLS.has(s.protocol as string), `${where}: protocol ${String(s.protocol)}`);
  if (s.protocol === 'ANY' || s.protocol === 'RESERVED') assert.deepEqual(Object.keys(s), ['protocol'], where);
  else {
    assert.deepEqual(Object.keys(s).sort(), ['end_port', 'port', 'protocol'], where);
    assert.ok(Number.isInteger(s.port) && Number.isInteger(s.end_port), where);
  }
}

function checkRule(r: Record<string, unknown>, where: string): void {
  assert.ok(r.tier === 'Admin' || r.tier === 'Baseline', where);
  assert.ok(['Accept', 'Deny', 'Pass'].includes(r.action as string), where);
  assert.ok(Number.isInteger(r.priority), where);
  const { tier: _t, priority: _p, action: _a, ...slot } = r;
  checkL4(slot, where);
}

function canonical(cidr: string): boolean {
  const [ip, bits] = cidr.split('/');
  if (ip!.includes(':')) return true;
  const n = ip!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const b = Number(bits);
  return b === 32 || n % 2 ** (32 - b) === 0;
}

describe('podwall eks maps -o json follows FORMAT.md', () => {
  const r = podwall(['eks', 'maps', '-f', '-', '-o', 'json', '--eks-version', 'v1.4.1'], CLUSTER);
  const j = JSON.parse(r.stdout) as Record<string, unknown> & { identifiers: Record<string, Record<string, Record<string, unknown[]> & { pod_state: string; cp_pod_state: string }>> };

  it('has the top-level keys, and every identifier the keys the format lists', () => {
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(j), ['format', 'agent', 'enforcingMode', 'family', 'nodes', 'pods', 'identifiers']);
    assert.equal(j.format, 'podwall.eks-maps/v1');
    for (const [id, m] of Object.entries(j.identifiers)) {
      assert.deepEqual(Object.keys(m), ['node', 'pods', 'ingress', 'egress'], id);
      for (const d of ['ingress', 'egress'] as const) {
        const dir = m[d]!;
        assert.deepEqual(Object.keys(dir), ['pod_state', 'cp_pod_state', 'entries', 'cp_entries', 'dropped', 'sources'], `${id} ${d}`);
        assert.ok(STATES.has(dir.pod_state) && STATES.has(dir.cp_pod_state), `${id} ${d}`);
        for (const [list, slots] of [['entries', 'l4'], ['cp_entries', 'rules']] as const) {
          const cidrs = (dir[list] as { cidr: string }[]).map((e) => e.cidr);
          assert.equal(new Set(cidrs).size, cidrs.length, `${id} ${d} ${list}: one object per CIDR`);
          for (const e of dir[list] as Record<string, unknown>[]) {
            const where = `${id} ${d} ${list} ${String(e.cidr)}`;
            assert.ok(canonical(e.cidr as string), `${where}: canonical`);
            const items = e[slots] as Record<string, unknown>[];
            assert.ok(items.length >= 1 && items.length <= 24, `${where}: ${items.length} slots`);
            for (const s of items) (slots === 'l4' ? checkL4 : checkRule)(s, where);
          }
        }
      }
    }
  });

  it('writes the ipBlock CIDR canonical and its except as RESERVED', () => {
    const egress = j.identifiers['web@a']!.egress!;
    const entries = egress.entries as { cidr: string; l4: unknown[] }[];
    assert.deepEqual(entries.find((e) => e.cidr === '10.9.0.0/16')?.l4, [{ protocol: 'ANY' }]);
    assert.deepEqual(entries.find((e) => e.cidr === '10.9.1.0/24')?.l4, [{ protocol: 'RESERVED' }]);
  });

  it('lists each slot beyond the 24th as dropped with its cidr, l4 and why, for NetworkPolicy and cluster-policy entries', () => {
    const dropped = j.identifiers['web@a']!.egress!.dropped as { cidr?: string; l4?: Record<string, unknown>; why: string; mechanism?: string }[];
    const np = dropped.filter((d) => d.cidr === '8.8.8.8/32');
    assert.equal(np.length, 2);
    for (const d of np) {
      assert.match(d.why, /more than 24 port entries for one CIDR/);
      assert.equal(d.mechanism, 'port-limit');
      checkL4(d.l4!, 'dropped');
      assert.equal(d.l4!.protocol, 'TCP');
    }
    const kept = (j.identifiers['web@a']!.egress!.entries as { cidr: string; l4: { port: number }[] }[]).find((e) => e.cidr === '8.8.8.8/32')!.l4.map((s) => s.port);
    assert.deepEqual([...kept, ...np.map((d) => d.l4!.port as number)].sort(), Array.from({ length: 26 }, (_, i) => 1000 + i), 'kept and dropped are the 26 ports, each once');
    const cp = dropped.filter((d) => d.cidr === '192.168.0.0/16');
    assert.equal(cp.length, 2);
    for (const d of cp) checkRule(d.l4!, 'dropped cluster-policy slot');
  });
});

describe('podwall eks maps -o json with unscheduled pods', () => {
  // the agent groups an unscheduled pod alone (no node programs it yet): two such pods of one identifier are two
  // groups, each on a node of its own, and the document must keep a key for each rather than repeat one
  const unscheduled = (name: string, ip: string): string =>
    `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: a, labels: {app: job}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: "${ip}"}\n`;
  const r = podwall(['eks', 'maps', '-f', '-', '-o', 'json'], base + web + unscheduled('job-x', '10.1.0.8') + unscheduled('job-y', '10.1.0.9'));

  it('gives each its own identifier key and node, with no key repeated in the text', () => {
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { nodes: Record<string, { ip: string }>; pods: Record<string, { node: string; identifier: string }>; identifiers: Record<string, { node: string; pods: string[] }> };
    const jobs = Object.entries(j.identifiers).filter(([, m]) => m.pods.some((p) => p.startsWith('a/job-')));
    assert.equal(jobs.length, 2, Object.keys(j.identifiers).join(', '));
    assert.notEqual(jobs[0]![0], jobs[1]![0]);
    for (const [, m] of jobs) {
      assert.equal(m.pods.length, 1);
      assert.equal(j.pods[m.pods[0]!]!.node, m.node, 'the pod names the node its identifier is on');
      assert.ok(j.nodes[m.node], `node ${m.node} listed`);
    }
    assert.notEqual(jobs[0]![1].node, jobs[1]![1].node);
    assert.notEqual(j.nodes[jobs[0]![1].node]!.ip, j.nodes[jobs[1]![1].node]!.ip, 'each placeholder node keeps its own address');
    // JSON.parse keeps the last of repeated keys: count them in the text itself
    const keys = [...r.stdout.matchAll(/^ {4}"([^"]+)": \{$/gm)].map((m) => m[1]);
    assert.equal(new Set(keys).size, keys.length, 'no key repeated at the identifiers and nodes level');
  });
});
