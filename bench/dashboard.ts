/**
 * The dashboard at size: a generated cluster of about 5,000 workloads served by `podwall serve`, and the
 * time of its heaviest answers (the folded graph, a namespace's graph, a workload's denials), each first
 * (computed) and again (from the answer cache), and whether /api/summary stays quick while the graph is
 * computed. Figures are also given as ratios to the server's start-up (load, parse, build, audit), measured
 * in the same run, since the machine may be busy.
 *   node dist/bench/dashboard.js [workloads]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateYaml } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workloads = Number(process.argv[2] ?? 5000);
// the generator's apps run 6 pods each, half as one Deployment and half as 6 bare Pods (6 workloads): 3.5 workloads an app
const apps = Math.max(1, Math.round(workloads / 3.5));
const namespaces = Math.max(1, Math.round(apps / 10));
const file = join(mkdtempSync(join(tmpdir(), 'podwall-dash-bench-')), 'cluster.yaml');
writeFileSync(file, generateYaml({ workload: 'large', namespaces, pods: apps * 6, policies: Math.round(apps * 0.6), clusterPolicies: 100 }));

const started = Date.now();
const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'serve', '-f', file, '--port', '0', '--dataplane', 'kubernetes'], { cwd: ROOT });
let err = '';
const origin = await new Promise<string>((ok, fail) => {
  child.stderr.on('data', (d) => {
    err += d;
    const m = /serving on (http:\/\/127\.0\.0\.1:\d+)\//.exec(err);
    if (m) ok(m[1]!);
  });
  child.on('exit', (c) => fail(new Error(`serve exited ${c}: ${err}`)));
});
const startup = Date.now() - started;

async function time(path: string): Promise<{ ms: number; bytes: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const t = performance.now();
  const r = await fetch(origin + path);
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${text.slice(0, 200)}`);
  return { ms: performance.now() - t, bytes: text.length, body: JSON.parse(text) };
}

const rows: string[][] = [];
const row = (what: string, ms: number, extra = ''): void => void rows.push([what, `${ms.toFixed(0)} ms`, `${((ms / startup) * 100).toFixed(1)}% of start-up`, extra]);
try {
  const summary = await time('/api/summary');
  row('summary', summary.ms, `${summary.body.workloads} workloads, ${summary.body.pods} pods, ${summary.body.policies} policies`);
  // the summary while the folded graph is being computed (in a worker thread: the summary does not wait for it)
  const graphPromise = time('/api/graph');
  const during = await time('/api/summary');
  const graph = await graphPromise;
  row('graph (folded, first)', graph.ms, `${graph.body.nodes.length} nodes, ${graph.body.edges.length} edges, ${graph.body.hiddenEdges} hidden, ${(graph.bytes / 1024).toFixed(0)} KiB`);
  row('summary during the graph (cached)', during.ms);
  row('graph (folded, cached)', (await time('/api/graph')).ms);
  const ns = (await time('/api/graph?namespace=ns1'));
  row('graph of one namespace (first)', ns.ms, `${ns.body.nodes.length} nodes, ${ns.body.edges.length} edges`);
  const w = ns.body.nodes.find((n: { namespace: string }) => n.namespace === 'ns1').id as string;
  const denied = await time(`/api/denied?workload=${encodeURIComponent(w)}`);
  row(`denied of ${w} (first)`, denied.ms, `${denied.body.edges.length} edges, ${denied.body.truncated} more`);
  row(`denied of ${w} (cached)`, (await time(`/api/denied?workload=${encodeURIComponent(w)}`)).ms);
  const explain = await time(`/api/explain?from=${encodeURIComponent(w)}&to=${encodeURIComponent(ns.body.nodes.filter((n: { namespace: string }) => n.namespace === "ns1").slice(-1)[0].id)}&port=8080`);
  row('explain one pair', explain.ms);
} finally {
  child.kill('SIGTERM');
}
console.log(`start-up (read, build, audit, listen): ${startup} ms; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(40) : c.padEnd(16))).join(' '));
