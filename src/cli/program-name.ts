import { basename } from 'node:path';

/**
 * The name podwall was run by, for help and usage: kubectl runs the plugin as `kubectl-podwall`
 * (package.json's bin), and its users type `kubectl podwall`.
 */
export function programName(script: string | undefined = process.argv[1]): string {
  const name = script ? basename(script).replace(/\.(c|m)?js$/, '') : '';
  return name.startsWith('kubectl-') ? `kubectl ${name.slice('kubectl-'.length)}` : 'podwall';
}
