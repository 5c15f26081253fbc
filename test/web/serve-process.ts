// `podwall serve` as a child process on an ephemeral loopback port, for the tests that talk to it over HTTP:
// started, its origin read from what it says on stderr, and stopped; killAll for a file's `after`.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

export interface Served {
  origin: string;
  child: ChildProcess;
  stderr: () => string;
}

const running = new Set<ChildProcess>();

export async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'serve', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  running.add(child);
  let err = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /serving on (http:\/\/127\.0\.0\.1:\d+)\//.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`podwall serve exited ${code}: ${err}`)));
  });
  return { origin, child, stderr: () => err };
}

export async function stop(s: Served | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.on('close', r));
  running.delete(s.child);
}

/** Kills every server still running (a file's `after`: a failed test must not leave one behind). */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
}
