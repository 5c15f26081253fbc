import { Command, CommanderError } from 'commander';
import { InputError, formatDiagnostic } from '../k8s/errors.js';
import { explainCommand } from './explain.js';
import { AwsError } from '../sources/aws-eks.js';
import { LiveError } from '../sources/live.js';
import { describeSystemError, EnvironmentError, isSystemError } from '../faults/errors.js';
import { processIO, UsageError, type CliIO } from './io.js';
import { adviseCommand } from './advise.js';
import { auditCommand } from './audit.js';
import { diffCommand } from './diff.js';
import { flowsCommand } from './flows.js';
import { historyCommand } from './history.js';
import { incidentsCommand } from './incidents.js';
import { matrixCommand } from './matrix.js';
import { replayCommand } from './replay.js';
import { serveCommand } from './serve.js';
import { snapshotCommand } from './snapshot.js';
import { watchCommand } from './watch.js';
import { VERSION } from './version.js';
import { testCommand } from './test.js';
import { eksCommand } from './eks.js';

/** Runs podwall with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  const setCode = (c: number): void => {
    code = c;
  };
  const program = new Command('podwall')
    .description('Kubernetes network policy on Amazon EKS: exact verdicts, with the tier, policy and rule that decide them')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(testCommand(io, setCode));
  program.addCommand(explainCommand(io, setCode));
  program.addCommand(matrixCommand(io, setCode));
  program.addCommand(auditCommand(io, setCode));
  program.addCommand(historyCommand(io, setCode));
  program.addCommand(flowsCommand(io, setCode));
  program.addCommand(incidentsCommand(io, setCode));
  program.addCommand(diffCommand(io, setCode));
  program.addCommand(replayCommand(io, setCode));
  program.addCommand(adviseCommand(io, setCode));
  program.addCommand(snapshotCommand(io, setCode));
  program.addCommand(watchCommand(io, setCode));
  program.addCommand(serveCommand(io, setCode));
  program.addCommand(eksCommand(io, setCode));
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program)) {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    return handleError(e, io);
  }
}

/**
 * The one error path: bad input and a failing environment are one sentence naming the file, path,
 * URL or resource, exit 2; a closed output pipe ends quietly; only a bug in podwall is exit 3.
 */
export function handleError(e: unknown, io: CliIO): number {
  if (e instanceof CommanderError) {
    // help and version exit 0; usage mistakes are bad input
    return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  }
  if (e instanceof InputError) {
    io.err(`podwall: ${formatDiagnostic(e.diagnostic)}\n`);
    return 2;
  }
  if (e instanceof UsageError || e instanceof AwsError || e instanceof LiveError || e instanceof EnvironmentError) {
    io.err(`podwall: ${e.message}\n`);
    return 2;
  }
  if (isSystemError(e)) {
    // the reader of our output went away: as `| head` expects, not an error
    if (e.code === 'EPIPE') return 0;
    const what = e.path ? `${e.syscall} ${e.path}` : e.syscall;
    io.err(`podwall: ${what}: ${describeSystemError(e)}\n`);
    return 2;
  }
  io.err(`podwall: internal error (please report): ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  return 3;
}
