/** `podwall incidents` as text: the header, then one block per incident. */
import type { IncidentResult } from '../../incidents/detector.js';
import type { Incident } from '../../incidents/incident.js';
import type { ReadStats } from '../../sources/flow-files.js';
import { formatDuration } from '../duration.js';
import { incidentHeader } from './header.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (m: { file?: string; line?: number }): string => (m.file ? ` (${m.file}${m.line !== undefined ? `:${m.line}` : ''})` : '');

export function incidentsText(r: IncidentResult, stats: ReadStats): string {
  const out = incidentHeader(r, stats);
  for (const m of stats.malformedExamples) out.push(`  malformed ${m.file}:${m.line}: ${m.reason}`);
  for (const i of r.incidents) out.push('', ...block(i));
  return out.join('\n') + '\n';
}

function block(i: Incident): string[] {
  const out = [`#${i.id} ${i.open ? 'OPEN' : 'RESOLVED'} ${i.connection}`];
  out.push(`  start    ${iso(i.start.at)}${at(i.start)}  (${i.flows.denied} denied flows, last ${iso(i.flows.lastDenied)})`);
  if (i.end) out.push(`  end      ${iso(i.end.at)}  ${i.end.kind === 'allowed' ? `allowed again${at(i.end)}` : `by the change to ${i.end.label}`}`);
  out.push(`  duration ${formatDuration(i.durationMs)}${i.open ? ' so far' : ''}`);
  out.push(`  before   ${i.flows.allowedBefore} allowed flows from ${iso(i.flows.firstAllowed)} to ${iso(i.flows.lastAllowed)}`);
  const c = i.cause;
  out.push(`  cause    policy change at ${iso(c.at)} (${c.before} -> ${c.after}), seen ${formatDuration(c.detectedAfterMs)} later`);
  for (const o of c.objects) {
    const who = [o.who.manager && `by ${o.who.manager}${o.who.operation ? ` (${o.who.operation})` : ''}${o.who.time ? ` at ${o.who.time}` : ''}`, o.recordedBy && !o.who.manager ? `by ${o.recordedBy} (recorded by watch)` : undefined, o.who.changeCause && `change-cause: ${o.who.changeCause}`].filter(Boolean).join('; ');
    out.push(`    ${o.decisive ? '*' : '-'} ${o.change} ${o.label}${who ? `  ${who}` : ''}`);
    for (const f of o.fields.slice(0, 8)) out.push(`        ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
  }
  if (c.unrelatedObjects) out.push(`    (${c.unrelatedObjects} more objects changed then, none selecting either end)`);
  if (c.explanation) out.push(`  denied   ${c.explanation.text}`);
  else out.push('  denied   the model does not deny this connection after the change: log and model disagree (a stale snapshot, or a data plane that differs)');
  return out;
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
