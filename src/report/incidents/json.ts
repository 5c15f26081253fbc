/** `podwall incidents -o json`: times as ISO 8601, durations in ms and as text. */
import type { Incident } from '../../incidents/incident.js';
import type { IncidentResult } from '../../incidents/detector.js';
import type { ReadStats } from '../../sources/flow-files.js';
import { formatDuration } from '../duration.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function incidentJson(i: Incident): Record<string, unknown> {
  return {
    id: i.id,
    connection: i.connection,
    from: i.from,
    to: i.to,
    port: i.port,
    protocol: i.protocol,
    start: iso(i.start.at),
    startFlow: { file: i.start.file, line: i.start.line },
    ...(i.end ? { end: iso(i.end.at) } : {}),
    open: i.open,
    durationMs: i.durationMs,
    duration: formatDuration(i.durationMs),
    ...(i.end ? { resolvedBy: i.end.kind === 'allowed' ? { kind: 'allowed', at: iso(i.end.at), file: i.end.file, line: i.end.line } : { kind: 'change', at: iso(i.end.at), change: i.end.change, state: i.end.label } } : {}),
    flows: { denied: i.flows.denied, lastDenied: iso(i.flows.lastDenied), allowedBefore: i.flows.allowedBefore, firstAllowed: iso(i.flows.firstAllowed), lastAllowed: iso(i.flows.lastAllowed) },
    cause: {
      at: iso(i.cause.at),
      before: i.cause.before,
      after: i.cause.after,
      detectedAfterMs: i.cause.detectedAfterMs,
      explained: i.cause.explained,
      ...(i.cause.explanation ? { explanation: i.cause.explanation } : {}),
      objects: i.cause.objects.map((o) => ({ change: o.change, object: o.label, decisive: o.decisive, fields: o.fields, who: o.who, ...(o.recordedBy ? { recordedBy: o.recordedBy } : {}) })),
      unrelatedObjects: i.cause.unrelatedObjects,
    },
  };
}

export function incidentsJson(r: IncidentResult, stats: ReadStats): string {
  const f = r.figures;
  return (
    JSON.stringify(
      {
        summary: { ...f, ...(f.mttrMs !== undefined ? { mttr: formatDuration(f.mttrMs) } : {}), changePoints: r.changePoints, flowsWithoutTime: r.withoutTime, outOfOrder: r.outOfOrder, ...(r.end !== undefined ? { end: iso(r.end) } : {}) },
        incidents: r.incidents.map(incidentJson),
        input: stats,
      },
      null,
      2,
    ) + '\n'
  );
}
