import { Command, CommanderError } from 'commander';
import { InputError, InputErrors, formatDiagnostic } from '../k8s/errors.js';
import { AwsError } from '../sources/aws-eks.js';
import { LiveError } from '../sources/live.js';
import { describeSystemError, EnvironmentError, isSystemError } from '../faults/errors.js';
import { processIO, UsageError, type CliIO } from './io.js';
import { programName } from './program-name.js';
import { reportUnknownBeforeMissing } from './suggest.js';
import { VERSION } from './version.js';

type CommandFactory = (io: CliIO, setCode: (c: number) => void) => Command;

/**
 * Each command's module is imported only when it runs (or for help, all of them): importing them all
 * costs more start-up than most commands take, and `--version` needs none.
 */
const COMMANDS: Record<string, () => Promise<CommandFactory>> = {
  test: async () => (await import('./test.js')).testCommand,
  explain: async () => (await import('./explain.js')).explainCommand,
  matrix: async () => (await import('./matrix.js')).matrixCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  history: async () => (await import('./history.js')).historyCommand,
  flows: async () => (await import('./flows.js')).flowsCommand,
  diff: async () => (await import('./diff.js')).diffCommand,
  replay: async () => (await import('./replay.js')).replayCommand,
  advise: async () => (await import('./advise.js')).adviseCommand,
  snapshot: async () => (await import('./snapshot.js')).snapshotCommand,
  watch: async () => (await import('./watch.js')).watchCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  incidents: async () => (await import('./incidents.js')).incidentsCommand,
  eks: async () => (await import('./eks.js')).eksCommand,
};

/** The commands this argv needs: the one it names, none for the version, else all (help, typos). */
function commandsFor(argv: readonly string[]): string[] {
  const first = argv[0];
  if (first !== undefined && first in COMMANDS) return [first];
  if (first === '--version' || first === '-V') return [];
  return Object.keys(COMMANDS);
}

/** Runs podwall with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  const setCode = (c: number): void => {
    code = c;
  };
  const program = new Command(programName())
    .description('Kubernetes network policy on Amazon EKS: exact verdicts, with the tier, policy and rule that decide them')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  for (const name of commandsFor(argv)) program.addCommand((await COMMANDS[name]!())(io, setCode));
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program)) {
    cmd.exitOverride();
    reportUnknownBeforeMissing(cmd);
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
  io.progress?.end();
  if (e instanceof CommanderError) {
    // help and version exit 0; usage mistakes are bad input
    return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  }
  if (e instanceof InputErrors) {
    for (const d of e.diagnostics) io.err(`podwall: ${formatDiagnostic(d)}\n`);
    io.err(`podwall: ${e.diagnostics.length}${e.more ? ' invalid objects shown; there are more' : ' invalid objects'}\n`);
    return 2;
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
