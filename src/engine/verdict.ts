import type { Protocol } from '../net/protocol.js';
import type { Action, Direction, PolicyRef, Tier } from '../policy/types.js';

/** `none`: no policy can apply to this side (outside the pod network, host network, loopback, own node). */
export type StepTier = Tier | 'default' | 'none';

export interface RuleRef {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  /** Which semantics decided, e.g. "EKS ClusterNetworkPolicy (...)". */
  semantics: string;
  priority?: number;
  ruleIndex?: number;
  ruleName?: string;
  action?: Action;
  file: string;
  line?: number;
}

export interface Step {
  tier: StepTier;
  outcome: 'allow' | 'deny' | 'pass' | 'no-match';
  rule?: RuleRef;
  reason: string;
  /** NetworkPolicy tier denials: the policies that isolate the pod (no single rule decides). */
  policies?: string[];
  /** Further facts: rules overridden at the same priority, nearest misses, EKS data-plane notes. */
  details?: string[];
}

export interface SideVerdict {
  direction: Direction;
  /** The endpoint whose policies were evaluated. */
  subject: string;
  allowed: boolean;
  /** The tier of the deciding step. */
  tier: StepTier;
  steps: Step[];
}

export interface Verdict {
  allowed: boolean;
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  egress: SideVerdict;
  ingress: SideVerdict;
  warnings: string[];
}

export function ruleRef(ref: PolicyRef, semantics: string, extra: Partial<RuleRef> = {}): RuleRef {
  return {
    kind: ref.kind,
    apiVersion: ref.apiVersion,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    name: ref.name,
    semantics,
    file: ref.location.file,
    ...(ref.location.line !== undefined ? { line: ref.location.line } : {}),
    ...extra,
  };
}

export function deciding(side: SideVerdict): Step {
  return side.steps[side.steps.length - 1]!;
}
