/**
 * `podwall matrix` on the EKS data plane: the collected result with its marks (an EKS≠SPEC column in
 * table and md, other_verdict and mechanisms in csv). The specification's matrix streams (matrix.ts).
 */
import type { MatrixEdge, MatrixResult } from '../analysis/matrix.js';
import { describeRanges, intersectRanges, mergeRanges, subtractRanges, type PortRange } from '../engine/ports.js';
import { csvCell, legend, mark, type MatrixFormat } from './matrix.js';

export function formatMarkedMatrix(m: MatrixResult, format: MatrixFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(m, null, 2) + '\n';
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

/**
 * One line per range: from,to,protocol,from_port,to_port,verdict; with a data plane named (the EKS one),
 * also other_verdict,mechanisms: the other plane's verdict where it differs, and why (empty where they agree).
 */
function csv(m: MatrixResult): string {
  const marks = m.dataplane !== undefined;
  const out = [`from,to,protocol,from_port,to_port,verdict${marks ? ',other_verdict,mechanisms' : ''}`];
  for (const e of m.edges) {
    const d = e.disagreement;
    const pieces: [PortRange, string[]][] = d
      ? [...subtractRanges(e.ports, d.ports).map((r): [PortRange, string[]] => [r, ['', '']]), ...intersectRanges(e.ports, d.ports).map((r): [PortRange, string[]] => [r, [otherMark(d.other), d.mechanisms.join(' ')]])]
      : e.ports.map((r): [PortRange, string[]] => [r, ['', '']]);
    pieces.sort((a, b) => a[0].protocol.localeCompare(b[0].protocol) || a[0].from - b[0].from);
    for (const [r, other] of pieces) out.push([e.from, e.to, r.protocol, r.from, r.to, mark(e), ...(marks ? other : [])].map(csvCell).join(','));
  }
  return out.join('\n') + '\n';
}

const otherMark = (o: 'allowed' | 'denied' | 'partial'): string => (o === 'allowed' ? 'allow' : o === 'denied' ? 'deny' : 'partial');

/** The disagreement marks of a pair, as text: `TCP 80 spec: deny (mechanism)`. */
function disagreementText(m: MatrixResult, edges: MatrixEdge[]): string {
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

/** Per pair: the ports allowed for every pod pair, and those allowed for some only. */
function pairRows(m: MatrixResult): PairRow[] {
  const byPair = new Map<string, MatrixEdge[]>();
  for (const e of m.edges) {
    const k = `${e.from}\u0000${e.to}`;
    const list = byPair.get(k);
    if (list) list.push(e);
    else byPair.set(k, [e]);
  }
  // an edge split by two different disagreements comes twice with one answer: its ranges are joined
  const ranges = (edges: MatrixEdge[]): string => describeRanges(mergeRanges(edges.flatMap((e) => e.ports)));
  return [...byPair.values()].map((edges) => ({
    from: edges[0]!.from,
    to: edges[0]!.to,
    allowed: edges.some((e) => e.allowed && !e.partial) ? ranges(edges.filter((e) => e.allowed && !e.partial)) : '',
    partial: edges.some((e) => e.partial) ? ranges(edges.filter((e) => e.partial)) : '',
    differs: disagreementText(m, edges),
  }));
}

function table(m: MatrixResult): string {
  if (m.edges.length === 0) return 'no connections to show\n';
  const rows = pairRows(m);
  // a loop, not Math.max(...rows): a large cluster has more rows than a call takes arguments
  let wFrom = 4;
  let wTo = 2;
  let wAllowed = 7;
  for (const r of rows) {
    wFrom = Math.max(wFrom, r.from.length);
    wTo = Math.max(wTo, r.to.length);
    wAllowed = Math.max(wAllowed, (r.allowed || '-').length);
  }
  const somePods = rows.some((r) => r.partial);
  const differs = rows.some((r) => r.differs);
  let wPartial = 14;
  for (const r of rows) wPartial = Math.max(wPartial, r.partial.length);
  const line = (a: string, b: string, c: string, d: string, e: string): string => {
    const cols = [a.padEnd(wFrom), b.padEnd(wTo), somePods || differs ? c.padEnd(wAllowed) : c];
    if (somePods) cols.push(differs ? d.padEnd(wPartial) : d);
    if (differs) cols.push(e);
    return cols.join('  ').trimEnd();
  };
  const out = [line('FROM', 'TO', 'ALLOWED', 'SOME PODS ONLY', m.dataplane?.name === 'kubernetes' ? 'EKS≠SPEC (EKS)' : 'EKS≠SPEC (SPEC)')];
  for (const r of rows) out.push(line(r.from, r.to, r.allowed || '-', r.partial, r.differs));
  const notes = legend(m);
  if (notes.length) out.push('', 'peers outside the pod network:', ...notes);
  return out.join('\n') + '\n';
}

function markdown(m: MatrixResult): string {
  const rows = pairRows(m);
  if (rows.length === 0) return 'No connections to show.\n';
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const differs = rows.some((r) => r.differs);
  const out = [`| from | to | allowed | some pods only |${differs ? ' eks≠spec |' : ''}`, `| --- | --- | --- | --- |${differs ? ' --- |' : ''}`];
  for (const r of rows) out.push(`| ${cell(r.from)} | ${cell(r.to)} | ${r.allowed || '-'} | ${r.partial} |${differs ? ` ${cell(r.differs)} |` : ''}`);
  const notes = legend(m);
  if (notes.length) out.push('', ...notes.map((n) => `- ${n.trim()}`));
  return out.join('\n') + '\n';
}

/** Allowed connections as a Graphviz graph, one cluster per namespace and one for the peers outside. */
function dot(m: MatrixResult): string {
  const q = (s: string): string => JSON.stringify(s);
  const out = ['digraph podwall {', '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  const byNs = new Map<string, string[]>();
  for (const w of m.workloads) byNs.set(w.namespace, [...(byNs.get(w.namespace) ?? []), w.id]);
  let i = 0;
  for (const [ns, ids] of byNs) {
    out.push(`  subgraph cluster_${i++} {`, `    label=${q(ns)};`);
    for (const id of ids) out.push(`    ${q(id)} [label=${q(id.slice(ns.length + 1))}];`);
    out.push('  }');
  }
  if (m.outside.length) {
    out.push(`  subgraph cluster_outside {`, `    label="outside the pod network";`, '    node [shape=ellipse, style=dashed];');
    for (const n of m.outside) out.push(`    ${q(n.id)};`);
    out.push('  }');
  }
  const labels = new Map<string, string[]>();
  for (const e of m.edges) {
    if (!e.allowed) continue;
    const k = `${e.from}\u0000${e.to}`;
    labels.set(k, [...(labels.get(k) ?? []), `${describeRanges(e.ports)}${e.partial ? ' (some pods)' : ''}`]);
  }
  for (const [k, ports] of labels) {
    const [from, to] = k.split('\u0000') as [string, string];
    out.push(`  ${q(from)} -> ${q(to)} [label=${q(ports.join(' / '))}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
