/** The header lines every incidents report starts with: count, open, MTTR, and what was read. */
import type { IncidentResult } from '../../incidents/detector.js';
import type { IncidentFigures } from '../../incidents/figures.js';
import type { ReadStats } from '../../sources/flow-files.js';
import { formatDuration } from '../duration.js';

export function figuresLine(f: IncidentFigures): string {
  return `policy-caused incidents: ${f.count} (${f.open} open); MTTR ${f.mttrMs === undefined ? 'n/a (none resolved)' : formatDuration(f.mttrMs)}`;
}

export function incidentHeader(r: IncidentResult, stats: ReadStats): string[] {
  const out = [figuresLine(r.figures), `policy change points: ${r.changePoints}; lines read: ${stats.lines}; flows: ${stats.flows}; malformed: ${stats.malformed}`];
  if (r.withoutTime) out.push(`flows without a time (left out): ${r.withoutTime}`);
  if (r.outOfOrder) out.push(`flows out of time order (taken as at the time before them): ${r.outOfOrder}`);
  return out;
}
