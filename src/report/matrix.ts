/** One formatter per output format of `podwall matrix`. */
import type { MatrixEdge, MatrixResult } from '../analysis/matrix.js';

export type MatrixFormat = 'table' | 'json' | 'csv' | 'md' | 'dot';
export const MATRIX_FORMATS: readonly MatrixFormat[] = ['table', 'json', 'csv', 'md', 'dot'];

const mark = (e: MatrixEdge): string => (e.partial ? 'partial' : e.allowed ? 'allow' : 'deny');

export function formatMatrix(m: MatrixResult, format: MatrixFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(m, null, 2) + '\n';
    case 'csv':
      return ['from,to,port,protocol,verdict', ...m.edges.map((e) => [e.from, e.to, e.port, e.protocol, mark(e)].map(csvCell).join(','))].join('\n') + '\n';
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

function byPort(m: MatrixResult): Map<string, MatrixEdge[]> {
  const out = new Map<string, MatrixEdge[]>();
  const edges = [...m.edges].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  for (const e of edges) {
    const k = `${e.port}/${e.protocol}`;
    const list = out.get(k) ?? [];
    list.push(e);
    out.set(k, list);
  }
  return out;
}

/** A grid per port: rows are sources, columns destinations (those exposing the port). */
function table(m: MatrixResult): string {
  if (m.edges.length === 0) return 'no connections to show\n';
  const out: string[] = [];
  for (const [port, edges] of byPort(m)) {
    const sources = [...new Set(edges.map((e) => e.from))].sort();
    const targets = [...new Set(edges.map((e) => e.to))].sort();
    const cell = new Map(edges.map((e) => [`${e.from}\u0000${e.to}`, e]));
    out.push(`PORT ${port}  (rows: from, columns: to; Y allowed, . denied, ~ some pods only)`);
    const width = Math.max(4, ...sources.map((s) => s.length));
    const header = targets.map((_, i) => `[${i + 1}]`);
    out.push(`${'FROM'.padEnd(width)}  ${header.join(' ')}`);
    for (const s of sources) {
      const cells = targets.map((t, i) => {
        const e = cell.get(`${s}\u0000${t}`);
        const v = !e ? ' ' : e.partial ? '~' : e.allowed ? 'Y' : '.';
        return v.padStart(Math.ceil(header[i]!.length / 2)).padEnd(header[i]!.length);
      });
      out.push(`${s.padEnd(width)}  ${cells.join(' ')}`);
    }
    targets.forEach((t, i) => out.push(`  [${i + 1}] ${t}`));
    out.push('');
  }
  return out.join('\n');
}

function markdown(m: MatrixResult): string {
  const out: string[] = [];
  for (const [port, edges] of byPort(m)) {
    out.push(`### ${port}`, '', '| from | to | verdict |', '| --- | --- | --- |');
    for (const e of edges) out.push(`| ${e.from} | ${e.to} | ${mark(e)} |`);
    out.push('');
  }
  return out.length ? out.join('\n') : 'No connections to show.\n';
}

/** Allowed connections as a Graphviz graph, one cluster per namespace. */
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
  const labels = new Map<string, string[]>();
  for (const e of m.edges) {
    if (!e.allowed) continue;
    const k = `${e.from}\u0000${e.to}`;
    labels.set(k, [...(labels.get(k) ?? []), `${e.port}/${e.protocol}${e.partial ? '*' : ''}`]);
  }
  for (const [k, ports] of labels) {
    const [from, to] = k.split('\u0000') as [string, string];
    out.push(`  ${q(from)} -> ${q(to)} [label=${q(ports.join(', '))}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
