/**
 * SQLite and file-system failures of the history database, as one sentence: the path, the cause,
 * and what to do. SQLite's own words ("unable to open database file") name neither.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeSystemError, EnvironmentError, isSystemError } from '../faults/errors.js';

const REMEDY = 'give another path with --db or $PODWALL_DB';

function cantOpenCause(path: string): string {
  try {
    if (statSync(path).isDirectory()) return 'it is a directory';
  } catch {
    // the file does not exist: look at its directory
  }
  try {
    if (!statSync(dirname(path)).isDirectory()) return 'a part of the path is a file, not a directory';
  } catch {
    return `its directory ${dirname(path)} does not exist and cannot be created`;
  }
  return 'the location cannot be written (a read-only file system, or no permission)';
}

/** `doing` is what podwall was about to do: "open", "record the run in", "read". */
export function historyError(e: unknown, path: string, doing: string): EnvironmentError {
  const at = `cannot ${doing} the history database ${path}`;
  if (isSystemError(e) && (e.code === 'EEXIST' || e.code === 'ENOTDIR')) return new EnvironmentError(`${at}: a part of the path is a file, not a directory; ${REMEDY}`);
  if (isSystemError(e)) return new EnvironmentError(`${at}: ${describeSystemError(e)}; ${REMEDY}`);
  const code = (e as { code?: unknown })?.code;
  switch (code) {
    case 'SQLITE_CANTOPEN':
      return new EnvironmentError(`${at}: ${cantOpenCause(path)}; ${REMEDY}`);
    case 'SQLITE_NOTADB':
      return new EnvironmentError(`${at}: the file is not a SQLite database; ${REMEDY}, or move the file away`);
    case 'SQLITE_CORRUPT':
    case 'SQLITE_CORRUPT_VTAB':
      return new EnvironmentError(`${at}: the database is corrupt; move it away (podwall starts a new one) or repair it with sqlite3 ".recover"`);
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_READONLY_DBMOVED':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return new EnvironmentError(`${at}: the database or its directory is read-only; ${REMEDY}`);
    case 'SQLITE_FULL':
    case 'SQLITE_IOERR_WRITE':
    case 'SQLITE_IOERR_FSYNC':
      return new EnvironmentError(`${at}: the disk is full; free some space or ${REMEDY}`);
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case 'SQLITE_BUSY_TIMEOUT':
      return new EnvironmentError(`${at}: another process held it locked for too long; try again`);
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new EnvironmentError(`${at}: ${(e as Error).message} (${code}); ${REMEDY}`);
  }
  return e instanceof EnvironmentError ? e : new EnvironmentError(`${at}: ${(e as Error)?.message ?? String(e)}`);
}
