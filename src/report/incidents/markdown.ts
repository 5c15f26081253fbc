/** `podwall incidents -o md`: for an incident review or a pull-request comment. */
import type { IncidentResult } from '../../incidents/detector.js';
import type { ReadStats } from '../../sources/flow-files.js';
import { formatDuration } from '../duration.js';
import { incidentHeader } from './header.js';

const esc = (s: string): string => s.replace(/\|/g, '\\|');
const iso = (ms: number): string => new Date(ms).toISOString();

export function incidentsMarkdown(r: IncidentResult, stats: ReadStats): string {
  const out = ['## podwall incidents', '', ...incidentHeader(r, stats).map((l) => `- ${l}`), ''];
  if (!r.incidents.length) return out.join('\n') + '\n';
  out.push('| # | connection | start | end | duration | cause | denied by |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const i of r.incidents) {
    const cause = i.cause.objects.filter((o) => o.decisive).map((o) => `${o.change} ${o.label}${o.who.manager ?? o.recordedBy ? ` (${o.who.manager ?? o.recordedBy})` : ''}`).join(', ') || '(unexplained)';
    const end = i.end ? `${iso(i.end.at)} (${i.end.kind === 'allowed' ? 'allowed again' : 'change'})` : '**open**';
    out.push(`| ${i.id} | ${esc(i.connection)} | ${iso(i.start.at)} | ${end} | ${formatDuration(i.durationMs)} | ${esc(`${iso(i.cause.at)}: ${cause}`)} | ${esc(i.cause.explanation?.decidedBy ?? 'the model allows it')} |`);
  }
  return out.join('\n') + '\n';
}
