import type { Snapshot } from '../flows/attribute.js';
import { parseTime } from '../flows/record.js';
import { buildCluster, expandLists } from '../model/build.js';
import { formatDiagnostic } from '../k8s/errors.js';
import { readDocuments } from '../sources/files.js';
import { buildOptions, readInputs, wantsLive, type InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';

/** The annotation `podwall snapshot` writes on its List: when the cluster looked like this. */
export const TAKEN_AT = 'podwall.io/taken-at';

/**
 * The cluster as it was over time: `-f` (the current state) and any `--snapshot PATH[@TIME]`
 * (TIME in ISO 8601; without it, the file's podwall.io/taken-at annotation).
 */
export async function loadSnapshots(flags: InputFlags & { snapshot?: string[] }, io: CliIO): Promise<Snapshot[]> {
  const options = buildOptions(flags);
  const out: Snapshot[] = [];
  for (const spec of flags.snapshot ?? []) {
    const at = spec.lastIndexOf('@');
    const path = at > 0 ? spec.slice(0, at) : spec;
    const docs = readDocuments([path], { readStdin: () => io.readStdin(), warn: (d) => io.err(`${formatDiagnostic(d)}\n`) });
    let time = at > 0 ? parseTime(spec.slice(at + 1)) : undefined;
    if (at > 0 && time === undefined) throw new UsageError(`--snapshot ${spec}: ${JSON.stringify(spec.slice(at + 1))} is not an ISO 8601 time`);
    if (time === undefined) {
      for (const d of docs) {
        const ann = (d.value as { metadata?: { annotations?: Record<string, unknown> } })?.metadata?.annotations?.[TAKEN_AT];
        if (typeof ann === 'string') time = parseTime(ann);
      }
    }
    if (time === undefined) throw new UsageError(`--snapshot ${path}: no time: write PATH@2026-11-20T10:00:00Z, or use a file from podwall snapshot`);
    const objects = expandLists(docs);
    out.push({ at: time, label: `${path}@${new Date(time).toISOString()}`, cluster: buildCluster(objects, options), objects });
  }
  if (flags.filename?.length || wantsLive(flags, io)) {
    // the -f (or live) cluster is the latest state: in force after every dated snapshot
    const latest = out.reduce((m, s) => Math.max(m, s.at ?? -Infinity), -Infinity);
    const label = flags.filename?.length ? flags.filename.join(',') : 'live cluster';
    const objects = await readInputs(flags, io);
    out.push({ ...(out.length ? { at: latest + 1 } : {}), label, cluster: buildCluster(objects, options), objects });
  }
  if (out.length === 0) throw new UsageError('no cluster: give manifests with -f (and optionally --snapshot PATH@TIME)');
  return out;
}
