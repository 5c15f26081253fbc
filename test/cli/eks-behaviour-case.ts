// One EKS behaviour as a `podwall test` file: the same assertion pinned to each data plane, EKS
// expecting one verdict and the specification the other, and the mechanism explain names for it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { podwallAsync } from '../helpers.js';

export interface BehaviourCase {
  name: string;
  yaml: string;
  from: string;
  to: string;
  port: number;
  protocol?: string;
  eks: 'allow' | 'deny';
  /** The mechanism explain names (several when each alone gives the specification's verdict back). */
  mechanism: string | string[];
  flags?: string[];
}

export const opposite = (v: 'allow' | 'deny'): 'allow' | 'deny' => (v === 'allow' ? 'deny' : 'allow');

/** Runs the case's test file in `dir` through the CLI and checks both planes' results. */
export async function checkBehaviour(c: BehaviourCase, dir: string): Promise<void> {
  const cluster = join(dir, `${c.name}.yaml`);
  const tests = join(dir, `${c.name}.test.yaml`);
  writeFileSync(cluster, c.yaml);
  const a = `{from: "${c.from}", to: "${c.to}", port: ${c.port}${c.protocol ? `, protocol: ${c.protocol}` : ''}`;
  writeFileSync(tests, `assertions:\n  - ${a}, dataplane: eks, expect: ${c.eks}}\n  - ${a}, dataplane: kubernetes, expect: ${opposite(c.eks)}}\n`);
  const r = await podwallAsync(['test', tests, '-f', cluster, '-o', 'json', ...(c.flags ?? [])]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const j = JSON.parse(r.stdout) as { results: { dataplane: string; pass: boolean; mechanisms?: string[]; kubernetes?: { allowed: boolean } }[] };
  assert.deepEqual(j.results.map((x) => [x.dataplane, x.pass]), [['eks', true], ['kubernetes', true]]);
  assert.deepEqual(j.results[0]!.mechanisms, typeof c.mechanism === 'string' ? [c.mechanism] : c.mechanism);
  assert.equal(j.results[0]!.kubernetes!.allowed, c.eks === 'deny', "the EKS result carries the specification's verdict");
}
