/**
 * Faults of the environment podwall runs in (files it cannot write, a database it cannot open, an
 * output that fills the disk): never a bug in podwall and never a problem with the manifests. The CLI
 * prints the message as one sentence and exits 2.
 */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** What an errno means to a user, and what to do about it. */
const CAUSES: Record<string, { cause: string; remedy?: string }> = {
  ENOENT: { cause: 'no such file or directory', remedy: 'check the path, or create its directory first' },
  ENOTDIR: { cause: 'a part of the path is a file, not a directory', remedy: 'check the path' },
  EISDIR: { cause: 'it is a directory', remedy: 'give a file name' },
  EACCES: { cause: 'permission denied', remedy: 'choose a location you may write, or fix its permissions' },
  EPERM: { cause: 'operation not permitted', remedy: 'choose another location' },
  EROFS: { cause: 'the file system is read-only', remedy: 'choose a writable location' },
  ENOSPC: { cause: 'no space left on the device', remedy: 'free some space or choose another location' },
  EDQUOT: { cause: 'the disk quota is exceeded', remedy: 'free some space or choose another location' },
  EEXIST: { cause: 'it already exists' },
  ELOOP: { cause: 'too many levels of symbolic links' },
  EMFILE: { cause: 'too many open files', remedy: 'raise the open-file limit (ulimit -n)' },
  EIO: { cause: 'an input/output error of the device' },
  EXDEV: { cause: 'the temporary file and the target are on different devices' },
};

/** `cause (CODE); remedy` for a Node system error, or its message when it is something else. */
export function describeSystemError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const known = code ? CAUSES[code] : undefined;
  if (known) return `${known.cause} (${code})${known.remedy ? `; ${known.remedy}` : ''}`;
  return code ? `${firstLine((e as Error).message)} (${code})` : firstLine(e instanceof Error ? e.message : String(e));
}

/** Why a file or directory could not be read, for `cannot read: ...`: a user's words, then the code. */
export function describeReadError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code}); fix its permissions, or run podwall as a user who may read it`;
  if (code === 'EIO') return 'an input/output error of the device (EIO)';
  if (code === 'EMFILE' || code === 'ENFILE') return `too many open files (${code}); raise the open-file limit (ulimit -n)`;
  return code ?? firstLine(e instanceof Error ? e.message : String(e));
}

/** A Node system error (errno): the environment failed, not podwall. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!) && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
