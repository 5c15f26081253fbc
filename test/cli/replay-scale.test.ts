// replay on a cluster whose allowed-but-unused pairs outgrow a small heap, through the real command
// line: a log of three lines must not need memory in proportion to the cluster's square.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-replay-scale-'));
const bin = join(ROOT, 'bin', 'podwall.js');
const PODS = 400;

/** `n` pods in one namespace and no policy (every pair allowed); p0 alone is the database. */
function cluster(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\n  namespace: big\n  labels:\n    app: ${i === 0 ? 'db' : 'web'}\nspec:\n  containers:\n    - name: c\n      image: x\nstatus:\n  podIP: 10.1.${i >> 8}.${i & 255}\n`);
  return docs.join('---\n');
}

const PROPOSED = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-closed, namespace: big}
spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress]}
`;

const line = (src: number, dst: number, port: number): string => JSON.stringify({ time: '2026-11-01T00:00:00Z', src: `10.1.0.${src}`, dst: `10.1.0.${dst}`, dst_port: port, protocol: 'TCP', verdict: 'allow' });

/** The CLI through a shell pipeline (its exit code kept); NODE_OPTIONS bounds its heap. */
function pipeline(command: string, heapMb: number): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--max-old-space-size=${heapMb}` } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('replay at scale', () => {
  const files = { cluster: join(dir, 'cluster.yaml'), proposed: join(dir, 'proposed.yaml'), log: join(dir, 'flows.jsonl') };
  writeFileSync(files.cluster, cluster(PODS));
  writeFileSync(files.proposed, PROPOSED);
  // web -> db is what the proposal breaks (twice); web -> web it keeps
  writeFileSync(files.log, [line(1, 0, 5432), line(2, 0, 5432), line(1, 2, 8080)].join('\n') + '\n');
  const args = `${bin} replay ${files.log} -f ${files.cluster} --proposed ${files.proposed}`;
  // ~160,000 unused pairs: their JSON (~50 MB) alone, or the array of them, exceeds this heap
  const HEAP_MB = 40;

  it('writes every allowed-but-unused pair as JSON in a heap smaller than that JSON', () => {
    const r = pipeline(`node ${args} -o json | grep -c '^      "ports": \\[$'`, HEAP_MB);
    assert.equal(r.code, 1, r.stderr); // exit 1: the proposal blocks an observed flow
    assert.equal(r.stderr, '');
    // every ordered pair of pods (web -> db closed, so not p0 as destination), and peers outside more
    const entries = Number(r.stdout.trim());
    assert.ok(entries >= (PODS - 1) * (PODS - 1), `${entries} unused pairs`);
  });

  it('the JSON is whole and keeps the blocked flows counted, with their example line', () => {
    const r = pipeline(`node ${args} -o json | node -e 'let t="";process.stdin.on("data",(d)=>t+=d).on("end",()=>{const j=JSON.parse(t);console.log(JSON.stringify({o:j.observedAllowed,b:j.wouldBlock.map((b)=>[b.from,b.to,b.port,b.count,b.example.split(": ")[0]]),u:j.unusedAllowed.length,k:Object.keys(j)}))})'`, 4096);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as { o: number; b: unknown[]; u: number; k: string[] };
    assert.equal(j.o, 3);
    assert.deepEqual(j.b, [['big/p1', 'big/p0', 5432, 1, `${files.log}:1`], ['big/p2', 'big/p0', 5432, 1, `${files.log}:2`]]);
    assert.ok(j.u >= (PODS - 1) * (PODS - 1));
    assert.deepEqual(j.k, ['observedAllowed', 'wouldBlock', 'alreadyDenied', 'observedDenied', 'wouldAllow', 'alreadyAllowed', 'unusedAllowed', 'input', 'proposal']);
  });

  it('text counts them all in the same heap and lists the first 50', () => {
    const r = pipeline(`node ${args}`, HEAP_MB);
    assert.equal(r.code, 1, r.stderr);
    const count = /allowed by the proposal but never observed: (\d+)\n/.exec(r.stdout);
    assert.ok(count && Number(count[1]) >= (PODS - 1) * (PODS - 1), r.stdout.slice(0, 2000));
    assert.match(r.stdout, /the proposal would block 2 observed connections:/);
    assert.equal(r.stdout.split('\n').filter((l) => /^ {2}\S+ -> \S+ TCP /.test(l)).length, 50);
    assert.match(r.stdout, new RegExp(`\\.\\.\\. and ${Number(count![1]) - 50} more \\(-o json lists all\\)`));
  });
});
