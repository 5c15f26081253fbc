// The clusters and options the EKS matrix's outputs are pinned on (test/fixtures/eks-matrix/golden.json, made by
// the collected EKS matrix before it streamed): random clusters with and without nodes, every outside mode,
// a namespace, a port, a protocol, exposure, and the allowed-only matrix diff reads.
import type { MatrixOptions } from '../../src/analysis/matrix.js';
import { OutsideWorld } from '../../src/engine/outside.js';
import { NEWEST_KNOWN } from '../../src/eks/versions.js';
import { buildCluster, type SourceObject } from '../../src/model/build.js';
import type { Cluster } from '../../src/model/cluster.js';
import type { MatrixFormat } from '../../src/report/matrix.js';
import { randomEksCluster } from './random.js';

export interface MatrixCase {
  name: string;
  cluster: Cluster;
  options: MatrixOptions;
  /** The formats pinned; `edges` is the collected result's JSON (what diff reads). */
  formats: (MatrixFormat | 'edges')[];
}

/** The same objects without Node objects and without nodeName: every pod's node address is a placeholder of its own. */
export function withoutNodes(objs: SourceObject[]): SourceObject[] {
  return objs.flatMap((o) => {
    const v = o.value as { kind?: string; spec?: { nodeName?: string } };
    if (v.kind === 'Node') return [];
    if (v.kind === 'Pod' && v.spec) {
      const { nodeName: _node, ...spec } = v.spec;
      return [{ ...o, value: { ...v, spec } }];
    }
    return [o];
  });
}

export function matrixCases(): MatrixCase[] {
  const out: MatrixCase[] = [];
  for (let seed = 1; seed <= 10; seed++) {
    const objs = randomEksCluster(seed, { upstream: seed % 3 === 0, templates: seed % 4 === 0 });
    const cluster = buildCluster(seed > 7 ? withoutNodes(objs) : objs);
    const compute = seed % 2 ? 'auto' : 'ec2';
    const dataplane = { name: 'eks' as const, version: seed % 5 === 0 ? 'v1.4.0' : NEWEST_KNOWN, compute: compute as 'auto' | 'ec2' };
    const world = new OutsideWorld([cluster]);
    const add = (what: string, options: Omit<MatrixOptions, 'world' | 'dataplane'>, formats: MatrixCase['formats']): void => {
      out.push({ name: `seed ${seed} ${what}`, cluster, options: { ...options, world, dataplane }, formats });
    };
    add('summary', { outside: 'summary' }, ['table', 'json', 'csv', 'md', 'dot']);
    add('each', { outside: 'each' }, ['csv', 'json']);
    add('none', { outside: 'none' }, ['table']);
    add('exposure', { outside: 'each', exposure: true }, ['csv']);
    add('namespace a', { outside: 'summary', namespaces: ['a'] }, ['md', 'csv']);
    add('port 80', { outside: 'summary', port: 80, protocol: 'TCP' }, ['table', 'csv']);
    add('UDP', { outside: 'summary', protocol: 'UDP' }, ['csv']);
    add('allowed only', { outside: 'each', allowedOnly: true }, ['edges']);
  }
  return out;
}
