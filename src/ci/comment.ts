/** The pull-request comment: what the change opens and closes, what it would break, the audit, the gates. */
import { describeRanges } from '../engine/ports.js';
import type { AuditResult } from '../audit/run.js';
import type { DiffChange, DiffResult } from '../analysis/diff.js';
import type { ReplayResult } from '../analysis/replay.js';
import type { GateCheck } from './gate.js';

/** Hidden in the rendered comment; how the action finds its own comment again. */
export const COMMENT_MARKER = '<!-- podwall-ci-action -->';
const ROWS = 50;

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export interface CommentInput {
  base: string;
  head: string;
  audit: AuditResult;
  diff?: DiffResult;
  replay?: ReplayResult;
  checks: GateCheck[];
}

export function renderComment(c: CommentInput): string {
  const failed = c.checks.filter((x) => !x.ok);
  const out = [COMMENT_MARKER, `## podwall: ${failed.length ? '❌ thresholds not met' : '✅ thresholds met'}`, ''];
  if (c.diff) {
    out.push(`Policies of \`${c.head}\` against \`${c.base}\`, on the workloads of \`${c.head}\`: **${c.diff.newlyAllowed} connection${c.diff.newlyAllowed === 1 ? '' : 's'} opened, ${c.diff.newlyDenied} closed**.`, '');
    out.push(...changeTable('Opens (newly allowed)', c.diff.changes.filter((x) => x.change === 'newly-allowed')));
    out.push(...changeTable('Closes (newly denied)', c.diff.changes.filter((x) => x.change === 'newly-denied')));
  }
  if (c.replay) {
    const r = c.replay;
    out.push(`### Observed traffic`, '', `${r.observedAllowed} allowed flows in the logs; the change would block **${r.wouldBlock.length}** observed connection${r.wouldBlock.length === 1 ? '' : 's'}.`, '');
    if (r.wouldBlock.length) {
      out.push('| from | to | port | flows | example | why |', '| --- | --- | --- | --- | --- | --- |');
      for (const b of r.wouldBlock.slice(0, ROWS)) out.push(`| ${esc(b.from)} | ${esc(b.to)} | ${b.port}/${b.protocol} | ${b.count} | ${esc(b.example)} | ${esc(b.reason)} |`);
      if (r.wouldBlock.length > ROWS) out.push('', `… and ${r.wouldBlock.length - ROWS} more.`);
      out.push('');
    }
    if (r.alreadyDenied.length) {
      const n = r.alreadyDenied.length;
      out.push(`${n} observed connection${n === 1 ? '' : 's'} the policies of \`${c.base}\` deny already, though the logs show ${n === 1 ? 'it' : 'them'} accepted: the logs and the policies disagree there, and the change is not the cause (not counted above; \`podwall flows summary\` explains them).`, '');
    }
  }
  const f = c.audit.kpis.findings;
  out.push('### Audit', '', `${f.error} error, ${f.warning} warning, ${f.info} info finding${f.info === 1 ? '' : 's'} in \`${c.head}\`${c.audit.kpis.cisScore !== null ? `; CIS EKS score ${c.audit.kpis.cisScore}%` : ''}. Details in code scanning (SARIF).`, '');
  const serious = c.audit.findings.filter((x) => x.severity !== 'info');
  if (serious.length) {
    out.push('| severity | check | object | finding |', '| --- | --- | --- | --- |');
    for (const x of serious.slice(0, ROWS)) {
      const where = x.location ? ` (${x.location.file}${x.location.line !== undefined ? `:${x.location.line}` : ''})` : '';
      out.push(`| ${x.severity} | \`${x.check}\` | ${esc(x.object + where)} | ${esc(x.message)} |`);
    }
    if (serious.length > ROWS) out.push('', `… and ${serious.length - ROWS} more.`);
    out.push('');
  }
  if (c.checks.length) {
    out.push('### Thresholds', '', '| | check | value |', '| --- | --- | --- |');
    for (const x of c.checks) out.push(`| ${x.ok ? '✅' : '❌'} | ${esc(x.name)} | ${esc(x.detail)} |`);
    out.push('');
  }
  return out.join('\n');
}

function changeTable(title: string, changes: DiffChange[]): string[] {
  if (!changes.length) return [];
  const out = [`### ${title}`, '', '| from | to | ports | before | after |', '| --- | --- | --- | --- | --- |'];
  for (const x of changes.slice(0, ROWS)) out.push(`| ${esc(x.from)} | ${esc(x.to)} | ${esc(describeRanges(x.ports))} | ${esc(x.before)} | ${esc(x.after)} |`);
  if (changes.length > ROWS) out.push('', `… and ${changes.length - ROWS} more (run \`podwall diff\` for all).`);
  out.push('');
  return out;
}
