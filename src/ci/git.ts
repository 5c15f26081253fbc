/** The manifests as they are at another commit (the pull request's base), read from git without a checkout. */
import { execFileSync } from 'node:child_process';
import { relative, resolve } from 'node:path';
import { InputError } from '../k8s/errors.js';
import { parseDocuments } from '../k8s/yaml.js';
import { expandLists, type SourceObject } from '../model/build.js';

const MANIFEST = /\.(ya?ml|json)$/;

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new InputError(`git ${args.join(' ')}: ${(err.stderr || err.message).trim().split('\n')[0]}`, { file: cwd });
  }
}

/** The commit a ref names, or a clear error naming the ref. */
export function resolveCommit(cwd: string, ref: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new InputError(`base ref ${JSON.stringify(ref)} is not a commit in this repository (with actions/checkout, set fetch-depth: 0)`, { file: cwd });
  }
}

/**
 * Every manifest (`.yaml`, `.yml`, `.json`) under `paths` at `commit`, parsed with the file named
 * `REF:path` so that errors say which version is wrong. A path missing at that commit adds nothing
 * (the pull request may create it).
 */
export function objectsAtCommit(cwd: string, commit: string, ref: string, paths: readonly string[]): SourceObject[] {
  const root = git(cwd, ['rev-parse', '--show-toplevel']).trim();
  const rel = paths.map((p) => relative(root, resolve(cwd, p)) || '.');
  const files = git(root, ['ls-tree', '-r', '--name-only', '-z', commit, '--', ...rel])
    .split('\0')
    .filter((f) => f && MANIFEST.test(f) && !f.split('/').some((part) => part.startsWith('.')))
    .sort();
  return expandLists(files.flatMap((f) => parseDocuments(git(root, ['show', `${commit}:${f}`]), `${ref}:${f}`)));
}
