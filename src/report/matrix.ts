/**
 * One formatter per output format of `podwall matrix`. Each writes its text in chunks as it walks the
 * edges, so that a matrix of millions of pairs is printed without being held (the edges come one
 * source at a time from analysis/matrix-stream.ts); formatMatrix joins the chunks of a kept result.
 */
import type { MatrixEdge, MatrixResult, OutsideNode, WorkloadNode } from '../analysis/matrix.js';
import { describeRanges, type PortRange } from '../engine/ports.js';

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

export const mark = (e: MatrixEdge): string => (e.partial ? 'partial' : e.allowed ? 'allow' : 'deny');

export function formatMatrix(m: MatrixResult, format: MatrixFormat): string {
  return [...matrixChunks({ edges: () => m.edges, nodes: () => m }, format)].join('');
}

/** The text of `format`, in pieces of about CHUNK characters. */
export function matrixChunks(m: MatrixSource, format: MatrixFormat): Generator<string> {
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

/** One line per range: from,to,protocol,from_port,to_port,verdict. */
function* csv(m: MatrixSource): Generator<string> {
  const lines = new Lines();
  lines.add('from,to,protocol,from_port,to_port,verdict');
  // the ranges' part of the lines, per ports list (the stream shares one list between equal answers)
  const tails = new WeakMap<PortRange[], string[]>();
  for (const e of m.edges()) {
    const v = mark(e);
    let t = tails.get(e.ports);
    if (!t || t[0] !== v) {
      t = [v, ...e.ports.map((r) => `${csvCell(r.protocol)},${r.from},${r.to},${v}`)];
      tails.set(e.ports, t);
    }
    const head = `${csvCell(e.from)},${csvCell(e.to)},`;
    for (let i = 1; i < t.length; i++) lines.add(head + t[i]!);
    if (lines.full) yield lines.take();
  }
  yield lines.take();
}

/** JSON.stringify(m, null, 2) of the whole result, written as the edges come. */
function* json(m: MatrixSource): Generator<string> {
  const item = (v: unknown): string => '    ' + JSON.stringify(v, null, 2).replace(/\n/g, '\n    ');
  // an edge of the five usual fields is written by hand around its ports' text, made once per ports list
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
  yield '{\n';
  yield* array('workloads', nodes.workloads, false);
  yield* array('outside', nodes.outside, false);
  yield* array('edges', m.edges(), true, edgeItem);
  yield '}\n';
}

interface PairRow {
  from: string;
  to: string;
  allowed: string;
  partial: string;
}

/** Per pair: the ports allowed for every pod pair, and those allowed for some only (a pair's edges are adjacent). */
function* pairRows(m: MatrixSource): Generator<PairRow> {
  const described = new WeakMap<PortRange[], string>();
  const describe = (ports: PortRange[]): string => {
    let d = described.get(ports);
    if (d === undefined) described.set(ports, (d = describeRanges(ports)));
    return d;
  };
  let r: PairRow | undefined;
  for (const e of m.edges()) {
    if (!r || r.from !== e.from || r.to !== e.to) {
      if (r) yield r;
      r = { from: e.from, to: e.to, allowed: '', partial: '' };
    }
    if (e.allowed && !e.partial) r.allowed = describe(e.ports);
    if (e.partial) r.partial = describe(e.ports);
  }
  if (r) yield r;
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
function* table(m: MatrixSource): Generator<string> {
  let wFrom = 4;
  let wTo = 2;
  let wAllowed = 7;
  let rows = 0;
  let partial = false;
  for (const r of pairRows(m)) {
    rows++;
    wFrom = Math.max(wFrom, r.from.length);
    wTo = Math.max(wTo, r.to.length);
    wAllowed = Math.max(wAllowed, (r.allowed || '-').length);
    if (r.partial) partial = true;
  }
  if (rows === 0) {
    yield 'no connections to show\n';
    return;
  }
  const line = (a: string, b: string, c: string, d: string): string => `${a.padEnd(wFrom)}  ${b.padEnd(wTo)}  ${d ? c.padEnd(wAllowed) + '  ' + d : c}`;
  const lines = new Lines();
  lines.add(line('FROM', 'TO', 'ALLOWED', partial ? 'SOME PODS ONLY' : ''));
  for (const r of pairRows(m)) {
    lines.add(line(r.from, r.to, r.allowed || '-', r.partial));
    if (lines.full) yield lines.take();
  }
  const notes = legend(m.nodes());
  if (notes.length) for (const n of ['', 'peers outside the pod network:', ...notes]) lines.add(n);
  yield lines.take();
}

function* markdown(m: MatrixSource): Generator<string> {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = new Lines();
  let rows = 0;
  for (const r of pairRows(m)) {
    if (rows++ === 0) lines.add('| from | to | allowed | some pods only |\n| --- | --- | --- | --- |');
    lines.add(`| ${cell(r.from)} | ${cell(r.to)} | ${r.allowed || '-'} | ${r.partial} |`);
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
function* dot(m: MatrixSource): Generator<string> {
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
