// The audit's EKS hazards and explain never contradict each other, on random clusters:
// - every hazard the audit reports (mechanism, kind, example connection) is what explain prints for that connection:
//   the same mechanism among those it names, and the two verdicts the kind says (over-allow: EKS allows, the
//   specification denies; under-allow: the reverse; uncertain: both allow, with the port-limit caveat);
// - conversely, every disagreement explain finds on a sample of connections inside the audit's probe universe (any
//   two pods, a pod and a node or an outside address, on the ports the cluster mentions) is among the audit's
//   hazards with the same mechanism and kind, unless the audit says it stopped at its bound.
// Explain is asked as the command does it (`judge` over a fresh EKS decider, rendered by `judgementJson`); a few
// clusters go through the real command line too.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eksDecider } from '../../src/analysis/deciders.js';
import { judge } from '../../src/analysis/judgement.js';
import { eksDifferences, type DifferenceKind } from '../../src/audit/eks-differences.js';
import { Dataplanes, type Comparison } from '../../src/eks/compare.js';
import type { Compute } from '../../src/eks/types.js';
import { buildCluster } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import type { Protocol } from '../../src/net/protocol.js';
import { EndpointResolver } from '../../src/model/refs.js';
import { judgementJson } from '../../src/report/judgement.js';
import { podwallAsync } from '../helpers.js';
import { randomEksCluster } from './random.js';

interface Options {
  version: string;
  compute: Compute;
  controller: string;
}

interface ShownComparison {
  allowed: boolean;
  agree: boolean;
  kubernetes: { allowed: boolean };
  mechanisms: { id: string }[];
  caveats?: { id: string }[];
}

const CTX = (o: Options) => ({ agent: o.version, agentSource: 'test', controller: o.controller, compute: o.compute, computeSource: 'test' });

/** The comparisons explain -o json shows for a connection: the verdict itself for one pair, else its examples. */
function shown(json: Record<string, unknown>): ShownComparison[] {
  if (json.dataplane === 'eks' && 'agree' in json) return [json as unknown as ShownComparison];
  const ex = (json.examples ?? {}) as Record<string, Record<string, unknown>>;
  return [ex.allowed, ex.denied].filter((x): x is Record<string, unknown> => !!x && 'agree' in x) as unknown as ShownComparison[];
}

function kindOf(c: { allowed: boolean; agree: boolean; kubernetes: { allowed: boolean } }): DifferenceKind | undefined {
  if (!c.agree) return c.allowed ? 'over-allow' : 'under-allow';
  return undefined;
}

/** Does explain's comparison state this hazard? */
function states(c: ShownComparison, d: { mechanism: string; kind: DifferenceKind }): boolean {
  if (d.kind === 'uncertain') return c.agree && c.allowed && (c.caveats ?? []).some((m) => m.id === d.mechanism);
  return kindOf(c) === d.kind && c.kubernetes.allowed === !c.allowed && c.mechanisms.some((m) => m.id === d.mechanism);
}

function explainJson(cluster: Cluster, o: Options, from: string, to: string, port: number, protocol: Protocol): Record<string, unknown> {
  const resolver = new EndpointResolver(cluster);
  const f = resolver.reference(from);
  const t = resolver.reference(to);
  assert.ok(f.ok && t.ok, `${from} -> ${to} resolves`);
  const r = judge(eksDecider(new Dataplanes(cluster, o)), f.ref, t.ref, port, protocol);
  assert.ok(r.ok, `${from} -> ${to} ${port}/${protocol} is judged`);
  return judgementJson(r.judgement, CTX(o));
}

/** The ports the cluster mentions (the audit asks on these): container ports, Service ports and targets, policy range ends. */
function mentionedPorts(cluster: Cluster): [number, Protocol][] {
  const out = new Map<string, [number, Protocol]>();
  const add = (p: number, proto: Protocol): void => void out.set(`${p}/${proto}`, [p, proto]);
  for (const pod of cluster.pods) for (const cp of pod.ports) add(cp.port, cp.protocol);
  for (const s of cluster.services) for (const sp of s.ports) {
    add(sp.port, sp.protocol);
    if (typeof sp.targetPort === 'number') add(sp.targetPort, sp.protocol);
  }
  for (const p of cluster.policies) for (const r of [...p.ingress, ...p.egress]) for (const m of r.ports ?? []) if (m.type === 'range') add(m.from, m.protocol ?? 'TCP');
  return [...out.values()];
}

function setting(seed: number): { mode: 'standard' | 'strict'; o: Options } {
  return {
    mode: seed % 2 ? 'standard' : 'strict',
    o: { version: seed % 3 === 0 ? 'main' : 'v1.4.1', compute: seed % 4 === 0 ? 'ec2' : 'auto', controller: seed % 5 === 0 ? 'v1.1.7' : 'v1.1.9' },
  };
}

const key = (d: { mechanism: string; kind: string }): string => `${d.mechanism} ${d.kind}`;

describe('the audit and explain never contradict each other (random clusters)', () => {
  it('every audit hazard is what explain prints on its connection, and every explain disagreement sampled is an audit hazard', () => {
    const hazards = new Map<string, number>();
    let sampled = 0;
    let disagreements = 0;
    let truncated = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const { mode, o } = setting(seed);
      const cluster = buildCluster(randomEksCluster(seed, { upstream: seed % 3 === 0, templates: seed % 4 === 0 }), { enforcingMode: mode });
      const audit = eksDifferences(cluster, o);
      assert.deepEqual(audit.unexplained, [], `seed ${seed}: probes no mechanism explains`);

      // the audit's hazards, each checked against explain on its example
      for (const d of audit.differences) {
        hazards.set(key(d), (hazards.get(key(d)) ?? 0) + 1);
        const e = d.example;
        const json = explainJson(cluster, o, e.from, e.to, e.port, e.protocol);
        const cs = shown(json);
        assert.ok(cs.some((c) => states(c, d)), `seed ${seed}: the audit says ${key(d)} on ${e.from} -> ${e.to} ${e.port}/${e.protocol}; explain shows ${JSON.stringify(cs.map((c) => ({ allowed: c.allowed, spec: c.kubernetes.allowed, mechanisms: c.mechanisms.map((m) => m.id), caveats: c.caveats?.map((m) => m.id) })))}`);
      }
      if (audit.truncated) {
        truncated++;
        continue;
      }

      // the other way: disagreements explain finds are hazards the audit reports
      const reported = new Set(audit.differences.map(key));
      const planes = new Dataplanes(cluster, o);
      const decider = eksDecider(planes);
      const resolver = new EndpointResolver(cluster);
      const refOf = (t: string) => {
        const r = resolver.reference(t);
        assert.ok(r.ok, t);
        return r.ref;
      };
      const pods = cluster.pods.map((p) => `${p.namespace}/${p.name}`);
      const outside = [...cluster.nodes.map((n) => n.addresses[0]!.text), '203.0.113.1'];
      const pairs: [string, string][] = [];
      for (const a of pods) for (const b of pods) if (a !== b) pairs.push([a, b]);
      for (const a of pods) for (const x of outside) pairs.push([a, x], [x, a]);
      const ports = mentionedPorts(cluster);
      for (const [from, to] of pairs) {
        for (const [port, protocol] of ports) {
          const r = judge(decider, refOf(from), refOf(to), port, protocol);
          if (!r.ok) continue;
          sampled++;
          for (const c of [r.judgement.allowedComparison, r.judgement.deniedComparison].filter((x): x is Comparison => !!x)) {
            const wanted: string[] = c.agree ? (c.eks.allowed ? c.caveats.map((m) => `${m} uncertain`) : []) : c.mechanisms.map((m) => `${m} ${c.eks.allowed ? 'over-allow' : 'under-allow'}`);
            if (!c.agree) disagreements++;
            for (const w of wanted) assert.ok(reported.has(w), `seed ${seed}: explain ${from} -> ${to} ${port}/${protocol} shows ${w}; the audit reports only ${[...reported].join(', ') || 'nothing'}`);
          }
        }
      }
    }
    if (process.env.PODWALL_DEBUG) console.log({ sampled, disagreements, truncated, hazards: [...hazards.entries()] });
    assert.ok(truncated < 12, 'the converse was checked on some clusters');
    assert.ok(disagreements > 0 && sampled > 1000, `the sample reaches disagreements (${disagreements} of ${sampled})`);
    assert.ok(hazards.size >= 5, `the audit reports several kinds of hazard: ${[...hazards.keys()].join(', ')}`);
  });
});

describe('the audit and explain never contradict each other (command line, random clusters)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-audit-explain-'));
  for (const seed of [2, 3, 5]) {
    it(`seed ${seed}: each EKS finding of podwall audit is what podwall explain prints for its connection`, async () => {
      const { mode, o } = setting(seed);
      const file = join(dir, `seed-${seed}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: randomEksCluster(seed, { upstream: seed % 3 === 0, templates: seed % 4 === 0 }).map((x) => x.value) }));
      const flags = ['--eks-version', o.version, '--compute', o.compute, '--eks-controller-version', o.controller, '--enforcing-mode', mode];
      const a = await podwallAsync(['audit', '-f', file, '-o', 'json', ...flags]);
      assert.ok(a.code === 0 || a.code === 1, a.stderr);
      const findings = (JSON.parse(a.stdout) as { findings: { check: string; eks?: { mechanism: string; kind: DifferenceKind; from: string; to: string; port: number; protocol: string } }[] }).findings.filter((f) => f.eks);
      assert.ok(findings.length > 0, 'the cluster has EKS hazards');
      for (const f of findings.slice(0, 6)) {
        const e = f.eks!;
        const x = await podwallAsync(['explain', '--from', e.from, '--to', e.to, '--port', String(e.port), '--protocol', e.protocol, '-f', file, '-o', 'json', ...flags]);
        assert.equal(x.code, 0, x.stderr);
        const cs = shown(JSON.parse(x.stdout) as Record<string, unknown>);
        assert.ok(cs.some((c) => states(c, e)), `audit ${f.check} ${key(e)} on ${e.from} -> ${e.to} ${e.port}/${e.protocol}; explain: ${x.stdout.slice(0, 400)}`);
      }
    });
  }
});

