/**
 * What a matrix is asked and what it answers: its options (scope, ports, peers outside, data plane) and its
 * result (workloads, peers outside, edges with their disagreement marks). The vocabulary that matrix.ts, the
 * walk and both planes' computations (matrix-walk.ts, matrix-stream.ts, matrix-eks.ts) and their clients share.
 */
import type { OutsideKind, OutsideWorld } from '../engine/outside.js';
import type { PortRange } from '../engine/ports.js';
import type { Protocol } from '../net/protocol.js';

/**
 * Peers outside the pod network: `summary` folds the Node objects into one peer `nodes`, and when a
 * workload has the same answer toward every peer outside, shows it once as `outside`; `each` lists
 * every address range, domain name and node; `none` leaves them out.
 */
export type OutsideMode = 'summary' | 'each' | 'none';

export interface MatrixOptions {
  /** Only pairs with an end in these namespaces; undefined = all. */
  namespaces?: readonly string[];
  /** Leave denied pairs out: what graphs and unused-path reports need, at a fraction of the size. */
  allowedOnly?: boolean;
  /** One port (TCP unless `protocol`) instead of the whole port space; `protocol` alone: its ports only. */
  port?: number;
  protocol?: Protocol;
  outside?: OutsideMode;
  /** Only connections with one end outside the pod network: what reaches in, what reaches out. */
  exposure?: boolean;
  /** With exposure: only this peer outside (its name, e.g. `internet`). */
  peer?: string;
  /** The outside as split for several clusters at once (diff compares two on the same atoms). */
  world?: OutsideWorld;
  /**
   * Whose answer the edges give: `kubernetes` (the specification; the default of this function, the fast
   * class-level path) or `eks` (what the EKS controller and agent enforce, with `disagreement` marks).
   */
  dataplane?: MatrixDataplane;
}

/** The EKS data plane to model (agent version and compute kind), or the specification. */
export type MatrixDataplane = { name: 'kubernetes' } | { name: 'eks'; version: string; compute: 'auto' | 'ec2'; controller?: string };

/** Where the other data plane answers differently on some of an edge's ports. */
export interface Disagreement {
  /** The ports of the edge on which the other plane's answer differs, merged into ranges. */
  ports: PortRange[];
  /** The other plane's answer there (allowed for every pod pair, for some, or for none). */
  other: 'allowed' | 'denied' | 'partial';
  /** The EKS mechanisms that make the difference (src/eks/types.ts MECHANISMS), as compare.ts names them. */
  mechanisms: string[];
}

export interface WorkloadNode {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  pods: number;
}

export interface OutsideNode {
  id: string;
  /** `nodes`: every Node object, folded; `outside`: every peer outside, when they all have the same answer. */
  kind: OutsideKind | 'nodes' | 'outside';
  family?: 4 | 6;
  cidr?: string;
  except?: string[];
  /** How many peers it folds (nodes, outside). */
  members?: number;
}

export interface MatrixEdge {
  from: string;
  to: string;
  allowed: boolean;
  /** Some pod pairs of the two ends are allowed on these ports and some are not. */
  partial: boolean;
  /** The ports with this answer, merged into ranges. */
  ports: PortRange[];
  /**
   * Set when the other data plane (the specification under eks, EKS under kubernetes) answers differently on
   * some of `ports`. An edge carries one `other`: when the other plane answers in two ways on an edge's ports,
   * the edge is split in two with the same answer.
   */
  disagreement?: Disagreement;
}

export interface MatrixResult {
  workloads: WorkloadNode[];
  outside: OutsideNode[];
  edges: MatrixEdge[];
  /** The data plane the edges answer for (absent = the specification, as before). */
  dataplane?: MatrixDataplane;
  /** Marks left without mechanisms: more distinct disagreements than MECHANISM_LIMIT (explain names them). */
  unnamedDisagreements?: number;
}

/** At most this many comparisons (each switches every mechanism) name the mechanisms of one matrix. */
export const MECHANISM_LIMIT = 2000;

export const OUTSIDE = 'outside';
export const NODES = 'nodes';
