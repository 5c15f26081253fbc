import { Command } from 'commander';
import { stringify } from 'yaml';
import { policyObject, withoutFieldSets } from '../incidents/policy-objects.js';
import { addInputOptions, readInputs, type InputFlags } from './inputs.js';
import type { CliIO } from './io.js';
import { checkOutputTarget, writeOutputFile } from './output-file.js';
import { TAKEN_AT } from './snapshots.js';

interface Flags extends InputFlags {
  output?: string;
}

/** Fields the server manages that say nothing about policy and bloat the file. */
function clean(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const o = { ...(value as Record<string, unknown>) };
  if (o.metadata && typeof o.metadata === 'object') {
    const m = { ...(o.metadata as Record<string, unknown>) };
    // a policy keeps who last changed it and when (podwall incidents names them); field sets go
    if (m.managedFields !== undefined && policyObject({ value, file: '' })) m.managedFields = withoutFieldSets(m.managedFields);
    else delete m.managedFields;
    if (m.annotations && typeof m.annotations === 'object') {
      const a = { ...(m.annotations as Record<string, unknown>) };
      delete a['kubectl.kubernetes.io/last-applied-configuration'];
      m.annotations = a;
    }
    o.metadata = m;
  }
  return o;
}

export function snapshotCommand(io: CliIO, setCode: (code: number) => void, now: () => Date = () => new Date()): Command {
  const cmd = new Command('snapshot')
    .description('write what podwall reads (a live cluster, files) as one multi-document YAML for offline work and flow replay')
    .option('-o, --output <file>', 'write to this file (atomically) instead of stdout');
  addInputOptions(cmd);
  return cmd.action(async (f: Flags) => {
    // a target that cannot be written is said before the cluster is read
    if (f.output) checkOutputTarget(f.output);
    const objects = await readInputs(f, io, { whole: true }); // written back as read, not slimmed
    const at = now().toISOString();
    // the first document carries the time, so `--snapshot FILE` knows when this state was in force
    const header = { apiVersion: 'v1', kind: 'List', metadata: { annotations: { [TAKEN_AT]: at } }, items: [] };
    const text = [header, ...objects.map((o) => clean(o.value))].map((d) => stringify(d)).join('---\n');
    if (f.output) {
      writeOutputFile(f.output, text);
      io.err(`podwall: wrote ${objects.length} objects taken at ${at} to ${f.output}\n`);
    } else {
      io.out(text);
    }
    setCode(0);
  });
}
