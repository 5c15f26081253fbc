/** Formatters for `podwall flows summary`. */
import type { FlowSummary, GroupBy } from '../flows/summary.js';
import type { IncidentFigures } from '../incidents/figures.js';
import type { ReadStats } from '../sources/flow-files.js';
import { figuresLine } from './incidents/header.js';

export type FlowFormatOut = 'text' | 'json' | 'csv' | 'md';

/** The flows' counters, with the policy-caused incidents (docs/incidents.md) when the caller looked for them. */
type SummaryWithIncidents = FlowSummary & { incidents?: IncidentFigures };

export function formatFlowSummary(s: SummaryWithIncidents, stats: ReadStats, by: GroupBy, format: FlowFormatOut): string {
  switch (format) {
    case 'json':
      return JSON.stringify({ summary: s, input: stats }, null, 2) + '\n';
    case 'csv':
      return [`${by},denied`, ...Object.entries(s.by[by]).map(([k, n]) => `${csv(k)},${n}`), ...incidentRows(s)].join('\n') + '\n';
    case 'md':
      return markdown(s, stats, by);
    case 'text':
      return text(s, stats, by);
  }
}

/** The incident figures as the last rows of the CSV, named in parentheses so that no namespace or workload can clash. */
function incidentRows(s: SummaryWithIncidents): string[] {
  if (!s.incidents) return [];
  const f = s.incidents;
  return [`(policy-caused incidents),${f.count}`, `(open incidents),${f.open}`, `(MTTR seconds),${f.mttrMs === undefined ? '' : Math.round(f.mttrMs / 1000)}`];
}

const csv = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function header(s: SummaryWithIncidents, stats: ReadStats): string[] {
  return [
    `flows: ${s.flows} (${s.allowed} allowed, ${s.denied} denied, ${s.expired} expired)${s.first ? ` from ${s.first} to ${s.last}` : ''}`,
    `unauthorized connection attempts blocked per week: ${s.blockedPerWeek}`,
    ...(s.incidents ? [figuresLine(s.incidents)] : []),
    `lines read: ${stats.lines}; not flows: ${stats.skipped}; malformed: ${stats.malformed}; both ends outside the model: ${s.unattributed}`,
    `log and model disagree: ${s.disagreements}${s.disagreements ? ' (a stale snapshot, or a data plane that differs from the model: worth a look)' : ''}`,
  ];
}

function text(s: SummaryWithIncidents, stats: ReadStats, by: GroupBy): string {
  const out = header(s, stats);
  for (const m of stats.malformedExamples) out.push(`  malformed ${m.file}:${m.line}: ${m.reason}`);
  for (const d of s.disagreementExamples) out.push(`  disagreement ${d.file ? `${d.file}:${d.line}: ` : ''}${d.text}`);
  const table = (title: string, rows: Record<string, number>, limit = 20): void => {
    const entries = Object.entries(rows).slice(0, limit);
    if (!entries.length) return;
    out.push('', title);
    const w = Math.max(...entries.map(([k]) => k.length));
    for (const [k, n] of entries) out.push(`  ${k.padEnd(w)}  ${n}`);
  };
  table('denied per week', s.deniedPerWeek, 60);
  table('denied per day', s.deniedPerDay, 60);
  table(`denied by ${by}`, s.by[by]);
  if (s.topDeniedPairs.length) {
    out.push('', 'top denied pairs');
    for (const p of s.topDeniedPairs) out.push(`  ${String(p.count).padStart(8)}  ${p.pair}  (${p.decidedBy})`);
  }
  return out.join('\n') + '\n';
}

function markdown(s: SummaryWithIncidents, stats: ReadStats, by: GroupBy): string {
  const out = ['## podwall flows', '', ...header(s, stats).map((l) => `- ${l}`), ''];
  out.push('| week | denied |', '| --- | --- |', ...Object.entries(s.deniedPerWeek).map(([k, n]) => `| ${k} | ${n} |`), '');
  out.push(`| ${by} | denied |`, '| --- | --- |', ...Object.entries(s.by[by]).slice(0, 20).map(([k, n]) => `| ${k.replace(/\|/g, '\\|')} | ${n} |`), '');
  out.push('| denied pair | count | decided by |', '| --- | --- | --- |', ...s.topDeniedPairs.map((p) => `| ${p.pair} | ${p.count} | ${p.decidedBy} |`));
  return out.join('\n') + '\n';
}
