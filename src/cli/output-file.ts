/**
 * `-o FILE`: the whole output or nothing. It is written to a temporary file beside the target and
 * renamed over it, so a reader never sees half a file; the temporary file is removed on every
 * failure, at exit and on SIGINT/SIGTERM. A process killed outright (SIGKILL, power loss) cannot
 * clean up: the next write to the same target removes the temporary files of writers that are no
 * longer running (their pid is in the name). Faults name the target and say what to do.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeSystemError, EnvironmentError } from '../faults/errors.js';

const pending = new Set<string>();

function removePending(): void {
  for (const tmp of pending) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  pending.clear();
}

const onSignal = (signal: NodeJS.Signals): void => {
  removePending();
  process.exit(signal === 'SIGINT' ? 130 : 143);
};

function track(tmp: string): void {
  if (pending.size === 0) {
    process.on('exit', removePending);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  pending.add(tmp);
}

function untrack(tmp: string): void {
  pending.delete(tmp);
  if (pending.size === 0) {
    // without a pending file the signals get their default meaning back (watch and serve stop cleanly)
    process.off('exit', removePending);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Checks the target before any work is done: its directory exists, and it is not a directory or a device. */
export function checkOutputTarget(target: string): void {
  const fail = (why: string): never => {
    throw new EnvironmentError(`cannot write ${target}: ${why}`);
  };
  try {
    const st = statSync(target);
    if (st.isDirectory()) fail('it is a directory; give a file name, e.g. -o ' + join(target, 'snapshot.yaml'));
    if (!st.isFile()) fail('it is not a regular file (a device, FIFO or socket); podwall writes files with -o, use > for anything else');
  } catch (e) {
    if (e instanceof EnvironmentError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') fail('a part of the path is a file, not a directory');
    if (code !== 'ENOENT') fail(describeSystemError(e));
  }
  const dir = dirname(target);
  try {
    if (!statSync(dir).isDirectory()) fail(`${dir} is not a directory`);
  } catch (e) {
    if (e instanceof EnvironmentError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    fail(code === 'ENOENT' ? `the directory ${dir} does not exist; create it first` : code === 'ENOTDIR' ? 'a part of the path is a file, not a directory' : describeSystemError(e));
  }
}

const tempPrefix = (target: string): string => `.${basename(target)}.podwall-`;

/** Is a process of this pid running here? (EPERM: it runs, as another user.) */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files a killed writer left beside `target`; a running writer's are kept. */
export function removeStaleTemporaries(target: string): string[] {
  const dir = dirname(target);
  const prefix = tempPrefix(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed; // the write itself says what is wrong with the directory
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || running(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** Writes `text` to `target` atomically (temporary file in the same directory, then rename). */
export function writeOutputFile(target: string, text: string): void {
  checkOutputTarget(target);
  removeStaleTemporaries(target);
  const tmp = join(dirname(target), `${tempPrefix(target)}${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  track(tmp);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw new EnvironmentError(`cannot write ${target}: ${describeSystemError(e)}`);
  } finally {
    untrack(tmp);
  }
}
