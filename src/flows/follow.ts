/**
 * A flow source that is followed rather than read: files that grow (`watch --flows PATH`), and
 * later a CloudWatch Logs group. Whoever follows it (`watch`) gets each flow as it is read and
 * decides when to judge it; the source only reads, parses and tells what went wrong.
 */
import type { FlowRecord } from './record.js';

/** A flow with where it was read: a file and line, or a log stream and event number. */
export interface FollowedFlow extends FlowRecord {
  file?: string;
  line?: number;
}

export interface FlowSink {
  flow(flow: FollowedFlow): void;
  /** Something the user should know (a file that vanished, a line podwall cannot read): one line, no prefix. */
  notice(message: string): void;
}

export interface FlowFollower {
  /** What it follows, for messages: the paths, the log group. */
  readonly label: string;
  /**
   * Starts following. Resolves once what was already there has been read (flows before the
   * follower started count as history), then keeps sending flows until stop(). A fault it can
   * recover from (a file rotated away, a throttled API) is a notice, never a rejection.
   */
  start(sink: FlowSink): Promise<void>;
  stop(): void;
}
