/** The KPI figures of a set of incidents: how many, how many still open, and the MTTR. */
import type { Incident } from './incident.js';

export interface IncidentFigures {
  count: number;
  open: number;
  closed: number;
  /** Mean time to resolution of the closed incidents (ms); undefined when none closed. */
  mttrMs?: number;
}

export function incidentFigures(incidents: readonly Incident[]): IncidentFigures {
  const closed = incidents.filter((i) => !i.open);
  const total = closed.reduce((s, i) => s + i.durationMs, 0);
  return { count: incidents.length, open: incidents.length - closed.length, closed: closed.length, ...(closed.length ? { mttrMs: Math.round(total / closed.length) } : {}) };
}
