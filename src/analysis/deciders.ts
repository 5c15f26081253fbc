/**
 * Who decides a connection: the Kubernetes specification (the engine) or the EKS data plane (the
 * controller/agent/program pipeline, with the specification beside it). Clients that enumerate pod pairs
 * (explain, test, the dashboard) ask a Decider, so one enumeration serves both data planes.
 */
import type { Comparison } from '../eks/compare.js';
import { Dataplanes } from '../eks/compare.js';
import { podIdentifier } from '../eks/addressing.js';
import type { Compute } from '../eks/types.js';
import type { Engine } from '../engine/engine.js';
import type { Verdict } from '../engine/verdict.js';
import { policyKey } from '../model/pods.js';
import type { Pod } from '../model/cluster.js';
import type { Connection } from '../model/endpoint.js';

export type Dataplane = 'eks' | 'kubernetes';

export interface Decision {
  allowed: boolean;
  /** The specification's verdict: on both data planes it carries the chain of tiers and rules. */
  verdict: Verdict;
  /** On the EKS data plane: both verdicts and the mechanisms where they differ. */
  comparison?: Comparison;
}

export interface Decider {
  readonly dataplane: Dataplane;
  /** The specification's engine (cluster, DNS checks). */
  readonly engine: Engine;
  decide(conn: Connection): Decision;
  /** Pods this data plane cannot tell apart share a key: each such group is decided once. */
  podKey(pod: Pod): string;
}

export function specDecider(engine: Engine): Decider {
  return { dataplane: 'kubernetes', engine, podKey: policyKey, decide: (conn) => {
    const verdict = engine.decide(conn);
    return { allowed: verdict.allowed, verdict };
  } };
}

/**
 * The EKS agent keeps maps per pod identifier (the name without its last `-segment`) and node, so pods
 * the specification cannot tell apart may still differ on EKS: the identifier joins the key.
 */
export function eksDecider(planes: Dataplanes): Decider {
  return {
    dataplane: 'eks',
    engine: planes.engine,
    podKey: (pod) => `${policyKey(pod)}\u0000${podIdentifier(pod)}`,
    decide: (conn) => {
      const comparison = planes.compare(conn);
      return { allowed: comparison.eks.allowed, verdict: comparison.kubernetes, comparison };
    },
  };
}

export function makeDecider(engine: Engine, dataplane: Dataplane, eks: () => { version: string; compute: Compute; controller?: string }): Decider {
  return dataplane === 'kubernetes' ? specDecider(engine) : eksDecider(new Dataplanes(engine.cluster, eks()));
}

