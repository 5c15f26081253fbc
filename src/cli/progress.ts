/**
 * Progress of the steps a user may wait on (reading manifests, building the model, the matrix, the
 * audit's checks), on stderr and only when stderr is a terminal: a pipe, a file or a CI log never
 * sees it, so results and machine-readable output (stdout, JSON) never carry it. It is one line,
 * redrawn in place at most ten times a second and erased when the step ends. A dumb terminal
 * (TERM=dumb) cannot erase a line, so it gets none; the line has no colour, so NO_COLOR holds.
 */
import { forTerminal } from './terminal.js';

export interface Progress {
  /** A step begins (the previous one ends); `total` when its units are known. */
  step(name: string, total?: number): void;
  /** Units of the current step done so far. */
  update(done: number): void;
  /** Erases the line: before results are written to the same terminal, and at the end. */
  end(): void;
}

export const NO_PROGRESS: Progress = { step: () => undefined, update: () => undefined, end: () => undefined };

/** Where the line goes: process.stderr, or a stand-in in tests. */
export interface ProgressTerminal {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const REDRAW_MS = 100;

/** Progress on `stream` when it is a terminal that can erase a line; else nothing. */
export function terminalProgress(stream: ProgressTerminal, env: NodeJS.ProcessEnv, now: () => number = Date.now): Progress {
  if (!stream.isTTY || env.TERM === 'dumb') return NO_PROGRESS;
  let name = '';
  let total: number | undefined;
  let started = 0;
  let drawn = 0;
  let visible = false;
  const draw = (done?: number): void => {
    const seconds = Math.floor((now() - started) / 1000);
    const count = done === undefined ? '' : total ? ` ${done}/${total} (${Math.floor((done / total) * 100)}%)` : ` ${done}`;
    const text = forTerminal(`podwall: ${name}${count}${seconds >= 2 ? `, ${seconds}s` : ''}`);
    const width = Math.max(20, (stream.columns || 80) - 1); // a pseudo-terminal may report 0 columns
    stream.write(`\r${text.slice(0, width)}\x1b[K`);
    drawn = now();
    visible = true;
  };
  return {
    step(n, t) {
      name = n;
      total = t;
      started = now();
      draw(t === undefined ? undefined : 0);
    },
    update(done) {
      if (now() - drawn >= REDRAW_MS) draw(done);
    },
    end() {
      if (visible) stream.write('\r\x1b[K');
      visible = false;
    },
  };
}
