/**
 * Flow tuples counted in CloudWatch Logs by a Logs Insights query (src/sources/cloudwatch-query.ts),
 * through the AWS SDK for JavaScript v3 with the standard credential chain and region settings
 * (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS / AWS_ENDPOINT_URL override the endpoint, as in every AWS SDK).
 *
 * A query returns at most ROW_LIMIT rows: a span whose query hits it is cut in two and each half
 * asked again, down to MIN_SPAN_MS, where the rows that came back are kept and the lines left
 * uncounted are said. Throttling (too many concurrent queries, request rate) is waited out with a
 * bounded exponential back-off; every other failure is one sentence naming the log group. At most
 * CONCURRENCY queries run at once.
 */
import { AwsError } from './aws-eks.js';
import { flowQuery, readRow, rowFromResult, type RowResult } from './cloudwatch-query.js';
import type { AggregatedFlow } from '../flows/aggregated.js';

/** The most rows one Insights query returns. */
export const ROW_LIMIT = 10_000;
/** Spans are not cut below this: a query over one minute that still hits the limit is kept as it is. */
export const MIN_SPAN_MS = 60_000;
/** Attempts of one call while CloudWatch throttles (LimitExceededException, ThrottlingException). */
const THROTTLE_ATTEMPTS = 6;
const THROTTLE_BASE_MS = 300;
/** Queries running at once. */
const CONCURRENCY = 4;

export interface CloudWatchQuery {
  logGroup: string;
  /** The flows at or after `since` and before `until` (ms). */
  since: number;
  until: number;
  /** Times the spans are cut at, so that no tuple straddles one (the snapshots' times). */
  cutAt?: readonly number[];
  region?: string;
  /** The longest one query may run before podwall stops it (ms). */
  maxWaitMs?: number;
  onProgress?: (p: QueryProgress) => void;
}

export interface QueryProgress {
  queriesDone: number;
  queriesPending: number;
  rows: number;
  recordsScanned: number;
}

export interface CloudWatchResult {
  tuples: AggregatedFlow[];
  /** Lines counted per tuple kind, as a file's read statistics count them. */
  lines: number;
  flows: number;
  skipped: number;
  malformed: number;
  malformedExamples: { reason: string; count: number }[];
  queries: number;
  /** Spans that hit the row limit at the smallest span: some of their lines are not counted. */
  truncated: { since: number; until: number; uncounted: number }[];
  recordsScanned: number;
  bytesScanned: number;
}

/** The subset of the SDK client podwall uses (the real one is loaded only when asked). */
interface LogsClient {
  send(command: unknown): Promise<unknown>;
  destroy(): void;
}

interface QueryOutput {
  rows: RowResult[];
  counted: number;
  matched: number;
  scanned: number;
  bytes: number;
  rowsReturned: number;
}

export async function queryFlowTuples(q: CloudWatchQuery): Promise<CloudWatchResult> {
  if (!(q.until > q.since)) throw new AwsError(`log group ${q.logGroup}: the time range is empty (--since must come before --until)`);
  // The SDK warns on Node below 22 about its future releases (see src/sources/aws-eks.ts).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-cloudwatch-logs'); // loaded only when asked: it costs start-up
  // podwall's own back-off handles throttling; the SDK's retries would hide how long it waited
  const client: LogsClient = new sdk.CloudWatchLogsClient({ ...(q.region ? { region: q.region } : {}), maxAttempts: 1 });
  const result: CloudWatchResult = { tuples: [], lines: 0, flows: 0, skipped: 0, malformed: 0, malformedExamples: [], queries: 0, truncated: [], recordsScanned: 0, bytesScanned: 0 };
  const spans = cut(q.since, q.until, q.cutAt ?? []);
  let pending = spans.length;
  const progress = (): void => q.onProgress?.({ queriesDone: result.queries, queriesPending: pending, rows: result.tuples.length, recordsScanned: result.recordsScanned });
  /** One span's answer: its rows kept, or its two halves to ask again when it hit the row limit. */
  const settle = (out: QueryOutput, since: number, until: number): [number, number][] => {
    result.queries++;
    pending--;
    result.recordsScanned += out.scanned;
    result.bytesScanned += out.bytes;
    const full = out.rowsReturned >= ROW_LIMIT || out.counted < out.matched;
    if (full && until - since > MIN_SPAN_MS) {
      const mid = since + Math.floor((until - since) / 2);
      pending += 2;
      return [
        [since, mid],
        [mid, until],
      ];
    }
    if (full) result.truncated.push({ since, until, uncounted: Math.max(0, out.matched - out.counted) });
    for (const r of out.rows) {
      if (r.kind === 'flow') {
        result.tuples.push(r.tuple);
        result.lines += r.tuple.count;
        result.flows += r.tuple.count;
      } else if (r.kind === 'skip') {
        result.lines += r.count;
        result.skipped += r.count;
      } else {
        result.lines += r.count;
        result.malformed += r.count;
        if (result.malformedExamples.length < 5) result.malformedExamples.push({ reason: r.reason, count: r.count });
      }
    }
    return [];
  };
  // a few queries at a time: an account runs few Logs Insights queries at once (more are throttled)
  const slot = slots(CONCURRENCY);
  let failed = false;
  const ask = async ([since, until]: [number, number]): Promise<void> => {
    const out = await slot(() => {
      if (failed) throw new AwsError('stopped after another query failed');
      progress();
      return runQuery(client, sdk, q, since, until);
    });
    await Promise.all(settle(out, since, until).map(ask));
  };
  try {
    await Promise.all(spans.map(ask)).catch((e: unknown) => {
      failed = true; // queries still waiting for a slot are not started
      throw e;
    });
    progress();
    return result;
  } catch (e) {
    throw explain(e, q);
  } finally {
    client.destroy();
  }
}

/** Runs the tasks given to it, at most `n` at a time. */
function slots(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = n;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((r) => waiting.push(r));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/** [since, until) cut at the given times that fall inside it. */
function cut(since: number, until: number, at: readonly number[]): [number, number][] {
  const inside = [...new Set(at)].filter((t) => t > since && t < until).sort((a, b) => a - b);
  const edges = [since, ...inside, until];
  return edges.slice(1).map((e, i) => [edges[i]!, e]);
}

type Sdk = typeof import('@aws-sdk/client-cloudwatch-logs');

async function runQuery(client: LogsClient, sdk: Sdk, q: CloudWatchQuery, since: number, until: number): Promise<QueryOutput> {
  const start = (await throttled(() =>
    client.send(
      new sdk.StartQueryCommand({
        logGroupName: q.logGroup,
        // whole seconds, both ends included; the query itself compares milliseconds
        startTime: Math.floor(since / 1000),
        endTime: Math.ceil(until / 1000),
        queryString: flowQuery(since, until),
        limit: ROW_LIMIT,
      }),
    ),
  )) as { queryId?: string };
  const queryId = start.queryId;
  if (!queryId) throw new AwsError(`log group ${q.logGroup}: StartQuery returned no query id`);
  const deadline = Date.now() + (q.maxWaitMs ?? 15 * 60_000);
  let wait = 250;
  for (;;) {
    const res = (await throttled(() => client.send(new sdk.GetQueryResultsCommand({ queryId })))) as {
      status?: string;
      results?: { field?: string; value?: string }[][];
      statistics?: { recordsMatched?: number; recordsScanned?: number; bytesScanned?: number };
      nextToken?: string;
    };
    switch (res.status) {
      case 'Complete': {
        const raw = [...(res.results ?? [])];
        // later API versions page long results
        for (let token = res.nextToken; token; ) {
          const more = (await throttled(() => client.send(new sdk.GetQueryResultsCommand({ queryId, nextToken: token })))) as { results?: { field?: string; value?: string }[][]; nextToken?: string };
          raw.push(...(more.results ?? []));
          token = more.nextToken;
        }
        const rows = raw.map((r) => readRow(rowFromResult(r)));
        const counted = rows.reduce((n, r) => n + (r.kind === 'flow' ? r.tuple.count : r.count), 0);
        const s = res.statistics ?? {};
        return { rows, counted, matched: s.recordsMatched ?? counted, scanned: s.recordsScanned ?? 0, bytes: s.bytesScanned ?? 0, rowsReturned: raw.length };
      }
      case 'Failed':
        throw new AwsError(`log group ${q.logGroup}: the Logs Insights query ${queryId} failed (${span(since, until)}); try again, or a shorter --since/--until range`);
      case 'Cancelled':
        throw new AwsError(`log group ${q.logGroup}: the Logs Insights query ${queryId} was cancelled (${span(since, until)}), by someone else or by CloudWatch; run podwall again`);
      case 'Timeout':
        throw new AwsError(`log group ${q.logGroup}: the Logs Insights query ${queryId} timed out in CloudWatch (${span(since, until)}); give a shorter --since/--until range`);
      case 'Scheduled':
      case 'Running':
        break;
      default:
        throw new AwsError(`log group ${q.logGroup}: the Logs Insights query ${queryId} is in state ${res.status ?? '(none)'} (${span(since, until)}); run podwall again`);
    }
    if (Date.now() + wait > deadline) {
      await client.send(new sdk.StopQueryCommand({ queryId })).catch(() => undefined);
      throw new AwsError(`log group ${q.logGroup}: the Logs Insights query ${queryId} did not finish within ${Math.round((q.maxWaitMs ?? 15 * 60_000) / 1000)} s (${span(since, until)}); it was stopped: give a shorter --since/--until range, or a longer --cloudwatch-timeout`);
    }
    await sleep(wait);
    wait = Math.min(wait * 1.5, 5000);
  }
}

const THROTTLED = new Set(['LimitExceededException', 'ThrottlingException', 'TooManyRequestsException', 'ServiceUnavailableException', 'ServiceUnavailable', 'InternalServerError']);

/** The call, again after a growing wait while CloudWatch throttles; the last error after THROTTLE_ATTEMPTS. */
async function throttled<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      const retry = THROTTLED.has(err.name ?? '') || (err.$metadata?.httpStatusCode ?? 0) >= 500;
      if (!retry || attempt >= THROTTLE_ATTEMPTS) throw e;
      const delay = THROTTLE_BASE_MS * 2 ** (attempt - 1);
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function span(since: number, until: number): string {
  return `${new Date(since).toISOString()} to ${new Date(until).toISOString()}`;
}

function explain(e: unknown, q: CloudWatchQuery): Error {
  if (e instanceof AwsError) return e;
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const where = `log group ${q.logGroup}${q.region ? ` in ${q.region}` : ''}`;
  switch (err.name) {
    case 'ResourceNotFoundException':
      return new AwsError(`${where}: no such log group (${err.message ?? err.name}); the EKS agent writes to /aws/eks/CLUSTER/cluster when enableCloudWatchLogs is on: check the name and the region`);
    case 'AccessDeniedException':
    case 'UnauthorizedException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
      return new AwsError(`${where}: access denied: the credentials need logs:StartQuery, logs:GetQueryResults and logs:StopQuery on this log group (${err.message ?? err.name})`);
    case 'LimitExceededException':
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return new AwsError(`${where}: CloudWatch Logs is throttling queries (too many running at once in this account, or too many requests), still after ${THROTTLE_ATTEMPTS} attempts; try again later`);
    case 'MalformedQueryException':
      return new AwsError(`${where}: CloudWatch Logs rejected podwall's query (${err.message ?? err.name}); please report it`);
    case 'InvalidParameterException':
      return new AwsError(`${where}: ${err.message ?? 'invalid parameter'}`);
    case 'CredentialsProviderError':
      return new AwsError(`${where}: no AWS credentials found (environment, shared config/credentials files, SSO, or instance/container role)`);
  }
  if (err.message?.includes('Region is missing') || err.message?.includes('Region not accepted')) return new AwsError(`${where}: no AWS region: give --region or set AWS_REGION`);
  const status = err.$metadata?.httpStatusCode;
  return new AwsError(`${where}: the Logs Insights query failed${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`);
}
