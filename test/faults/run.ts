/** The CLI as a child process with a deadline: every fault test is bounded in time. */
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; stdin?: number; stdout?: number; onStdout?: (chunk: Buffer, stop: () => void) => void; prefix?: string[] } = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const stdio: StdioOptions = [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'];
    const command = [...(options.prefix ?? []), process.execPath, join(ROOT, 'bin', 'podwall.js'), ...args];
    const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio, env: { ...process.env, NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      if (options.onStdout) options.onStdout(d, () => child.stdout?.destroy());
      else stdout += d;
    });
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Every name in a directory, for "nothing was left behind". */
export function listing(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Mounts as root may (a tiny tmpfs, a read-only bind): false where the test machine forbids it. */
export function tryMount(args: string[]): boolean {
  return spawnSync('mount', args, { stdio: 'ignore' }).status === 0;
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir], { stdio: 'ignore' });
}

/**
 * How to run podwall as a user that file modes stop: as root (who reads everything whatever the
 * mode) it is `nobody` through setpriv; otherwise the test's own user. undefined where root cannot
 * switch, or `nobody` cannot read the checkout.
 */
export function unprivileged(): string[] | undefined {
  if (process.getuid?.() !== 0) return [];
  const prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  const probe = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, join(ROOT, 'bin', 'podwall.js'), '--version'], { cwd: ROOT, stdio: 'ignore' });
  return probe.status === 0 ? prefix : undefined;
}
