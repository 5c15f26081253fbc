/** The thresholds a pull request must keep: each a plain comparison, each failure a sentence. */
import type { AuditResult } from '../audit/run.js';
import { SEVERITY_RANK, type FindingSeverity } from '../audit/types.js';
import type { DiffResult } from '../analysis/diff.js';
import type { ReplayResult } from '../analysis/replay.js';

export interface Thresholds {
  /** Fail when an audit finding reaches this severity; `none` never fails on findings. */
  failOn: FindingSeverity | 'none';
  /** Fail when the change opens more connections than this (undefined: no limit). */
  maxNewlyAllowed?: number;
  /** Fail when the change closes more connections than this (undefined: no limit). */
  maxNewlyDenied?: number;
  /** Fail when the change would block more observed flows than this (with flow logs). */
  maxWouldBlock?: number;
}

export interface GateCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export function gate(t: Thresholds, audit: AuditResult, diff?: DiffResult, replay?: ReplayResult): GateCheck[] {
  const checks: GateCheck[] = [];
  if (t.failOn !== 'none') {
    const rank = SEVERITY_RANK[t.failOn];
    const reaching = audit.findings.filter((f) => SEVERITY_RANK[f.severity] >= rank).length;
    checks.push({ name: `audit findings of severity ${t.failOn} or worse`, ok: reaching === 0, detail: `${reaching}` });
  }
  const limit = (name: string, value: number, max: number | undefined): void => {
    if (max !== undefined) checks.push({ name, ok: value <= max, detail: `${value} (at most ${max})` });
  };
  if (diff) {
    limit('connections the change opens', diff.newlyAllowed, t.maxNewlyAllowed);
    limit('connections the change closes', diff.newlyDenied, t.maxNewlyDenied);
  }
  if (replay) limit('observed connections the change would block', replay.wouldBlock.length, t.maxWouldBlock);
  return checks;
}
