/**
 * YAML and JSON text to plain JS values, with the line of every object, key and item (positions.ts),
 * so that later validation points at the exact field. Three readers, fastest first: JSON by
 * JSON.parse (json-reader.ts), the YAML Kubernetes tools write by a line-oriented reader
 * (yaml-fast.ts), and everything else by the complete YAML reader (yaml-full.ts). All of them keep
 * the same budget (limits.ts) and agree on values and lines.
 */
import { readJson } from './json-reader.js';
import type { ParsedDocument } from './parsed-document.js';
import { SourceText } from './source-text.js';
import { readYamlFast } from './yaml-fast.js';
import { readYamlFully } from './yaml-full.js';

export { lineOf } from './positions.js';

export type { ParsedDocument } from './parsed-document.js';

/**
 * Parses a multi-document YAML (or JSON) text; syntax errors are InputErrors naming file and line.
 * `source` is how deferred positions get the text again later (source-text.ts); by default the text is kept.
 */
export function parseDocuments(text: string, file: string, source: SourceText = new SourceText(text)): ParsedDocument[] {
  if (/^\s*[[{]/.test(text.slice(0, 1000))) {
    const docs = readJson(text, file, source);
    if (docs) return docs;
  }
  return readYamlFast(text, file, source) ?? readYamlFully(text, file);
}
