/**
 * One formatter per output format of `podwall matrix`, for both data planes. Each writes its text in chunks
 * as it walks the edges, so that a matrix of millions of pairs is printed without being held (the edges come
 * one source at a time from analysis/matrix-stream.ts or analysis/matrix-eks.ts); formatMatrix joins the
 * chunks of a kept result. A source that names its data plane (the EKS matrix) is written with its marks: an
 * EKS≠SPEC column in table and md, other_verdict and mechanisms in csv, the data plane and the unnamed marks
 * in json; md then walks the edges twice (whether the column is wanted), as table always does.
 */
import type { MatrixDataplane, MatrixEdge, MatrixResult, OutsideNode, WorkloadNode } from '../analysis/matrix.js';
import { describeRanges, intersectRanges, subtractRanges, type PortRange } from '../engine/ports.js';

export type MatrixFormat = 'table' | 'json' | 'csv' | 'md' | 'dot';
export const MATRIX_FORMATS: readonly MatrixFormat[] = ['table', 'json', 'csv', 'md', 'dot'];

/**
 * A matrix as the formatters read it: its edges in computeMatrix's order (pairs adjacent), which may be
 * walked more than once, and the nodes they name (cheap once the edges have been walked).
 */
export interface MatrixSource {
  edges(): Iterable<MatrixEdge>;
  nodes(): { workloads: WorkloadNode[]; outside: OutsideNode[] };
}

/** A matrix with marks: its edges (walked as often as needed), nodes, data plane and unnamed marks (after a walk). */
export interface MarkedMatrixSource extends MatrixSource {
  /** Named: the edges' marks are written (absent: the specification's matrix, without marks). */
  readonly dataplane?: MatrixDataplane;
  readonly unnamedDisagreements?: number;
}

export const mark = (e: MatrixEdge): string => (e.partial ? 'partial' : e.allowed ? 'allow' : 'deny');

/** A kept result's text, without marks (its data plane is not written). */
export function formatMatrix(m: MatrixResult, format: MatrixFormat): string {
  return [...matrixChunks({ edges: () => m.edges, nodes: () => m }, format)].join('');
}

/** A kept result's text, with its marks where it names its data plane. */
export function formatMarkedMatrix(m: MatrixResult, format: MatrixFormat): string {
  return [...matrixChunks({ edges: () => m.edges, nodes: () => m, ...(m.dataplane ? { dataplane: m.dataplane } : {}), ...(m.unnamedDisagreements ? { unnamedDisagreements: m.unnamedDisagreements } : {}) }, format)].join('');
}

/** The text of `format` with the marks of a source that names its data plane (the same as matrixChunks). */
export function markedMatrixChunks(m: MarkedMatrixSource, format: MatrixFormat): Generator<string> {
  return matrixChunks(m, format);
}

/** The text of `format`, in pieces of about CHUNK characters; marked where the source names its data plane. */
export function matrixChunks(m: MarkedMatrixSource, format: MatrixFormat): Generator<string> {
  switch (format) {
    case 'json':
      return json(m);
    case 'csv':
      return csv(m);
    case 'md':
      return markdown(m);
    case 'dot':
      return dot(m);
    case 'table':
      return table(m);
  }
}

const CHUNK = 1 << 16;

/** Lines gathered until they make a chunk (a string grown in place: cheaper than joining parts). */
class Lines {
  private text = '';
  /** Adds a line and its newline. */
  add(line: string): void {
    this.text += line + '\n';
  }
  get full(): boolean {
    return this.text.length >= CHUNK;
  }
  take(): string {
    const chunk = this.text;
    this.text = '';
    return chunk;
  }
}

export function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One line per range: from,to,protocol,from_port,to_port,verdict; with a data plane named (the EKS one),
 * also other_verdict,mechanisms: the other plane's verdict where it differs, and why (empty where they agree),
 * and a pair's ranges in the order of their protocol's name (as the EKS matrix has always printed them).
 */
function* csv(m: MarkedMatrixSource): Generator<string> {
  const marks = m.dataplane !== undefined;
  const lines = new Lines();
  lines.add(`from,to,protocol,from_port,to_port,verdict${marks ? ',other_verdict,mechanisms' : ''}`);
  // the ranges' part of the lines of unmarked edges, per ports list (the stream shares one list between equal answers)
  const tails = new WeakMap<PortRange[], string[]>();
  for (const e of m.edges()) {
    const d = marks ? e.disagreement : undefined;
    const head = `${csvCell(e.from)},${csvCell(e.to)},`;
    if (!d) {
      const v = mark(e);
      let t = tails.get(e.ports);
      if (!t || t[0] !== v) {
        const ranges = marks ? [...e.ports].sort(byProtocolName) : e.ports;
        t = [v, ...ranges.map((r) => `${csvCell(r.protocol)},${r.from},${r.to},${v}${marks ? ',,' : ''}`)];
        tails.set(e.ports, t);
      }
      for (let i = 1; i < t.length; i++) lines.add(head + t[i]!);
    } else {
      const pieces: [PortRange, string[]][] = [...subtractRanges(e.ports, d.ports).map((r): [PortRange, string[]] => [r, ['', '']]), ...intersectRanges(e.ports, d.ports).map((r): [PortRange, string[]] => [r, [otherMark(d.other), d.mechanisms.join(' ')]])];
      pieces.sort((a, b) => byProtocolName(a[0], b[0]));
      for (const [r, other] of pieces) lines.add(head + [r.protocol, r.from, r.to, mark(e), ...other].map(csvCell).join(','));
    }
    if (lines.full) yield lines.take();
  }
  yield lines.take();
}

const byProtocolName = (a: PortRange, b: PortRange): number => a.protocol.localeCompare(b.protocol) || a.from - b.from;

const otherMark = (o: 'allowed' | 'denied' | 'partial'): string => (o === 'allowed' ? 'allow' : o === 'denied' ? 'deny' : 'partial');

/** JSON.stringify(m, null, 2) of the whole result, written as the edges come: nodes, edges, the data plane, unnamed marks. */
function* json(m: MarkedMatrixSource): Generator<string> {
  const item = (v: unknown): string => '    ' + JSON.stringify(v, null, 2).replace(/\n/g, '\n    ');
  // an edge of the five usual fields (no mark) is written by hand around its ports' text, made once per ports list
  const portsText = new WeakMap<PortRange[], string>();
  const edgeItem = (e: MatrixEdge): string => {
    if (Object.keys(e).length !== 5) return item(e);
    let ports = portsText.get(e.ports);
    if (ports === undefined) portsText.set(e.ports, (ports = JSON.stringify(e.ports, null, 2).replace(/\n/g, '\n      ')));
    return `    {\n      "from": ${JSON.stringify(e.from)},\n      "to": ${JSON.stringify(e.to)},\n      "allowed": ${e.allowed},\n      "partial": ${e.partial},\n      "ports": ${ports}\n    }`;
  };
  const array = function* <T>(key: string, items: Iterable<T>, last: boolean, write: (v: T) => string = item): Generator<string> {
    let text = '';
    let first = true;
    for (const v of items) {
      text += first ? `  ${JSON.stringify(key)}: [\n${write(v)}` : `,\n${write(v)}`;
      first = false;
      if (text.length >= CHUNK) {
        yield text;
        text = '';
      }
    }
    yield first ? `  ${JSON.stringify(key)}: []${last ? '' : ','}\n` : `${text}\n  ]${last ? '' : ','}\n`;
  };
  const nodes = m.nodes();
  const dataplane = m.dataplane;
  yield '{\n';
  yield* array('workloads', nodes.workloads, false);
  yield* array('outside', nodes.outside, false);
  yield* array('edges', m.edges(), !dataplane && !m.unnamedDisagreements, edgeItem);
  const tail: string[] = [];
  if (dataplane) tail.push(`  "dataplane": ${JSON.stringify(dataplane, null, 2).replace(/\n/g, '\n  ')}`);
  if (m.unnamedDisagreements) tail.push(`  "unnamedDisagreements": ${m.unnamedDisagreements}`);
  yield tail.length ? `${tail.join(',\n')}\n}\n` : '}\n';
}

interface PairRow {
  from: string;
  to: string;
  allowed: string;
  partial: string;
  /** Where the other data plane answers differently (empty when it agrees or was not named). */
  differs: string;
}

/** Per pair: the ports allowed for every pod pair, those allowed for some only, and the marks (a pair's edges are adjacent). */
function* pairRows(m: MarkedMatrixSource): Generator<PairRow> {
  const marks = m.dataplane !== undefined;
  const described = new WeakMap<PortRange[], string>();
  const describe = (ports: PortRange[]): string => {
    let d = described.get(ports);
    if (d === undefined) described.set(ports, (d = describeRanges(ports)));
    return d;
  };
  let pair: { from: string; to: string; allowed?: PortRange[]; partial?: PortRange[]; marked: MatrixEdge[] } | undefined;
  const row = (p: NonNullable<typeof pair>): PairRow => ({
    from: p.from,
    to: p.to,
    allowed: p.allowed ? describe(p.allowed) : '',
    partial: p.partial ? describe(p.partial) : '',
    differs: p.marked.length ? disagreementText(m, p.marked) : '',
  });
  for (const e of m.edges()) {
    if (!pair || pair.from !== e.from || pair.to !== e.to) {
      if (pair) yield row(pair);
      pair = { from: e.from, to: e.to, marked: [] };
    }
    // an edge split by two different marks comes twice with one answer: its ranges are joined (describeRanges merges)
    if (e.partial) pair.partial = pair.partial ? [...pair.partial, ...e.ports] : e.ports;
    else if (e.allowed) pair.allowed = pair.allowed ? [...pair.allowed, ...e.ports] : e.ports;
    if (marks && e.disagreement) pair.marked.push(e);
  }
  if (pair) yield row(pair);
}

/** The marks of a pair, as text: `TCP 80 spec: deny (mechanism)`. */
function disagreementText(m: MarkedMatrixSource, edges: MatrixEdge[]): string {
  const other = m.dataplane?.name === 'kubernetes' ? 'eks' : 'spec';
  return edges
    .map((e) => `${describeRanges(e.disagreement!.ports)} ${other}: ${otherMark(e.disagreement!.other)}${e.disagreement!.mechanisms.length ? ` (${e.disagreement!.mechanisms.join(', ')})` : ''}`)
    .join('; ');
}

/** What the names of peers outside the pod network mean, for those the result uses. */
export function legend(m: { outside: OutsideNode[] }): string[] {
  const what = (n: OutsideNode): string | undefined => {
    switch (n.kind) {
      case 'internet':
        return 'every address outside the CIDRs the policies name (0.0.0.0/0 and ::/0 aside)';
      case 'nodes':
        return `the ${n.members} Node objects of the input (-o json --outside each lists each)`;
      case 'outside':
        return `every peer outside the pod network (${n.members}): the address ranges the policies distinguish, their domain names, the nodes; --outside each lists each`;
      default:
        return undefined;
    }
  };
  return m.outside.flatMap((n) => {
    const text = what(n);
    return text ? [`  ${n.id}: ${text}`] : [];
  });
}

/** Columns as wide as their widest cell: one pass to measure, one to print. */
function* table(m: MarkedMatrixSource): Generator<string> {
  let rows = 0;
  let wFrom = 4;
  let wTo = 2;
  let wAllowed = 7;
  let wPartial = 14;
  let somePods = false;
  let differs = false;
  for (const r of pairRows(m)) {
    rows++;
    wFrom = Math.max(wFrom, r.from.length);
    wTo = Math.max(wTo, r.to.length);
    wAllowed = Math.max(wAllowed, (r.allowed || '-').length);
    wPartial = Math.max(wPartial, r.partial.length);
    if (r.partial) somePods = true;
    if (r.differs) differs = true;
  }
  if (rows === 0) {
    yield 'no connections to show\n';
    return;
  }
  // the columns after ALLOWED only when some row has them; no line ends in blanks
  const line = (from: string, to: string, allowed: string, partial: string, marks: string): string => {
    const head = `${from.padEnd(wFrom)}  ${to.padEnd(wTo)}  `;
    if (differs) return `${head}${allowed.padEnd(wAllowed)}  ${somePods ? partial.padEnd(wPartial) + '  ' : ''}${marks}`.trimEnd();
    return somePods && partial ? `${head}${allowed.padEnd(wAllowed)}  ${partial}` : head + allowed;
  };
  const lines = new Lines();
  lines.add(line('FROM', 'TO', 'ALLOWED', 'SOME PODS ONLY', m.dataplane?.name === 'kubernetes' ? 'EKS≠SPEC (EKS)' : 'EKS≠SPEC (SPEC)'));
  for (const r of pairRows(m)) {
    lines.add(line(r.from, r.to, r.allowed || '-', r.partial, r.differs));
    if (lines.full) yield lines.take();
  }
  const notes = legend(m.nodes());
  if (notes.length) for (const n of ['', 'peers outside the pod network:', ...notes]) lines.add(n);
  yield lines.take();
}

function* markdown(m: MarkedMatrixSource): Generator<string> {
  // with marks, a first walk finds whether any pair has one (the column is there only then)
  let differs = false;
  if (m.dataplane !== undefined) for (const r of pairRows(m)) if (r.differs) differs = true;
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = new Lines();
  let rows = 0;
  for (const r of pairRows(m)) {
    if (rows++ === 0) {
      lines.add(`| from | to | allowed | some pods only |${differs ? ' eks≠spec |' : ''}`);
      lines.add(`| --- | --- | --- | --- |${differs ? ' --- |' : ''}`);
    }
    lines.add(`| ${cell(r.from)} | ${cell(r.to)} | ${r.allowed || '-'} | ${r.partial} |${differs ? ` ${cell(r.differs)} |` : ''}`);
    if (lines.full) yield lines.take();
  }
  if (rows === 0) {
    yield 'No connections to show.\n';
    return;
  }
  const notes = legend(m.nodes());
  if (notes.length) for (const n of ['', ...notes.map((n) => `- ${n.trim()}`)]) lines.add(n);
  yield lines.take();
}

/** Allowed connections as a Graphviz graph, one cluster per namespace and one for the peers outside. */
function* dot(m: MarkedMatrixSource): Generator<string> {
  const q = (s: string): string => JSON.stringify(s);
  const nodes = m.nodes();
  const lines = new Lines();
  for (const l of ['digraph podwall {', '  rankdir=LR;', '  node [shape=box, style=rounded];']) lines.add(l);
  const byNs = new Map<string, string[]>();
  for (const w of nodes.workloads) {
    let ids = byNs.get(w.namespace);
    if (!ids) byNs.set(w.namespace, (ids = []));
    ids.push(w.id);
  }
  let i = 0;
  for (const [ns, ids] of byNs) {
    lines.add(`  subgraph cluster_${i++} {`);
    lines.add(`    label=${q(ns)};`);
    for (const id of ids) lines.add(`    ${q(id)} [label=${q(id.slice(ns.length + 1))}];`);
    lines.add('  }');
  }
  if (nodes.outside.length) {
    for (const l of [`  subgraph cluster_outside {`, `    label="outside the pod network";`, '    node [shape=ellipse, style=dashed];']) lines.add(l);
    for (const n of nodes.outside) lines.add(`    ${q(n.id)};`);
    lines.add('  }');
  }
  // a pair's allowed edges are adjacent: one labelled arrow per pair
  let pair: { from: string; to: string; labels: string[] } | undefined;
  const arrow = (p: { from: string; to: string; labels: string[] }): void => lines.add(`  ${q(p.from)} -> ${q(p.to)} [label=${q(p.labels.join(' / '))}];`);
  for (const e of m.edges()) {
    if (!e.allowed) continue;
    if (!pair || pair.from !== e.from || pair.to !== e.to) {
      if (pair) arrow(pair);
      if (lines.full) yield lines.take();
      pair = { from: e.from, to: e.to, labels: [] };
    }
    pair.labels.push(`${describeRanges(e.ports)}${e.partial ? ' (some pods)' : ''}`);
  }
  if (pair) arrow(pair);
  lines.add('}');
  yield lines.take();
}
