import { describeSystemError } from '../faults/errors.js';
import { readStdinText } from '../sources/files.js';
import { terminalProgress, type Progress } from './progress.js';
import { COLOUR_MARK, forTerminal } from './terminal.js';

/** What a command may touch of the process: injectable so commands can run in-process in tests. */
export interface CliIO {
  out(text: string): void;
  /** Writes a piece of a long result and resolves when stdout takes more (a slow reader holds back the producer). */
  outChunk?(text: string): Promise<void>;
  err(text: string): void;
  /** Colour only on a terminal, and never when NO_COLOR is set. */
  color: boolean;
  readStdin(): string;
  env: NodeJS.ProcessEnv;
  /** Progress of long steps (progress.ts): on a terminal's stderr only; absent in tests run in-process. */
  progress?: Progress;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function processIO(): CliIO {
  guardStdout();
  return {
    out: (t) => void process.stdout.write(forTerminal(t, Boolean(process.stdout.isTTY))),
    outChunk: (t) => (process.stdout.write(forTerminal(t, Boolean(process.stdout.isTTY))) ? Promise.resolve() : new Promise((resolve) => process.stdout.once('drain', resolve))),
    err: (t) => void process.stderr.write(forTerminal(t)),
    color: Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb',
    readStdin: readStdinText,
    env: process.env,
    progress: terminalProgress(process.stderr, process.env),
  };
}

/** A long result, piece by piece, in bounded memory where the IO allows it. */
export async function writeChunks(io: CliIO, chunks: Iterable<string>): Promise<void> {
  // progress shares the terminal with the results only when stdout is that terminal: erased first
  const sameTerminal = process.stdout.isTTY && io.progress;
  for (const chunk of chunks) {
    if (sameTerminal) io.progress!.end();
    if (!chunk) continue;
    if (io.outChunk) await io.outChunk(chunk);
    else io.out(chunk);
  }
  io.progress?.end();
}

let guarded = false;

/**
 * A reader that goes away (`podwall audit | head`) ends podwall quietly with exit 0, as Unix tools
 * do; any other failure to write the results (a full disk) is one sentence and exit 2.
 */
function guardStdout(): void {
  if (guarded) return;
  guarded = true;
  let reported = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return exitNow(0);
    if (!reported) {
      reported = true;
      process.stderr.write(`podwall: cannot write the results to standard output: ${describeSystemError(e)}\n`);
    }
    exitNow(2);
  });
}

/** Ends the process now, after the cleanup registered for exit (temporary files) has run. */
function exitNow(code: number): void {
  process.exitCode = code;
  process.exit(code);
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

/** The explanation style of a command's output: colours only where io.color allows. */
export function textStyle(io: CliIO): { good(s: string): string; bad(s: string): string; dim(s: string): string; warn(s: string): string } {
  return { good: (s) => paint(io, 'green', s), bad: (s) => paint(io, 'red', s), dim: (s) => paint(io, 'dim', s), warn: (s) => paint(io, 'yellow', s) };
}

export function paint(io: CliIO, color: keyof typeof CODES, text: string): string {
  return io.color ? `${COLOUR_MARK}${CODES[color]}m${text}${COLOUR_MARK}0m` : text;
}
