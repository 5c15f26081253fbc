// `podwall serve` as a child process on an ephemeral loopback port, for the tests that talk to it over HTTP:
// started, its origin read from what it says on stderr, and stopped; killAll for a file's `after`.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

/** A `podwall serve` process, listening or not yet. */
export interface Started {
  child: ChildProcess;
  /** Everything it has said on stderr so far. */
  stderr: () => string;
  /** Its end: resolves once it has exited and its streams are closed (however it was stopped). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in its stderr; rejects when it exits before saying it. */
  said: (pattern: RegExp) => Promise<RegExpExecArray>;
}

/** A `podwall serve` process that listens on `origin`. */
export interface Served extends Started {
  origin: string;
}

const running = new Set<ChildProcess>();

/** Starts `podwall serve --port 0 ARGS` (with `env` over this process's environment) without waiting for it to listen. */
export function start(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'serve', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  running.add(child);
  let err = '';
  const waiting: Array<() => void> = [];
  child.stderr!.on('data', (d) => {
    err += d;
    for (const check of [...waiting]) check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const check of [...waiting]) check();
    }),
  );
  const said = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(err);
        if (!m && running.has(child)) return;
        waiting.splice(waiting.indexOf(check), 1);
        if (m) resolve(m);
        else reject(new Error(`podwall serve exited ${child.exitCode ?? child.signalCode} before saying ${pattern}: ${err}`));
      };
      waiting.push(check);
      check();
    });
  return { child, stderr: () => err, exited, said };
}

/** Starts `podwall serve --port 0 ARGS` and waits until it listens. */
export async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const s = start(args, env);
  const m = await s.said(/serving on (http:\/\/127\.0\.0\.1:\d+)\//);
  return { ...s, origin: m[1]! };
}

/** Asks the server to stop (SIGTERM) unless it already has, and waits until it has. */
export async function stop(s: Started | undefined): Promise<void> {
  if (!s) return;
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  await s.exited;
}

/** Kills every server still running (a file's `after`: a failed test must not leave one behind). */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
}
