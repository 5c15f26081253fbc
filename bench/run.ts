/**
 * `npm run bench [-- --size typical|large|extreme]`: one JSON line per size.
 * parse_ms: YAML text to objects; compile_ms: objects to the cluster model, rules and classes;
 * matrix_ms: the complete class-by-class reachability for every exposed port (not printed);
 * matrix_ranges_ms: the same for every class of ports (the whole port space of every protocol, as
 * `podwall matrix` computes it), peers outside the pod network included;
 * explain_us: the mean of single decisions between random pods on the loaded cluster.
 * Under the EKS data plane (the default for explain and test): eks_setup_ms = building the pipeline
 * (controller, agent) before the first verdict; explain_eks_us = the mean of the same decisions through the
 * EKS Decider after setup (both data planes compared, as explain does; an identifier's maps are made when a
 * question first involves it), explain_eks_warm_us = the same pairs asked again, explain_eks_vs_explain = explain_eks_us /
 * explain_us (on the typical cluster these pairs all agree, so no comparison variant is built: it is the pipeline's cost); eks_maps_ms = `podwall eks maps -o json`
 * for the whole cluster from the cluster model (a fresh pipeline, every identifier and direction);
 * eks_maps_stream_ms = what `eks maps -o json` does now (indented text, streamed, each distinct direction
 * serialised once), with its ratio to matrix_ranges_ms. The matrix under EKS is measured apart
 * (bench/eks-matrix.ts: both matrices end to end and eks maps, in one run).
 * For typical and large, a second line measures parsing the same cluster as a real `kubectl get -A`
 * dump (parse.ts); `--size startup` (also in the default run) times start-up (startup.ts); `--size flows
 * [--lines N]` times `flows summary` on an N-line agent log (default 2,000,000) against a read-and-split (flows.ts);
 * `--size replay [--lines N]` times `replay` and `advise` on such a log over the typical cluster (flows-replay.ts).
 * The dump line also runs the real CLI end to end on that dump (e2e.ts): `audit -o json` and `matrix -o csv`,
 * wall time and peak RSS, beside the parse phase and its ratios to js-yaml and JSON.parse from the same run.
 * The extreme size has that line only with `--extreme-dump`: its dump written as a directory of per-namespace
 * files (dump-files.ts), `audit` and the matrix of one namespace (`-n ns0`, matrix_scope) on it.
 * `--size matrix` (also in the default run) times `podwall matrix` on ~2,000 workloads in each format against
 * its target (<= 10 s, <= 500 MB), with a bare write of the same bytes as the same-run reference; `--size
 * diff` (also in the default run) times `podwall diff` there with a change of many policies (diff.ts).
 * `--size one-namespace` (also in the default run) times `audit` on 3,000 and 6,000 pods in one namespace
 * and prints the ratio: about 2 while the audit stays linear in a namespace's pods (e2e.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { eksDecider } from '../src/analysis/deciders.js';
import { Dataplanes } from '../src/eks/compare.js';
import { EksDataplane } from '../src/eks/decide.js';
import { NEWEST_KNOWN } from '../src/eks/versions.js';
import { count } from '../src/engine/bitset.js';
import { eksMapsJson, writeEksMapsJson } from '../src/report/eks-maps.js';
import { ClassIndex } from '../src/engine/classes.js';
import { Engine } from '../src/engine/engine.js';
import { portClasses, type PortQuery } from '../src/engine/ports.js';
import { Reachability } from '../src/engine/reachability.js';
import { parseDocuments } from '../src/k8s/yaml.js';
import { buildCluster, expandLists } from '../src/model/build.js';
import { generateYaml, SHAPES, type Shape } from './generate.js';
import { generateDump } from './dump.js';
import { measureDiffCli } from './diff.js';
import { writeDumpFiles } from './dump-files.js';
import { measureEndToEnd, measureEndToEndDir, measureMatrixCli, measureOneNamespace } from './e2e.js';
import { measureFlows } from './flows.js';
import { measureReplayAdvise } from './flows-replay.js';
import { measureParse } from './parse.js';
import { measureStartup } from './startup.js';

function run(shape: Shape): Record<string, unknown> {
  const yaml = generateYaml(shape);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();

  let t = performance.now();
  const docs = parseDocuments(yaml, `${shape.workload}.yaml`);
  const parseMs = performance.now() - t;

  t = performance.now();
  const cluster = buildCluster(expandLists(docs));
  docs.length = 0;
  const engine = new Engine(cluster);
  const classes = new ClassIndex(cluster, engine.ctx);
  const compileMs = performance.now() - t;

  t = performance.now();
  const ports = new Map<string, PortQuery>();
  for (const c of classes.classes) for (const p of c.pod?.ports ?? []) ports.set(`${p.port}/${p.protocol}`, { port: p.port, protocol: p.protocol });
  let allowedPairs = 0;
  const distinctRows = new Set<string>();
  for (const q of ports.values()) {
    const reach = new Reachability(engine, classes); // a fresh cache per port keeps memory flat
    for (const row of reach.rows(q)) {
      allowedPairs += count(row.allowed);
      if (distinctRows.size < 100000) distinctRows.add(`${q.port}:${hashRow(row.allowed)}`);
    }
  }
  const matrixMs = performance.now() - t;

  t = performance.now();
  const queries = portClasses([cluster]);
  let allowedRangePairs = 0;
  const reach = new Reachability(engine, classes); // one for every class of ports, as matrix does: sides are shared
  for (const q of queries) {
    for (const row of reach.rows(q.rep)) allowedRangePairs += count(row.allowed);
  }
  const rangesMs = performance.now() - t;

  const pods = cluster.pods;
  let s = 7;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const n = 2000;
  t = performance.now();
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    const a = pods[rnd(pods.length)]!;
    const b = pods[rnd(pods.length)]!;
    if (engine.decide({ from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: b }, port: 8080, protocol: 'TCP' }).allowed) allowed++;
  }
  const explainUs = ((performance.now() - t) * 1000) / n;

  t = performance.now();
  const eks = eksDecider(new Dataplanes(cluster, { version: NEWEST_KNOWN, compute: 'ec2' }));
  const eksSetupMs = performance.now() - t;
  s = 7; // the same pairs as explain_us
  t = performance.now();
  let eksAllowed = 0;
  for (let i = 0; i < n; i++) {
    const a = pods[rnd(pods.length)]!;
    const b = pods[rnd(pods.length)]!;
    if (eks.decide({ from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: b }, port: 8080, protocol: 'TCP' }).allowed) eksAllowed++;
  }
  const explainEksUs = ((performance.now() - t) * 1000) / n;
  s = 7; // the same pairs again: every identifier's maps are made by now
  t = performance.now();
  for (let i = 0; i < n; i++) {
    const a = pods[rnd(pods.length)]!;
    const b = pods[rnd(pods.length)]!;
    eks.decide({ from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: b }, port: 8080, protocol: 'TCP' });
  }
  const explainEksWarmUs = ((performance.now() - t) * 1000) / n;

  t = performance.now();
  const mapsJson = JSON.stringify(eksMapsJson(new EksDataplane(cluster, { version: NEWEST_KNOWN, compute: 'ec2' }), cluster.settings.enforcingMode));
  const eksMapsMs = performance.now() - t;
  // what `podwall eks maps -o json` does: indented, streamed, each distinct direction serialised once
  t = performance.now();
  let streamedBytes = 0;
  writeEksMapsJson(new EksDataplane(cluster, { version: NEWEST_KNOWN, compute: 'ec2' }), cluster.settings.enforcingMode, (c) => {
    streamedBytes += c.length;
  });
  const eksMapsStreamMs = performance.now() - t;

  return {
    workload: shape.workload,
    namespaces: cluster.namespaces.size,
    pods: pods.length,
    pods_from_workloads: pods.filter((p) => p.synthesized).length,
    policies: cluster.policies.length,
    classes: classes.size,
    outside_classes: classes.size - classes.podClasses,
    ports: ports.size,
    port_classes: queries.length,
    parse_ms: Math.round(parseMs),
    compile_ms: Math.round(compileMs),
    matrix_ms: Math.round(matrixMs),
    matrix_ranges_ms: Math.round(rangesMs),
    explain_us: Math.round(explainUs * 10) / 10,
    eks_setup_ms: Math.round(eksSetupMs),
    explain_eks_us: Math.round(explainEksUs * 10) / 10,
    explain_eks_warm_us: Math.round(explainEksWarmUs * 10) / 10,
    // the same-run ratio to the specification's decisions: absolute times move with the load
    explain_eks_vs_explain: Math.round((explainEksUs / explainUs) * 10) / 10,
    eks_maps_ms: Math.round(eksMapsMs),
    eks_maps_stream_ms: Math.round(eksMapsStreamMs),
    eks_maps_stream_kb: Math.round(streamedBytes / 1024),
    eks_maps_stream_vs_matrix_ranges: Math.round((eksMapsStreamMs / rangesMs) * 10) / 10,
    eks_maps_kb: Math.round(mapsJson.length / 1024),
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
    allowed_class_pairs: allowedPairs,
    allowed_class_pairs_all_ports: allowedRangePairs,
    sampled_allowed: allowed,
    sampled_allowed_eks: eksAllowed,
  };
}

/** The one-minute load average when measured: eight helpers share two cores, so absolute times vary. */
function loadAverage(): number {
  return Math.round(loadavg()[0]! * 10) / 10;
}

function hashRow(b: Uint32Array): number {
  let h = 2166136261;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 16777619);
  return h >>> 0;
}

const args = process.argv.slice(2);
const i = args.indexOf('--size');
const sizes = i >= 0 ? [args[i + 1]!] : ['startup', 'typical', 'large', 'extreme', 'matrix', 'diff', 'flows', 'replay', 'one-namespace'];
const linesArg = args.indexOf('--lines');
for (const size of sizes) {
  if (size === 'startup') {
    console.log(JSON.stringify(measureStartup()));
    continue;
  }
  if (size === 'matrix') {
    console.log(JSON.stringify(measureMatrixCli()));
    continue;
  }
  if (size === 'one-namespace') {
    console.log(JSON.stringify({ ...measureOneNamespace(), load: loadAverage() }));
    continue;
  }
  if (size === 'diff') {
    console.log(JSON.stringify({ ...measureDiffCli(), load: loadAverage() }));
    continue;
  }
  if (size === 'flows') {
    console.log(JSON.stringify(await measureFlows(linesArg >= 0 ? Number(args[linesArg + 1]) : 2_000_000)));
    continue;
  }
  if (size === 'replay') {
    console.log(JSON.stringify({ ...(await measureReplayAdvise(linesArg >= 0 ? Number(args[linesArg + 1]) : 2_000_000)), load: loadAverage() }));
    continue;
  }
  const shape = SHAPES[size as Shape['workload']];
  if (!shape) {
    console.error(`unknown size ${size}: startup, typical, large, extreme, matrix, diff, flows, replay or one-namespace`);
    process.exit(2);
  }
  console.log(JSON.stringify(run(shape)));
  if (size !== 'extreme') {
    const dump = generateDump(shape);
    console.log(JSON.stringify({ workload: `${size}-dump`, ...measureParse(shape, dump), ...measureEndToEnd(dump.yaml), load: loadAverage() }));
  } else if (args.includes('--extreme-dump')) {
    // the extreme dump (about 700 MB of YAML) exceeds the 256 MiB a manifest file may have: it is written as users
    // dump it, a file per namespace (dump-files.ts), and its matrix is one namespace's (-n ns0: matrix_scope), as
    // the whole one (150,000 pods squared) finishes in no run; only with --extreme-dump (minutes, ~2.5 GB of disk)
    const dir = mkdtempSync(join(tmpdir(), 'podwall-extreme-'));
    try {
      const d = writeDumpFiles(shape, dir);
      console.log(JSON.stringify({ workload: `${size}-dump-files`, generate_s: d.generateS, dump_files: d.files, ...measureEndToEndDir(d.yaml, 'ns0'), load: loadAverage() }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
