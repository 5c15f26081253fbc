/** One formatter per output of `podwall incidents`. */
import type { IncidentResult } from '../../incidents/detector.js';
import type { ReadStats } from '../../sources/flow-files.js';
import { incidentsCsv } from './csv.js';
import { incidentsJson } from './json.js';
import { incidentsMarkdown } from './markdown.js';
import { incidentsText } from './text.js';

export function formatIncidents(r: IncidentResult, stats: ReadStats, format: 'text' | 'json' | 'csv' | 'md'): string {
  switch (format) {
    case 'json':
      return incidentsJson(r, stats);
    case 'csv':
      return incidentsCsv(r);
    case 'md':
      return incidentsMarkdown(r, stats);
    case 'text':
      return incidentsText(r, stats);
  }
}
