/**
 * `node --expose-gc dist/bench/eks-matrix.js [--size large] [--streamed]`: on one generated cluster, each measured in the
 * same run (ratios): the matrix collected (what diff reads) under the specification and under EKS (exact,
 * with marks); `matrix -o csv` streamed as the command writes it under both, with the largest heap seen
 * while writing; then `eks maps -o json` as the command writes it. The peak RSS (sampled while writing) and the
 * one-minute load are printed too: two cores shared by many jobs make absolute times noisy.
 */
import { loadavg } from 'node:os';
import { EksJoint } from '../src/analysis/eks-joint.js';
import { computeMatrix, groupClasses, queriesFor, type MatrixDataplane } from '../src/analysis/matrix.js';
import { streamEksMatrix } from '../src/analysis/matrix-eks.js';
import { streamMatrix } from '../src/analysis/matrix-stream.js';
import { markedMatrixChunks, matrixChunks } from '../src/report/matrix.js';
import { workloadId } from '../src/model/cluster.js';
import { ClassIndex } from '../src/engine/classes.js';
import { OutsideWorld } from '../src/engine/outside.js';
import { EksDataplane } from '../src/eks/decide.js';
import { NEWEST_KNOWN } from '../src/eks/versions.js';
import { Engine } from '../src/engine/engine.js';
import { parseDocuments } from '../src/k8s/yaml.js';
import { buildCluster, expandLists } from '../src/model/build.js';
import { writeEksMapsJson } from '../src/report/eks-maps.js';
import { generateYaml, SHAPES, type Shape } from './generate.js';

const args = process.argv.slice(2);
const i = args.indexOf('--size');
const shape = SHAPES[(i >= 0 ? args[i + 1] : 'large') as Shape['workload']];
const cluster = buildCluster(expandLists(parseDocuments(generateYaml(shape), 'bench.yaml')));
const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1048576);
};
// the collected matrix: its time, edges and marks, and the heap while it is held
const collected = (dataplane?: MatrixDataplane): { ms: number; edges: number; marked: number; heap: number } => {
  const start = performance.now();
  const m = computeMatrix(new Engine(cluster), dataplane ? { dataplane } : {});
  const ms = performance.now() - start;
  return { ms, edges: m.edges.length, marked: m.edges.filter((e) => e.disagreement).length, heap: heap() };
};
// --streamed: the streamed outputs only (a large cluster's matrix collected whole is millions of edge objects)
const none = { ms: NaN, edges: NaN, marked: NaN, heap: NaN };
const spec = args.includes('--streamed') ? none : collected();
const eks = args.includes('--streamed') ? none : collected({ name: 'eks', version: NEWEST_KNOWN, compute: 'ec2' });
const specMs = spec.ms;
const eksMs = eks.ms;
// matrix -o csv as the command writes it: the time, the text, and the largest heap seen (garbage included: a
// forced collection per sample would cost more than the work on a large heap)
let rssPeak = 0;
const streamed = (chunks: Iterable<string>): { ms: number; mb: number; heap: number } => {
  const start = performance.now();
  let bytes = 0;
  let n = 0;
  let peak = heap();
  for (const c of chunks) {
    bytes += c.length;
    if (++n % 16 === 0) {
      const m = process.memoryUsage();
      peak = Math.max(peak, Math.round(m.heapUsed / 1048576));
      rssPeak = Math.max(rssPeak, Math.round(m.rss / 1048576));
    }
  }
  return { ms: Math.round(performance.now() - start), mb: Math.round(bytes / 1048576), heap: peak };
};
const csvSpec = streamed(matrixChunks(streamMatrix(new Engine(cluster), {}), 'csv'));
const csvEks = streamed(markedMatrixChunks(streamEksMatrix(new Engine(cluster), {}, { name: 'eks', version: NEWEST_KNOWN, compute: 'ec2' }), 'csv'));
// how many classes the EKS maps tell apart, against the specification's (the matrix's cost grows with their square);
// only the counts are kept: the joint over the whole cluster, and its data plane, go before the maps are written
const { specClasses, eksClasses, subjects, signatures } = (() => {
  const engine = new Engine(cluster);
  const classes = new ClassIndex(cluster, engine.ctx, new OutsideWorld([cluster]));
  const { groups, members, index } = groupClasses(engine, classes, 'summary');
  const joint = new EksJoint(new EksDataplane(cluster, { version: NEWEST_KNOWN, compute: 'ec2' }), classes, queriesFor(engine, {}), {
    G: groups.length,
    groupOfPod: (p) => index.get(workloadId(p)),
    outsideMembers: (c) => members[c.index]!,
    wanted: () => true,
  });
  return { specClasses: classes.classes.length, eksClasses: joint.joint.length, subjects: joint.subjects, signatures: joint.signatures };
})();
const heapAfterJoint = heap();
// eks maps -o json as the command writes it (each identifier's maps made as it is written, then let go)
let t = performance.now();
let bytes = 0;
let chunks = 0;
let mapsHeapPeak = heapAfterJoint;
writeEksMapsJson(new EksDataplane(cluster, { version: NEWEST_KNOWN, compute: 'ec2' }), cluster.settings.enforcingMode, (c) => {
  bytes += c.length;
  if (++chunks % 64 === 0) {
    const m = process.memoryUsage();
    mapsHeapPeak = Math.max(mapsHeapPeak, Math.round(m.heapUsed / 1048576));
    rssPeak = Math.max(rssPeak, Math.round(m.rss / 1048576));
  }
});
const mapsMs = performance.now() - t;
console.log(
  JSON.stringify({
    workload: shape.workload,
    pods: cluster.pods.length,
    matrix_spec_ms: Math.round(specMs),
    matrix_eks_ms: Math.round(eksMs),
    matrix_eks_vs_spec: Math.round((eksMs / specMs) * 10) / 10,
    matrix_edges: spec.edges,
    matrix_eks_edges: eks.edges,
    matrix_eks_marked: eks.marked,
    csv_spec_ms: csvSpec.ms,
    csv_eks_ms: csvEks.ms,
    csv_eks_vs_spec: Math.round((csvEks.ms / csvSpec.ms) * 10) / 10,
    csv_spec_mb: csvSpec.mb,
    csv_eks_mb: csvEks.mb,
    csv_heap_mb_peak_spec: csvSpec.heap,
    csv_heap_mb_peak_eks: csvEks.heap,
    spec_classes: specClasses,
    eks_classes: eksClasses,
    eks_subject_contents: subjects,
    eks_peer_signatures: signatures,
    heap_mb_after_joint: heapAfterJoint,
    eks_maps_heap_mb_peak: mapsHeapPeak,
    eks_maps_stream_ms: Math.round(mapsMs),
    eks_maps_mb: Math.round(bytes / 1048576),
    eks_maps_vs_spec_matrix: Math.round((mapsMs / specMs) * 10) / 10,
    eks_maps_vs_eks_matrix: Math.round((mapsMs / eksMs) * 10) / 10,
    eks_maps_vs_eks_csv: Math.round((mapsMs / csvEks.ms) * 10) / 10,
    heap_mb_holding_spec: spec.heap,
    heap_mb_holding_eks: eks.heap,
    rss_mb_peak_while_writing: rssPeak,
    load: Math.round(loadavg()[0]! * 10) / 10,
  }),
);
