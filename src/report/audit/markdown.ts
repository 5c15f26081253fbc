import type { AuditResult } from '../../audit/run.js';
import { kpiLines } from './kpis.js';

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** For a pull-request comment. */
export function auditMarkdown(r: AuditResult): string {
  const out = ['## podwall audit', '', ...kpiLines(r.kpis).map((l) => `- ${l}`), ''];
  if (r.findings.length === 0) return [...out, 'No findings.', ''].join('\n');
  out.push('| severity | check | object | finding | remedy |', '| --- | --- | --- | --- | --- |');
  for (const f of r.findings) {
    const where = f.location ? ` (${f.location.file}${f.location.line !== undefined ? `:${f.location.line}` : ''})` : '';
    out.push(`| ${f.severity} | \`${f.check}\` | ${esc(f.object)}${esc(where)} | ${esc(f.message)} | ${esc(f.remedy)} |`);
  }
  const fixes = r.findings.filter((f) => f.fix);
  if (fixes.length) {
    out.push('', '<details><summary>Suggested fixes</summary>', '');
    for (const f of fixes.slice(0, 20)) out.push(`**${f.check}** — ${esc(f.object)}`, '', '```yaml', f.fix!, '```', '');
    out.push('</details>');
  }
  return out.join('\n') + '\n';
}
