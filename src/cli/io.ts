import { readFileSync } from 'node:fs';

/** What a command may touch of the process: injectable so commands can run in-process in tests. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Colour only on a terminal, and never when NO_COLOR is set. */
  color: boolean;
  readStdin(): string;
  env: NodeJS.ProcessEnv;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    color: Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb',
    readStdin: () => readFileSync(0, 'utf8'),
    env: process.env,
  };
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

/** The explanation style of a command's output: colours only where io.color allows. */
export function textStyle(io: CliIO): { good(s: string): string; bad(s: string): string; dim(s: string): string; warn(s: string): string } {
  return { good: (s) => paint(io, 'green', s), bad: (s) => paint(io, 'red', s), dim: (s) => paint(io, 'dim', s), warn: (s) => paint(io, 'yellow', s) };
}

export function paint(io: CliIO, color: keyof typeof CODES, text: string): string {
  return io.color ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}
