/**
 * An API answer as the bytes the server sends, made the same way wherever it was computed (the main
 * thread or a worker), so that both give byte-identical answers. An answer beyond ANSWER_LIMIT is
 * replaced by an error that says how to ask a smaller question: no client, and no cache, holds more.
 */
import type { ApiResponse } from './api-response.js';

/** The largest answer the dashboard sends (a graph of graph.ts's EDGE_LIMIT edges is a few MiB). */
export const ANSWER_LIMIT = 64 * 1024 * 1024;

export interface Answer {
  status: number;
  body: Buffer;
  /** May be kept for the next one who asks (it depends only on the inputs). */
  cacheable: boolean;
}

export function answerBytes(r: ApiResponse): Answer {
  const body = Buffer.from(JSON.stringify(r.body));
  if (body.length > ANSWER_LIMIT) {
    // the same question gives the same size: kept, so that asking again costs nothing
    return { status: 500, body: Buffer.from(JSON.stringify({ error: `the answer is larger than ${ANSWER_LIMIT / 1024 / 1024} MiB: ask a narrower question (namespace=, port=, protocol=)` })), cacheable: true };
  }
  return { status: r.status, body, cacheable: r.status < 500 };
}

/** A failure while computing: the client gets this, the server's log one line with the cause. */
export function internalError(): Answer {
  return { status: 500, body: Buffer.from(JSON.stringify({ error: 'internal error: the answer could not be computed (the server log says why)' })), cacheable: false };
}
