/** One formatter per output format of `podwall matrix`. */
import type { MatrixEdge, MatrixResult, OutsideNode } from '../analysis/matrix.js';
import { describeRanges } from '../engine/ports.js';

export type MatrixFormat = 'table' | 'json' | 'csv' | 'md' | 'dot';
export const MATRIX_FORMATS: readonly MatrixFormat[] = ['table', 'json', 'csv', 'md', 'dot'];

const mark = (e: MatrixEdge): string => (e.partial ? 'partial' : e.allowed ? 'allow' : 'deny');

export function formatMatrix(m: MatrixResult, format: MatrixFormat): string {
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

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One line per range: from,to,protocol,from_port,to_port,verdict. */
function csv(m: MatrixResult): string {
  const out = ['from,to,protocol,from_port,to_port,verdict'];
  for (const e of m.edges) for (const r of e.ports) out.push([e.from, e.to, r.protocol, r.from, r.to, mark(e)].map(csvCell).join(','));
  return out.join('\n') + '\n';
}

interface PairRow {
  from: string;
  to: string;
  allowed: string;
  partial: string;
}

/** Per pair: the ports allowed for every pod pair, and those allowed for some only. */
function pairRows(m: MatrixResult): PairRow[] {
  const rows = new Map<string, PairRow>();
  for (const e of m.edges) {
    const k = `${e.from}\u0000${e.to}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { from: e.from, to: e.to, allowed: '', partial: '' }));
    if (e.allowed && !e.partial) r.allowed = describeRanges(e.ports);
    if (e.partial) r.partial = describeRanges(e.ports);
  }
  return [...rows.values()];
}

/** What the names of peers outside the pod network mean, for those the result uses. */
function legend(m: MatrixResult): string[] {
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
  const line = (a: string, b: string, c: string, d: string): string => `${a.padEnd(wFrom)}  ${b.padEnd(wTo)}  ${d ? c.padEnd(wAllowed) + '  ' + d : c}`;
  const out = [line('FROM', 'TO', 'ALLOWED', rows.some((r) => r.partial) ? 'SOME PODS ONLY' : '')];
  for (const r of rows) out.push(line(r.from, r.to, r.allowed || '-', r.partial));
  const notes = legend(m);
  if (notes.length) out.push('', 'peers outside the pod network:', ...notes);
  return out.join('\n') + '\n';
}

function markdown(m: MatrixResult): string {
  const rows = pairRows(m);
  if (rows.length === 0) return 'No connections to show.\n';
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const out = ['| from | to | allowed | some pods only |', '| --- | --- | --- | --- |'];
  for (const r of rows) out.push(`| ${cell(r.from)} | ${cell(r.to)} | ${r.allowed || '-'} | ${r.partial} |`);
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
