import type { SourceLocation } from '../k8s/errors.js';

export type FindingSeverity = 'error' | 'warning' | 'info';
export const SEVERITY_RANK: Record<FindingSeverity, number> = { error: 3, warning: 2, info: 1 };

export interface Finding {
  /** The stable check id, e.g. `egress-blocks-dns`: code scanning tracks findings by it. */
  check: string;
  severity: FindingSeverity;
  /** `Kind namespace/name` of the object the finding concerns. */
  object: string;
  location?: SourceLocation;
  /** One line: what is wrong and why it matters. */
  message: string;
  /** A concrete remedy. */
  remedy: string;
  /** Where one fits: the YAML that fixes it. */
  fix?: string;
  /** EKS checks: the mechanism, and a connection on which `podwall explain` shows it. */
  eks?: { mechanism: string; kind: 'over-allow' | 'under-allow' | 'uncertain'; from: string; to: string; port: number; protocol: string; probes: number };
}

export interface CheckInfo {
  id: string;
  title: string;
  severity: FindingSeverity;
  /** CIS Amazon EKS Benchmark controls this check implements. */
  cis?: string[];
  /** Longer help for SARIF rules and the docs. */
  help: string;
}
