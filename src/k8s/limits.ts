/**
 * The reader's budget. A few hundred bytes of YAML can nest aliases into millions of objects, or
 * nest collections deeper than any stack: inputs beyond these bounds are refused with file and line
 * before they can exhaust memory or the stack. Real manifests stay far below both.
 */
import { InputError } from './errors.js';

/** Collections inside collections; a Pod is about 12 deep, a large CRD schema about 100. */
export const MAX_DEPTH = 256;
/** Nodes that aliases may add, in total, per file. */
export const MAX_ALIAS_NODES = 100_000;

export function tooDeep(file: string, line: number | undefined): InputError {
  return new InputError(`collections nested more than ${MAX_DEPTH} deep: refused (is the file generated wrongly?)`, { file, ...(line !== undefined ? { line } : {}) });
}

export function tooManyAliasNodes(file: string, line: number | undefined): InputError {
  return new InputError(`aliases expand to more than ${MAX_ALIAS_NODES} nodes: refused (an alias bomb?)`, { file, ...(line !== undefined ? { line } : {}) });
}
