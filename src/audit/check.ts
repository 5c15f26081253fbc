import type { AuditContext } from './context.js';
import type { CheckInfo, Finding } from './types.js';

/** A check finds problems; the runner adds its id and the configured severity. */
export type Draft = Omit<Finding, 'check' | 'severity'>;

export interface Check extends CheckInfo {
  run(ctx: AuditContext): Draft[];
}
