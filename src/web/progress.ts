/**
 * How far a heavy view has got, for the page to show while it waits (on EKS a large cluster's folded graph
 * takes minutes): the computation reports its phase and units done of total (eks-groups.ts: the agent's maps
 * of every pod, then the rows of groups), the worker thread posts that to the server at a modest rate
 * (worker.ts), and the server answers `GET /api/progress?of=QUESTION` from what the pool knows
 * (worker-pool.ts): computing with figures, waiting behind another question, or nothing under way.
 *
 * A report is also where a computation may be stopped: a sink that throws `Superseded` ends it there, between
 * two units of work, when nobody waits for its answer any more (the page asked something else).
 */

/**
 * One report: `done` of `total` `unit`s of the phase (`pods`, `namespaces`, `workloads`...); total 0: a step with no
 * figures. `step` of `steps`: which phase of the computation this is, so that a bar that starts again from nothing
 * reads as the next phase, not as the same work begun again.
 */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  unit: string;
  step?: number;
  steps?: number;
}

export type ProgressSink = (p: Progress) => void;

/** What `/api/progress` answers for one question. */
export type QuestionProgress =
  | { state: 'computing'; question: string; seconds: number; progress?: Progress }
  | { state: 'waiting'; question: string; seconds: number; behind: { question: string; progress?: Progress }[] }
  | { state: 'answered'; question: string }
  | { state: 'idle'; question: string };

/** Thrown from a progress report when the question it computes was given up: nobody waits for its answer. */
export class Superseded extends Error {
  constructor() {
    super('superseded: nobody waits for this answer any more');
  }
}

/**
 * A question as the server keys its answers: the path and its parameters sorted, so that two spellings of one
 * question share an answer and its progress.
 */
export function questionKey(url: URL): string {
  const params = new URLSearchParams([...url.searchParams].sort(([a], [b]) => a.localeCompare(b))).toString();
  // no parameters: the bare path, as a reader writes it (not "/api/graph?")
  return params ? `${url.pathname}?${params}` : url.pathname;
}
