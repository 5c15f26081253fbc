import { Command } from 'commander';
import { MECHANISM_LIMIT, type MatrixDataplane, type OutsideMode } from '../analysis/matrix.js';
import { streamEksMatrix } from '../analysis/matrix-eks.js';
import { streamMatrix } from '../analysis/matrix-stream.js';
import { Engine } from '../engine/engine.js';
import { OutsideWorld } from '../engine/outside.js';
import { normalizeDomain } from '../policy/domains.js';
import { MATRIX_FORMATS, markedMatrixChunks, matrixChunks } from '../report/matrix.js';
import type { Cluster } from '../model/cluster.js';
import { parseAddress } from '../net/ip.js';
import { addInputOptions, collect, loadCluster, parseOutput, parsePortFlag, parseProtocolFlag, printWarnings, type InputFlags } from './inputs.js';
import { UsageError, writeChunks, type CliIO } from './io.js';
import { addDataplaneOptions, describeChoice, eksChoice, parseDataplane, type DataplaneFlags } from './dataplane.js';

interface Flags extends InputFlags, DataplaneFlags {
  namespace?: string[];
  allNamespaces?: boolean;
  port?: string;
  protocol?: string;
  output?: string;
  outside?: string;
  exposure?: string | boolean;
}

const OUTSIDE_MODES: readonly OutsideMode[] = ['summary', 'each', 'none'];

export function matrixCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('matrix')
    .description('connectivity between workloads and with peers outside the cluster, as protocols and port ranges')
    .option('-n, --namespace <ns>', 'only connections with an end in this namespace; repeatable', collect)
    .option('-A, --all-namespaces', 'every namespace (the default)')
    .option('--port <port>', 'one destination port (default: every port, as ranges)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP (default: TCP with --port, else every protocol)')
    .option('--outside <mode>', `peers outside the pod network: ${OUTSIDE_MODES.join('|')} (default: summary; each with --exposure)`)
    .option('--exposure [peer]', 'only connections that cross the edge: what outside reaches in, what reaches out; optionally one peer (internet, a CIDR atom, an address, a domain name, node/NAME)')
    .option('-o, --output <format>', MATRIX_FORMATS.join('|'), 'table');
  addInputOptions(cmd);
  addDataplaneOptions(cmd);
  return cmd.action(async (flags: Flags) => {
    const format = parseOutput(flags.output, MATRIX_FORMATS);
    const dataplaneName = parseDataplane(flags.dataplane);
    if (flags.namespace && flags.allNamespaces) throw new UsageError('-n and -A exclude each other');
    const port = parsePortFlag(flags.port);
    const protocol = flags.protocol !== undefined || port !== undefined ? parseProtocolFlag(flags.protocol) : undefined;
    const exposure = flags.exposure !== undefined;
    const mode = parseOutside(flags.outside, exposure);
    if (exposure && mode === 'none') throw new UsageError('--exposure shows peers outside: it cannot go with --outside none');
    const cluster = await loadCluster(flags, io);
    for (const ns of flags.namespace ?? []) {
      if (!cluster.namespaces.has(ns)) throw new UsageError(`-n ${ns}: no such namespace in the input`);
    }
    const world = new OutsideWorld([cluster]);
    const peer = typeof flags.exposure === 'string' ? resolvePeer(world, flags.exposure, mode) : undefined;
    const dataplane = chooseDataplane(dataplaneName, flags, cluster, io);
    const scope = {
      ...(flags.namespace ? { namespaces: flags.namespace } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(protocol ? { protocol } : {}),
      outside: mode,
      ...(exposure ? { exposure } : {}),
      ...(peer ? { peer } : {}),
      world,
    };
    // streamed: a matrix of thousands of workloads is printed as it is computed, never held whole
    // progress per row of sources, unless the rows themselves go to the terminal
    const progress = io.progress && !process.stdout.isTTY ? io.progress : undefined;
    progress?.step('matrix: preparing');
    if (dataplane.name === 'eks') {
      // the EKS answer with the specification's beside it, marked where they differ
      const stream = streamEksMatrix(new Engine(cluster), scope, dataplane, progress ? (done) => progress.update(done) : undefined);
      printWarnings(cluster, io);
      progress?.step('matrix: workload rows', stream.sources);
      await writeChunks(io, markedMatrixChunks(stream, format));
      if (stream.unnamedDisagreements) io.err(`podwall: ${stream.unnamedDisagreements} marks where EKS and the specification disagree are left without their mechanism (more than ${MECHANISM_LIMIT} distinct ones); podwall explain names it for any connection\n`);
      setCode(0);
      return;
    }
    const stream = streamMatrix(new Engine(cluster), scope, progress ? (done) => progress.update(done) : undefined);
    printWarnings(cluster, io);
    progress?.step('matrix: workload rows', stream.sources);
    await writeChunks(io, matrixChunks(stream, format));
    setCode(0);
  });
}

function parseOutside(v: string | undefined, exposure: boolean): OutsideMode {
  if (v === undefined) return exposure ? 'each' : 'summary';
  if (!OUTSIDE_MODES.includes(v as OutsideMode)) throw new UsageError(`--outside must be one of ${OUTSIDE_MODES.join(', ')}, got ${JSON.stringify(v)}`);
  return v as OutsideMode;
}

/** A peer outside by its name, or the atom or node an address belongs to. */
function resolvePeer(world: OutsideWorld, text: string, mode: OutsideMode): string {
  if (mode === 'summary' && text === 'nodes') return text;
  const byName = world.get(text) ?? world.get(normalizeDomain(text));
  if (byName) return mode === 'summary' && byName.kind === 'node' ? 'nodes' : byName.name;
  const address = parseAddress(text);
  const atom = address ? world.peerOf(address) : undefined;
  if (atom) return mode === 'summary' && atom.kind === 'node' ? 'nodes' : atom.name;
  const known = world.peers.map((p) => p.name);
  throw new UsageError(`--exposure ${text}: no such peer outside the cluster; the policies distinguish: ${known.slice(0, 12).join(', ')}${known.length > 12 ? `, ... (${known.length} in all)` : ''}`);
}

/** The data plane the matrix answers for, stated on stderr as explain states it. */
export function chooseDataplane(name: 'eks' | 'kubernetes', flags: DataplaneFlags, cluster: Cluster, io: CliIO): MatrixDataplane {
  if (name === 'kubernetes') {
    io.err('podwall: data plane kubernetes (the specification)\n');
    return { name };
  }
  const choice = eksChoice(flags, cluster);
  io.err(`podwall: data plane eks: modelling ${describeChoice(choice)}\n`);
  return { name, version: choice.version, compute: choice.compute, controller: choice.controller };
}
