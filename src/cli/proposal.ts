/**
 * How `diff --to` and `replay --proposed` read a proposal: by default an overlay with `kubectl apply`
 * semantics (the changed files of a pull request are enough), or with --replace-all the complete
 * policy set that replaces every policy of the current state.
 */
import type { Command } from 'commander';
import { overlay, parseDeletion, withPolicies, type Deletion } from '../analysis/overlay.js';
import { InputError } from '../k8s/errors.js';
import type { SourceObject } from '../model/build.js';
import { readText } from '../sources/files.js';
import { collect, readObjects } from './inputs.js';
import { UsageError, type CliIO } from './io.js';

export interface ProposalFlags {
  replaceAll?: boolean;
  delete?: string[];
  deleteFrom?: string[];
}

/** What the proposal did to the current state, for the output. */
export type ProposalSummary =
  | { mode: 'overlay'; replaced: string[]; added: string[]; deleted: string[] }
  | { mode: 'replace-all' };

export function addProposalOptions(cmd: Command): Command {
  return cmd
    .option('--replace-all', 'the proposal is the complete policy set: every current policy it does not define is removed')
    .option('--delete <KIND/NS/NAME>', 'an object the proposal removes (KIND/NAME when cluster-scoped; KIND.GROUP/... when the kind is in two groups); repeatable', collect)
    .option('--delete-from <file>', 'a file of such removals, one a line (# comments); repeatable', collect);
}

export function readProposal(base: readonly SourceObject[], paths: readonly string[], flags: ProposalFlags, io: CliIO): { objects: SourceObject[]; summary: ProposalSummary } {
  const changes = readObjects(paths, io);
  const deletions = readDeletions(flags, io);
  if (flags.replaceAll) {
    if (deletions.length) throw new UsageError('--delete and --delete-from are for an overlay: with --replace-all, a policy the proposal does not define is already removed');
    return { objects: withPolicies(base, changes), summary: { mode: 'replace-all' } };
  }
  const r = overlay(base, changes, deletions);
  if (r.unmatched.length) throw new UsageError(`--delete ${r.unmatched.join('; ')}`);
  return { objects: r.objects, summary: { mode: 'overlay', replaced: r.replaced, added: r.added, deleted: r.deleted } };
}

function readDeletions(flags: ProposalFlags, io: CliIO): Deletion[] {
  const out: Deletion[] = [];
  for (const text of flags.delete ?? []) {
    const d = parseDeletion(text);
    if (typeof d === 'string') throw new UsageError(`--delete: ${d}`);
    out.push(d);
  }
  for (const file of flags.deleteFrom ?? []) {
    const name = file === '-' ? '<stdin>' : file;
    readText(file, { readStdin: () => io.readStdin() }).split('\n').forEach((raw, i) => {
      const line = raw.replace(/#.*/, '').trim();
      if (!line) return;
      const d = parseDeletion(line);
      if (typeof d === 'string') throw new InputError(d, { file: name, line: i + 1 });
      out.push(d);
    });
  }
  return out;
}

/** One line saying which mode was used and what the overlay changed. */
export function describeProposal(s: ProposalSummary): string {
  if (s.mode === 'replace-all') return 'proposal: --replace-all (the complete policy set; current policies it does not define are removed)';
  const part = (n: number, what: string): string => `${n} ${what}`;
  return `proposal: overlay as kubectl apply (${part(s.replaced.length, 'replaced')}, ${part(s.added.length, 'added')}, ${part(s.deleted.length, 'deleted')}; --replace-all for a complete policy set)`;
}
