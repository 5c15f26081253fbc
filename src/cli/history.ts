import { Command } from 'commander';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { parseOutput } from './inputs.js';
import type { CliIO } from './io.js';
import { existsSync } from 'node:fs';
import { UsageError } from './io.js';
import { formatDuration } from '../report/duration.js';
import { normalizedLabel } from '../store/cluster.js';

interface Flags {
  db?: string;
  output?: string;
  limit?: string;
  clusterName?: string;
}

const pct = (x: number): string => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;

export function historyCommand(io: CliIO, setCode: (code: number) => void): Command {
  return new Command('history')
    .description('the KPI trend over recorded audit runs (podwall audit --record)')
    .option('--db <path>', `history database (default: ${defaultDbPath()})`)
    .option('--limit <n>', 'the most recent N runs', '30')
    .option('--cluster-name <name>', 'only what was recorded for this cluster (the name audit, watch and flows summary --record wrote: their --cluster-name, EKS cluster, kubeconfig context or input files); rows recorded before podwall named clusters count when their label names it')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((flags: Flags) => {
      const output = parseOutput(flags.output, ['text', 'json'] as const);
      const path = flags.db ?? defaultDbPath(io.env);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
      const nothing = `nothing recorded yet in ${path}: record runs with podwall audit --record (or flows summary --record)\n`;
      // nothing recorded is an answer, not an error (exit 0): an empty result, and the reason on stderr
      if (!existsSync(path)) {
        io.err(nothing);
        if (output === 'json') io.out(JSON.stringify({ runs: [], flows: [] }, null, 2) + '\n');
        return setCode(0);
      }
      const store = new HistoryStore(path, { warn: (m) => io.err(`podwall: warning: ${m}\n`) });
      const name = flags.clusterName;
      // as serve scopes its history: the cluster's rows, and unnamed rows labelled with its name
      const labels = name === undefined ? undefined : new Set([name, `cluster:${name}`].map(normalizedLabel));
      const scope = name === undefined ? undefined : { cluster: name, orLabel: (label: string) => labels!.has(normalizedLabel(label)) };
      const runs = store.runs(limit, scope);
      const flows = store.flowSummaries(limit, scope);
      const incidents = store.incidentFigures(flows.map((f) => f.id));
      store.close();
      if (!runs.length && !flows.length) io.err(name === undefined ? nothing : `nothing recorded for cluster ${name} in ${path}: record with --cluster-name ${name} (podwall audit --record, watch --record, flows summary --record)\n`);
      if (output === 'json') {
        io.out(JSON.stringify({ runs, flows: flows.map((f) => ({ id: f.id, at: f.at, label: f.label, ...(f.cluster !== undefined ? { cluster: f.cluster } : {}), first: f.summary.first, last: f.summary.last, denied: f.summary.denied, allowed: f.summary.allowed, blockedPerWeek: f.summary.blockedPerWeek, deniedPerWeek: f.summary.deniedPerWeek, ...(incidents.has(f.id) ? { incidents: incidents.get(f.id) } : {}) })) }, null, 2) + '\n');
      } else if (runs.length || flows.length) {
        const rows = [['RUN', 'WHEN', 'CIS', 'DENY-IN', 'DENY-OUT', 'ISO-IN', 'ISO-OUT', 'ERR', 'WARN', 'STALE', 'CLUSTER', 'SOURCE']];
        for (const r of runs) {
          const k = r.kpis;
          rows.push([String(r.id), r.at.slice(0, 19).replace('T', ' '), k.cisScore === null ? 'n/a' : `${k.cisScore}%`, pct(k.defaultDenyIngress), pct(k.defaultDenyEgress), pct(k.podsIsolatedIngress), pct(k.podsIsolatedEgress), String(k.findings.error), String(k.findings.warning), String(k.stalePolicies), r.cluster ?? '-', r.label]);
        }
        const widths = rows[0]!.map((_, i) => rows.reduce((w, row) => Math.max(w, row[i]!.length), 0)); // no spread: runs may be many
        io.out(rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
        if (runs.length >= 2) {
          const [a, b] = [runs[0]!.kpis, runs[runs.length - 1]!.kpis];
          io.out(`\ntrend over ${runs.length} runs: default-deny ingress ${pct(a.defaultDenyIngress)} -> ${pct(b.defaultDenyIngress)}, errors ${a.findings.error} -> ${b.findings.error}\n`);
        }
        if (flows.length) {
          io.out('\nFLOWS  WHEN                 DENIED  BLOCKED/WEEK  INCIDENTS  OPEN  MTTR      SOURCE\n');
          for (const f of flows) {
            const i = incidents.get(f.id);
            const figures = i ? `${String(i.count).padStart(9)}  ${String(i.open).padStart(4)}  ${(i.mttrMs === undefined ? '-' : formatDuration(i.mttrMs)).padEnd(8)}` : `${'-'.padStart(9)}  ${'-'.padStart(4)}  ${'-'.padEnd(8)}`;
            io.out(`${String(f.id).padEnd(5)}  ${f.at.slice(0, 19).replace('T', ' ')}  ${String(f.summary.denied).padStart(6)}  ${String(f.summary.blockedPerWeek).padStart(12)}  ${figures}  ${f.label}\n`);
          }
        }
      }
      setCode(0);
    });
}
