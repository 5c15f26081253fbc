// The streamed diff (two matrices walked side by side, changes written as found) against the whole-matrix
// diff it replaced (diff-reference.ts), on random clusters and policy changes: the same changes and the same
// bytes in every format, under both data planes; and `diff -o csv` through the command line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffClusters, streamDiff, type DiffStream } from '../../src/analysis/diff.js';
import type { MatrixDataplane } from '../../src/analysis/matrix.js';
import { isPolicyObject, overlay, withPolicies } from '../../src/analysis/overlay.js';
import { NEWEST_KNOWN } from '../../src/eks/versions.js';
import { buildCluster, expandLists, type SourceObject } from '../../src/model/build.js';
import { diffChunks, type DiffFormat } from '../../src/report/diff.js';
import { csvCell } from '../../src/report/matrix.js';
import { generateYaml } from '../../bench/generate.js';
import { parseDocuments } from '../../src/k8s/yaml.js';
import { randomEksCluster } from '../eks/random.js';
import { podwall } from '../helpers.js';
import { diffClustersReference, jsonReference, markdownReference, textReference } from './diff-reference.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KUBERNETES: MatrixDataplane = { name: 'kubernetes' };
const EKS: MatrixDataplane = { name: 'eks', version: NEWEST_KNOWN, compute: 'ec2' };
const paint = (color: string, text: string): string => `<${color}>${text}</${color}>`;

/** Every format of the streamed diff equals the reference's text; returns the reference result. */
function assertSame(before: SourceObject[], after: SourceObject[], label: string, namespaces?: string[], dataplane?: MatrixDataplane): ReturnType<typeof diffClustersReference> {
  const oldCluster = buildCluster(before);
  const newCluster = buildCluster(after);
  const want = diffClustersReference(oldCluster, newCluster, namespaces, dataplane);
  assert.deepEqual(diffClusters(oldCluster, newCluster, namespaces, dataplane), want, label);
  // the count keeps the changes for the walks per kind; with nothing kept, both matrices are walked again
  for (const kept of [undefined, 0]) assertFormats(streamDiff(oldCluster, newCluster, namespaces, dataplane, undefined, kept), want, `${label}${kept === 0 ? ' (walked again)' : ''}`, dataplane);
  return want;
}

function assertFormats(d: DiffStream, want: ReturnType<typeof diffClustersReference>, label: string, dataplane?: MatrixDataplane): void {
  const context = { proposalLine: 'proposal: test', proposal: { mode: 'replace-all' }, dataplane: dataplane ?? KUBERNETES, paint };
  const out = (format: DiffFormat): string => [...diffChunks(d, format, context)].join('');
  assert.equal(out('text'), textReference(want, context.proposalLine, paint), `${label} text`);
  assert.equal(out('md'), markdownReference(want, context.proposalLine), `${label} md`);
  assert.equal(out('json'), jsonReference(want, context.dataplane, context.proposal), `${label} json`);
  // csv: one line per range of each change, in the same order
  const csv = out('csv').trimEnd().split('\n');
  const ranges = want.changes.flatMap((c) => c.ports.map((r) => `${csvCell(c.from)},${csvCell(c.to)},${r.protocol},${r.from},${r.to},${c.change},${c.somePods},`));
  const others = (want.otherPlaneOnly ?? []).flatMap((c) => c.ports.map((r) => `${csvCell(c.from)},${csvCell(c.to)},${r.protocol},${r.from},${r.to},other-plane-${c.change},,`));
  assert.equal(csv.length, 1 + ranges.length + others.length, `${label} csv lines`);
  ranges.forEach((prefix, i) => assert.ok(csv[1 + i]!.startsWith(prefix), `${label} csv line ${i + 1}: ${csv[1 + i]} is not ${prefix}...`));
  assert.deepEqual(csv.slice(1 + ranges.length), others, `${label} csv other plane`);
}

describe('streamed diff', () => {
  it('equals the whole-matrix diff on random clusters and policy sets, under the specification', () => {
    let changed = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const before = randomEksCluster(seed, { upstream: true, templates: seed % 3 === 0 });
      const after = withPolicies(before, randomEksCluster(seed + 1000, { upstream: true }).filter(isPolicyObject));
      const r = assertSame(before, after, `seed ${seed}`, seed % 5 === 0 ? ['a'] : undefined, seed % 2 ? KUBERNETES : undefined);
      if (r.changes.length) changed++;
    }
    assert.ok(changed >= 30, `only ${changed} of 40 random cases had changes`);
  });

  it('equals it under the EKS data plane (both matrices streamed), marks and changes only the other plane shows included', () => {
    let changed = 0;
    let marked = 0;
    let otherOnly = 0;
    const cases = 14;
    for (let seed = 1; seed <= cases; seed++) {
      const before = randomEksCluster(seed, { templates: seed % 2 === 0, upstream: seed % 3 === 0 });
      const after = withPolicies(before, randomEksCluster(seed + 2000, { upstream: seed % 4 === 0 }).filter(isPolicyObject));
      const r = assertSame(before, after, `eks seed ${seed}`, seed % 5 === 0 ? ['a'] : undefined, EKS);
      if (r.changes.length) changed++;
      if (r.changes.some((c) => c.disagreement)) marked++;
      if (r.otherPlaneOnly) otherOnly++;
    }
    assert.ok(changed >= cases - 3 && marked > 1 && otherOnly > 1, `changes in ${changed}, marks in ${marked}, other-plane-only in ${otherOnly} of ${cases} cases`);
  });

  it('equals it under the EKS data plane when one policy is removed (most pairs keep their answer)', () => {
    for (let seed = 21; seed <= 24; seed++) {
      const before = randomEksCluster(seed);
      const policies = before.filter(isPolicyObject);
      // drop one policy and keep the rest: the walk meets many pairs whose two answers are alike
      const after = before.filter((o) => o !== policies[seed % Math.max(1, policies.length)]);
      assertSame(before, after, `eks one-policy seed ${seed}`, undefined, EKS);
    }
  });

  it('equals it on a generated cluster where many policies change (peers outside among the sources)', () => {
    const yaml = generateYaml({ workload: 'typical', namespaces: 8, pods: 160, policies: 60, clusterPolicies: 8 });
    const before = expandLists(parseDocuments(yaml, 'c.yaml'));
    const edited = before.filter(isPolicyObject).filter((_, i) => i % 3 === 0);
    const changes = expandLists(parseDocuments(generateYaml({ workload: 'typical', namespaces: 8, pods: 160, policies: 60, clusterPolicies: 8 }, 5), 'n.yaml')).filter(isPolicyObject).slice(0, edited.length);
    const r = assertSame(before, overlay(before, changes).objects, 'generated', undefined, KUBERNETES);
    assert.ok(r.changes.length > 50);
    // sources outside the pod network (the matrix walks them last) are placed where they sort
    assert.ok(r.changes.some((c) => !c.from.includes('/') || c.from.startsWith('node/')), 'a change from a peer outside');
  });

  it('no change: the same text as before, exit 0', () => {
    const before = randomEksCluster(7);
    const r = assertSame(before, before, 'unchanged', undefined, KUBERNETES);
    assert.equal(r.changes.length, 0);
  });
});

describe('diff -o csv', () => {
  it('one line per range of each change, through the command line, exit 1 when something changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-diff-csv-'));
    const cluster = join(dir, 'c.yaml');
    const change = join(dir, 'p.yaml');
    writeFileSync(
      cluster,
      `apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c}]}\nstatus: {podIP: 10.0.0.1}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: b}}\nspec: {containers: [{name: c}]}\nstatus: {podIP: 10.0.0.2}\n`,
    );
    writeFileSync(change, `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-80, namespace: x}\nspec:\n  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: a}}}]\n      ports: [{port: 80}]\n`);
    const r = podwall(['diff', '--dataplane', 'kubernetes', '-f', cluster, '--to', change, '-o', 'csv']);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'from,to,protocol,from_port,to_port,change,some_pods,eks_spec_differs_on');
    // b now admits only a, on TCP 80: the rest of a's ports and everything from outside close (a single pod is no pair with itself)
    assert.deepEqual(lines.slice(1), [
      'internet,x/b,TCP,1,65535,newly-denied,false,',
      'internet,x/b,UDP,1,65535,newly-denied,false,',
      'internet,x/b,SCTP,1,65535,newly-denied,false,',
      'x/a,x/b,TCP,1,79,newly-denied,false,',
      'x/a,x/b,TCP,81,65535,newly-denied,false,',
      'x/a,x/b,UDP,1,65535,newly-denied,false,',
      'x/a,x/b,SCTP,1,65535,newly-denied,false,',
    ]);
    // the text names the same changes, with explanations
    const text = podwall(['diff', '--dataplane', 'kubernetes', '-f', cluster, '--to', change]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^0 newly allowed, 2 newly denied$/m);
  });
});
