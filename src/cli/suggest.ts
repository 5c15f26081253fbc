import type { Command, Option } from 'commander';

/** The parts of commander used here that its typings leave out (present in commander 14's lib/command.js). */
interface CommanderInternals {
  missingMandatoryOptionValue(option: Option): never;
  unknownOption(flag: string): never;
}

/**
 * commander checks required options before unknown ones, so a typo (`--form` for `--from`) is reported
 * as "required option --from not specified", which hides the "did you mean --from?" the unknown-option
 * error gives. Here a command with an unknown option reports that first. At this point commander's
 * `args` are the operands followed by everything from the first unknown option on; an operand that
 * starts with `-` only comes after `--`.
 */
export function reportUnknownBeforeMissing(cmd: Command): void {
  const c = cmd as unknown as CommanderInternals;
  const missing = c.missingMandatoryOptionValue.bind(cmd);
  c.missingMandatoryOptionValue = (option: Option): never => {
    for (const a of cmd.args) {
      if (a === '--') break;
      if (a.length > 1 && a.startsWith('-')) c.unknownOption(a);
    }
    return missing(option);
  };
}
