import { Command } from 'commander';
import { computeMatrix } from '../analysis/matrix.js';
import { Engine } from '../engine/engine.js';
import { formatMatrix, MATRIX_FORMATS } from '../report/matrix.js';
import { addInputOptions, collect, loadCluster, parseOutput, parsePortFlag, parseProtocolFlag, printWarnings, type InputFlags } from './inputs.js';
import { UsageError, type CliIO } from './io.js';

interface Flags extends InputFlags {
  namespace?: string[];
  allNamespaces?: boolean;
  port?: string;
  protocol?: string;
  output?: string;
}

export function matrixCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('matrix')
    .description('connectivity between workloads: for one port, or per port each destination exposes')
    .option('-n, --namespace <ns>', 'only connections with an end in this namespace; repeatable', collect)
    .option('-A, --all-namespaces', 'every namespace (the default)')
    .option('--port <port>', 'one destination port (default: every port each destination exposes)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP (default: TCP with --port, else every protocol)')
    .option('-o, --output <format>', MATRIX_FORMATS.join('|'), 'table');
  addInputOptions(cmd);
  return cmd.action(async (flags: Flags) => {
    const format = parseOutput(flags.output, MATRIX_FORMATS);
    if (flags.namespace && flags.allNamespaces) throw new UsageError('-n and -A exclude each other');
    const port = parsePortFlag(flags.port);
    const protocol = flags.protocol !== undefined || port !== undefined ? parseProtocolFlag(flags.protocol) : undefined;
    const cluster = await loadCluster(flags, io);
    for (const ns of flags.namespace ?? []) {
      if (!cluster.namespaces.has(ns)) throw new UsageError(`-n ${ns}: no such namespace in the input`);
    }
    const result = computeMatrix(new Engine(cluster), {
      ...(flags.namespace ? { namespaces: flags.namespace } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(protocol ? { protocol } : {}),
    });
    printWarnings(cluster, io);
    io.out(formatMatrix(result, format));
    setCode(0);
  });
}
