/**
 * The agent line scanner in C (native/flow-scan), when it was built: scanAgentBytes's rules for a
 * fraction of its cost per line. `npm run setup` (which `npm test`, `npm run demo` and `npm run
 * bench` run first) builds it with node-gyp when a C compiler and Node's headers are there; without
 * it, or with PODWALL_NATIVE_SCAN=0, the counting pass uses scanAgentBytes, with the same outcome
 * (test/flows/native-scan.test.ts holds the two to each other).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentBytes } from './agent-scan.js';

interface Addon {
  output(records: Int32Array, times: Float64Array): void;
  chunk(bytes: Uint8Array): void;
  lines(from: number, to: number): number;
}

/** From dist/src/flows (where this file runs, as web/ is found from dist/src/web) up to the checkout, then the addon. */
const ADDON = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'flow-scan', 'build', 'Release', 'flow_scan.node');

let loaded: Addon | null | undefined;

function addon(): Addon | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.PODWALL_NATIVE_SCAN !== '0' && existsSync(ADDON)) {
      try {
        loaded = createRequire(import.meta.url)(ADDON) as Addon;
      } catch {
        loaded = null; // built for another Node, or broken: the JavaScript scanner reads the lines
      }
    }
  }
  return loaded ?? undefined;
}

/** Is the C scanner there (and not turned off)? */
export function nativeScanAvailable(): boolean {
  return addon() !== undefined;
}

/** Numbers per line in `records`: start, end (before the newline), kind, then the AgentBytes fields. */
export const STRIDE = 11;
/** Lines per call: about 200 kB of agent lines. */
const BATCH = 1024;

/**
 * The lines of one thread's chunks, split and scanned in C a batch at a time: lines() returns how
 * many lines it scanned, and line k is records[k * STRIDE ...] (start, end, kind) with its fields
 * read by fields(). The C side keeps one set of bytes and one output per thread (use()).
 */
export class NativeAgentScanner {
  readonly records = new Int32Array(STRIDE * BATCH);
  private readonly times = new Float64Array(BATCH);

  private constructor(private readonly addon: Addon) {}

  static create(): NativeAgentScanner | undefined {
    const a = addon();
    return a ? new NativeAgentScanner(a) : undefined;
  }

  /**
   * Tells the C side the bytes lines() reads, and where to write: once per chunk, right before its
   * lines are asked for (another scanner of the thread may have spoken to it since).
   */
  use(b: Uint8Array): void {
    this.addon.output(this.records, this.times);
    this.addon.chunk(b);
  }

  /** Splits and scans the lines of use()'s bytes from `from` that end with a newline before `to`, at most BATCH of them. */
  lines(from: number, to: number): number {
    return this.addon.lines(from, to);
  }

  /** Line k's fields, when its kind is BYTES_FLOW, into `out` (as scanAgentBytes leaves them). */
  fields(k: number, out: AgentBytes): void {
    const r = this.records;
    const at = k * STRIDE;
    out.srcStart = r[at + 3]!;
    out.srcEnd = r[at + 4]!;
    out.restStart = r[at + 5]!;
    out.restEnd = r[at + 6]!;
    out.srcPort = r[at + 7]!;
    out.time = this.times[k]!;
    out.meta = r[at + 10]!;
    if (out.meta >= 0) {
      out.srcIp = r[at + 8]! >>> 0;
      out.dstIp = r[at + 9]! >>> 0;
    }
  }
}
