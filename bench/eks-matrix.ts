/**
 * `node --expose-gc dist/bench/eks-matrix.js [--size large]`: `podwall matrix` from the cluster model under
 * the specification and under EKS (exact, with marks), then `eks maps -o json` as the command writes it, on
 * one generated cluster, each measured in the same run (ratios), with the heap after each.
 */
import { EksJoint } from '../src/analysis/eks-joint.js';
import { computeMatrix, groupClasses, queriesFor } from '../src/analysis/matrix.js';
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
let t = performance.now();
const spec = computeMatrix(new Engine(cluster), {});
const specMs = performance.now() - t;
const specEdges = spec.edges.length;
const heapSpec = heap();
t = performance.now();
const eks = computeMatrix(new Engine(cluster), { dataplane: { name: 'eks', version: NEWEST_KNOWN, compute: 'ec2' } });
const eksMs = performance.now() - t;
const eksEdges = eks.edges.length;
const marked = eks.edges.filter((e) => e.disagreement).length;
const heapEks = heap();
// how many classes the EKS maps tell apart, against the specification's (the matrix's cost grows with their square)
const engine = new Engine(cluster);
const classes = new ClassIndex(cluster, engine.ctx, new OutsideWorld([cluster]));
const { groups, members, index } = groupClasses(engine, classes, 'summary');
const joint = new EksJoint(new EksDataplane(cluster, { version: NEWEST_KNOWN, compute: 'ec2' }), classes, queriesFor(engine, {}), {
  G: groups.length,
  groupOfPod: (p) => index.get(workloadId(p)),
  outsideMembers: (c) => members[c.index]!,
  wanted: () => true,
});
t = performance.now();
let bytes = 0;
writeEksMapsJson(new EksDataplane(cluster, { version: NEWEST_KNOWN, compute: 'ec2' }), cluster.settings.enforcingMode, (c) => {
  bytes += c.length;
});
const mapsMs = performance.now() - t;
console.log(
  JSON.stringify({
    workload: shape.workload,
    pods: cluster.pods.length,
    matrix_spec_ms: Math.round(specMs),
    matrix_eks_ms: Math.round(eksMs),
    matrix_eks_vs_spec: Math.round((eksMs / specMs) * 10) / 10,
    matrix_edges: specEdges,
    matrix_eks_edges: eksEdges,
    matrix_eks_marked: marked,
    spec_classes: classes.classes.length,
    eks_classes: joint.joint.length,
    eks_subject_contents: joint.subjects,
    eks_peer_signatures: joint.signatures,
    eks_maps_stream_ms: Math.round(mapsMs),
    eks_maps_mb: Math.round(bytes / 1048576),
    eks_maps_vs_spec_matrix: Math.round((mapsMs / specMs) * 10) / 10,
    eks_maps_vs_eks_matrix: Math.round((mapsMs / eksMs) * 10) / 10,
    heap_mb_after_spec: heapSpec,
    heap_mb_after_eks: heapEks,
  }),
);
