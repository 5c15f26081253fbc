/** An incident as podwall reports it: the blocked connection, its flows, its cause and its end. */
import type { Protocol } from '../net/protocol.js';
import type { RuleRef } from '../engine/verdict.js';
import type { ObjectChange } from './timeline.js';

export interface FlowMark {
  at: number;
  file?: string;
  line?: number;
}

/** Why the model denies the connection after the change: the side, tier, policy and rule. */
export interface DenialExplanation {
  side: 'egress' | 'ingress';
  subject: string;
  tier: string;
  decidedBy: string;
  rule?: RuleRef;
  /** NetworkPolicy isolation: the policies that isolate the pod (no single rule decides). */
  policies?: string[];
  /** The whole chain, as `podwall explain` prints it. */
  text: string;
}

export interface CausingObject extends ObjectChange {
  /** Undoing this object's change alone lets the model allow the connection again. */
  decisive: boolean;
}

export interface IncidentCause {
  change: number;
  at: number;
  before: string;
  after: string;
  /** start - at: how long the breakage went unseen in the logs. */
  detectedAfterMs: number;
  /** false: the model does not deny the connection after any change since it was last allowed (log and model disagree). */
  explained: boolean;
  explanation?: DenialExplanation;
  /** The changed objects whose policy, before or after, selects an end of the connection. */
  objects: CausingObject[];
  /** Objects changed at the same point that select neither end (they cannot have blocked it). */
  unrelatedObjects: number;
}

export type Resolution = ({ kind: 'allowed' } & FlowMark) | { kind: 'change'; at: number; change: number; label: string };

export interface Incident {
  id: number;
  /** `shop/frontend -> shop/api 8080/TCP` */
  connection: string;
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  start: FlowMark;
  end?: Resolution;
  open: boolean;
  /** end - start; for an open incident, up to the end of the observation. */
  durationMs: number;
  flows: {
    denied: number;
    lastDenied: number;
    allowedBefore: number;
    firstAllowed: number;
    lastAllowed: number;
  };
  cause: IncidentCause;
}
