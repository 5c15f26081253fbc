import type { AuditContext } from './context.js';
import type { CheckInfo, Finding, FindingSeverity } from './types.js';

/**
 * A check finds problems; the runner adds its id and the severity: the configured one, else the draft's own
 * (a check whose findings differ in weight, e.g. EKS allowing more or less than the specification), else the check's.
 */
export type Draft = Omit<Finding, 'check' | 'severity'> & { severity?: FindingSeverity };

export interface Check extends CheckInfo {
  run(ctx: AuditContext): Draft[];
}
