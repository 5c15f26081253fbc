import { Command } from 'commander';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { parseOutput } from './inputs.js';
import type { CliIO } from './io.js';
import { existsSync } from 'node:fs';
import { UsageError } from './io.js';

interface Flags {
  db?: string;
  output?: string;
  limit?: string;
}

const pct = (x: number): string => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;

export function historyCommand(io: CliIO, setCode: (code: number) => void): Command {
  return new Command('history')
    .description('the KPI trend over recorded audit runs (podwall audit --record)')
    .option('--db <path>', `history database (default: ${defaultDbPath()})`)
    .option('--limit <n>', 'the most recent N runs', '30')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((flags: Flags) => {
      const output = parseOutput(flags.output, ['text', 'json'] as const);
      const path = flags.db ?? defaultDbPath(io.env);
      if (!existsSync(path)) throw new UsageError(`no history at ${path}: record runs with podwall audit --record`);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
      const store = new HistoryStore(path);
      const runs = store.runs(limit);
      store.close();
      if (output === 'json') {
        io.out(JSON.stringify({ runs }, null, 2) + '\n');
      } else {
        const rows = [['RUN', 'WHEN', 'CIS', 'DENY-IN', 'DENY-OUT', 'ISO-IN', 'ISO-OUT', 'ERR', 'WARN', 'STALE', 'SOURCE']];
        for (const r of runs) {
          const k = r.kpis;
          rows.push([String(r.id), r.at.slice(0, 19).replace('T', ' '), k.cisScore === null ? 'n/a' : `${k.cisScore}%`, pct(k.defaultDenyIngress), pct(k.defaultDenyEgress), pct(k.podsIsolatedIngress), pct(k.podsIsolatedEgress), String(k.findings.error), String(k.findings.warning), String(k.stalePolicies), r.label]);
        }
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
        io.out(rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
        if (runs.length >= 2) {
          const [a, b] = [runs[0]!.kpis, runs[runs.length - 1]!.kpis];
          io.out(`\ntrend over ${runs.length} runs: default-deny ingress ${pct(a.defaultDenyIngress)} -> ${pct(b.defaultDenyIngress)}, errors ${a.findings.error} -> ${b.findings.error}\n`);
        }
      }
      setCode(0);
    });
}
