/**
 * `podwall matrix` on the EKS data plane, with its marks (an EKS≠SPEC column in table and md, other_verdict
 * and mechanisms in csv), written in chunks as the edges come (analysis/matrix-eks.ts streams them one source
 * at a time); table, md, dot and json walk the edges twice (widths and columns first, the nodes first).
 */
import type { MatrixDataplane, MatrixEdge, MatrixResult } from '../analysis/matrix.js';
import { describeRanges, intersectRanges, mergeRanges, subtractRanges, type PortRange } from '../engine/ports.js';
import { csvCell, legend, mark, type MatrixFormat, type MatrixSource } from './matrix.js';

/** A matrix with marks: its edges (walked as often as needed), nodes, data plane and unnamed marks (after a walk). */
export interface MarkedMatrixSource extends MatrixSource {
  readonly dataplane?: MatrixDataplane;
  readonly unnamedDisagreements?: number;
}

export function formatMarkedMatrix(m: MatrixResult, format: MatrixFormat): string {
  return [...markedMatrixChunks({ edges: () => m.edges, nodes: () => m, ...(m.dataplane ? { dataplane: m.dataplane } : {}), ...(m.unnamedDisagreements ? { unnamedDisagreements: m.unnamedDisagreements } : {}) }, format)].join('');
}

/** The text of `format`, in pieces of about CHUNK characters. */
export function markedMatrixChunks(m: MarkedMatrixSource, format: MatrixFormat): Generator<string> {
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

/** Lines gathered until they make a chunk. */
class Lines {
  private text = '';
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

/** JSON.stringify(result, null, 2), written as the edges come: nodes, edges, the data plane, unnamed marks. */
function* json(m: MarkedMatrixSource): Generator<string> {
  const item = (v: unknown): string => '    ' + JSON.stringify(v, null, 2).replace(/\n/g, '\n    ');
  // the ports' text is made once per ports list (the stream shares one list between equal answers)
  const portsText = new WeakMap<PortRange[], string>();
  const edgeItem = (e: MatrixEdge): string => {
    if (e.disagreement) return item(e);
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

/**
 * One line per range: from,to,protocol,from_port,to_port,verdict; with a data plane named (the EKS one),
 * also other_verdict,mechanisms: the other plane's verdict where it differs, and why (empty where they agree).
 */
function* csv(m: MarkedMatrixSource): Generator<string> {
  const marks = m.dataplane !== undefined;
  const lines = new Lines();
  lines.add(`from,to,protocol,from_port,to_port,verdict${marks ? ',other_verdict,mechanisms' : ''}`);
  // the ranges' part of the lines of unmarked edges, per ports list (the stream shares one list between equal answers)
  const tails = new WeakMap<PortRange[], string[]>();
  for (const e of m.edges()) {
    const d = e.disagreement;
    const head = `${csvCell(e.from)},${csvCell(e.to)},`;
    if (!d) {
      const v = mark(e);
      let t = tails.get(e.ports);
      if (!t || t[0] !== v) {
        const sorted = [...e.ports].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.from - b.from);
        t = [v, ...sorted.map((r) => [r.protocol, r.from, r.to, v, ...(marks ? ['', ''] : [])].map(csvCell).join(','))];
        tails.set(e.ports, t);
      }
      for (let i = 1; i < t.length; i++) lines.add(head + t[i]!);
    } else {
      const pieces: [PortRange, string[]][] = [...subtractRanges(e.ports, d.ports).map((r): [PortRange, string[]] => [r, ['', '']]), ...intersectRanges(e.ports, d.ports).map((r): [PortRange, string[]] => [r, [otherMark(d.other), d.mechanisms.join(' ')]])];
      pieces.sort((a, b) => a[0].protocol.localeCompare(b[0].protocol) || a[0].from - b[0].from);
      for (const [r, other] of pieces) lines.add(head + [r.protocol, r.from, r.to, mark(e), ...(marks ? other : [])].map(csvCell).join(','));
    }
    if (lines.full) yield lines.take();
  }
  yield lines.take();
}

const otherMark = (o: 'allowed' | 'denied' | 'partial'): string => (o === 'allowed' ? 'allow' : o === 'denied' ? 'deny' : 'partial');

/** The disagreement marks of a pair, as text: `TCP 80 spec: deny (mechanism)`. */
function disagreementText(m: MarkedMatrixSource, edges: MatrixEdge[]): string {
  const other = m.dataplane?.name === 'kubernetes' ? 'eks' : 'spec';
  return edges
    .filter((e) => e.disagreement)
    .map((e) => `${describeRanges(e.disagreement!.ports)} ${other}: ${otherMark(e.disagreement!.other)}${e.disagreement!.mechanisms.length ? ` (${e.disagreement!.mechanisms.join(', ')})` : ''}`)
    .join('; ');
}

interface PairRow {
  from: string;
  to: string;
  allowed: string;
  partial: string;
  /** Where the other data plane answers differently (empty when it agrees or was not asked). */
  differs: string;
}

/** Per pair: the ports allowed for every pod pair, and those allowed for some only (a pair's edges are adjacent). */
function* pairRows(m: MarkedMatrixSource): Generator<PairRow> {
  // an edge split by two different disagreements comes twice with one answer: its ranges are joined
  const ranges = (edges: MatrixEdge[]): string => describeRanges(mergeRanges(edges.flatMap((e) => e.ports)));
  const row = (edges: MatrixEdge[]): PairRow => ({
    from: edges[0]!.from,
    to: edges[0]!.to,
    allowed: edges.some((e) => e.allowed && !e.partial) ? ranges(edges.filter((e) => e.allowed && !e.partial)) : '',
    partial: edges.some((e) => e.partial) ? ranges(edges.filter((e) => e.partial)) : '',
    differs: disagreementText(m, edges),
  });
  let pair: MatrixEdge[] = [];
  for (const e of m.edges()) {
    if (pair.length && (pair[0]!.from !== e.from || pair[0]!.to !== e.to)) {
      yield row(pair);
      pair = [];
    }
    pair.push(e);
  }
  if (pair.length) yield row(pair);
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
  const line = (a: string, b: string, c: string, d: string, e: string): string => {
    const cols = [a.padEnd(wFrom), b.padEnd(wTo), somePods || differs ? c.padEnd(wAllowed) : c];
    if (somePods) cols.push(differs ? d.padEnd(wPartial) : d);
    if (differs) cols.push(e);
    return cols.join('  ').trimEnd();
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
  let rows = 0;
  let differs = false;
  for (const r of pairRows(m)) {
    rows++;
    if (r.differs) differs = true;
  }
  if (rows === 0) {
    yield 'No connections to show.\n';
    return;
  }
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = new Lines();
  lines.add(`| from | to | allowed | some pods only |${differs ? ' eks≠spec |' : ''}`);
  lines.add(`| --- | --- | --- | --- |${differs ? ' --- |' : ''}`);
  for (const r of pairRows(m)) {
    lines.add(`| ${cell(r.from)} | ${cell(r.to)} | ${r.allowed || '-'} | ${r.partial} |${differs ? ` ${cell(r.differs)} |` : ''}`);
    if (lines.full) yield lines.take();
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
