/** `podwall incidents -o csv`: one row per incident. */
import type { IncidentResult } from '../../incidents/detector.js';

const COLUMNS = ['id', 'connection', 'from', 'to', 'port', 'protocol', 'start', 'end', 'open', 'duration_s', 'resolved_by', 'denied_flows', 'allowed_before', 'change_at', 'decisive_objects', 'managers', 'denied_by'];

const cell = (v: unknown): string => {
  const s = v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function incidentsCsv(r: IncidentResult): string {
  const rows = r.incidents.map((i) => {
    const decisive = i.cause.objects.filter((o) => o.decisive);
    return [
      i.id,
      i.connection,
      i.from,
      i.to,
      i.port,
      i.protocol,
      new Date(i.start.at).toISOString(),
      i.end ? new Date(i.end.at).toISOString() : '',
      i.open,
      Math.round(i.durationMs / 1000),
      i.end?.kind ?? '',
      i.flows.denied,
      i.flows.allowedBefore,
      new Date(i.cause.at).toISOString(),
      decisive.map((o) => `${o.change} ${o.label}`).join('; '),
      [...new Set(decisive.map((o) => o.who.manager ?? o.recordedBy).filter(Boolean))].join('; '),
      i.cause.explanation?.decidedBy ?? '',
    ].map(cell).join(',');
  });
  return [COLUMNS.join(','), ...rows].join('\n') + '\n';
}
