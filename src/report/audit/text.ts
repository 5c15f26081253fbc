import type { AuditResult } from '../../audit/run.js';
import type { FindingSeverity } from '../../audit/types.js';
import { kpiLines } from './kpis.js';

export interface Paint {
  (color: 'red' | 'yellow' | 'dim' | 'bold' | 'green', text: string): string;
}

const COLOR: Record<FindingSeverity, 'red' | 'yellow' | 'dim'> = { error: 'red', warning: 'yellow', info: 'dim' };

/** Grouped by check, readable in a terminal. */
export function auditText(r: AuditResult, paint: Paint): string {
  const out: string[] = [];
  const groups = new Map<string, typeof r.findings>();
  // appended in place: copying the group for each finding was quadratic (6,000 namespaces: 8 s)
  for (const f of r.findings) {
    const list = groups.get(f.check);
    if (list) list.push(f);
    else groups.set(f.check, [f]);
  }
  for (const [check, list] of groups) {
    const sev = list[0]!.severity;
    out.push(paint('bold', `${paint(COLOR[sev], sev.toUpperCase())} ${check} (${list.length})`));
    for (const f of list) {
      const where = f.location ? `${f.location.file}${f.location.line !== undefined ? `:${f.location.line}` : ''}` : '';
      out.push(`  ${f.message}`);
      if (where) out.push(paint('dim', `    at ${where}`));
      out.push(`    fix: ${f.remedy}`);
    }
    out.push('');
  }
  if (r.findings.length === 0) out.push(paint('green', 'no findings'), '');
  out.push(paint('bold', 'KPIs'));
  for (const l of kpiLines(r.kpis)) out.push(`  ${l}`);
  return out.join('\n') + '\n';
}
