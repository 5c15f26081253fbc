/**
 * One run, every invalid object: when building the model stops at an invalid object, each object is
 * then built on its own to find the others (an object is validated without the others: names, fields,
 * selectors, ports), so a user fixes them in one go instead of one run per error. Only on that failure
 * path: a valid input is built once, as before.
 */
import { formatDiagnostic, InputError, InputErrors, type Diagnostic } from '../k8s/errors.js';
import type { SourceObject } from './source-object.js';

/** Enough to fix a batch; a file with hundreds of errors is one mistake repeated. */
export const MAX_LISTED_ERRORS = 20;

export function allInputErrors(first: InputError, objects: readonly SourceObject[], buildOne: (o: SourceObject) => unknown): InputError {
  const listed: Diagnostic[] = [first.diagnostic];
  const said = new Set([formatDiagnostic(first.diagnostic)]);
  let more = false;
  for (const o of objects) {
    try {
      buildOne(o);
    } catch (e) {
      if (!(e instanceof InputError)) continue; // not a validation error: the first one stands
      const text = formatDiagnostic(e.diagnostic);
      if (said.has(text)) continue;
      if (listed.length >= MAX_LISTED_ERRORS) {
        more = true;
        break;
      }
      said.add(text);
      listed.push(e.diagnostic);
    }
  }
  return listed.length === 1 ? first : new InputErrors(listed, more);
}
