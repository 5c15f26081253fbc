/**
 * One formatter per output format of `podwall diff`, each writing its text in chunks as the changes
 * come from the walk (analysis/diff.ts), so that hundreds of thousands of changes are printed without
 * being held. The header's counts come from the walk's summary, read before the first change.
 */
import type { DiffChange, DiffStream, DiffSummary } from '../analysis/diff.js';
import type { MatrixDataplane } from '../analysis/matrix.js';
import { describeRanges, intersectRanges } from '../engine/ports.js';
import { csvCell } from './matrix.js';

export type DiffFormat = 'text' | 'json' | 'md' | 'csv';
export const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'json', 'md', 'csv'];

/** Colours a mark for a terminal (text only); the identity elsewhere. */
export type Paint = (color: 'yellow' | 'red' | 'dim', text: string) => string;

export interface DiffContext {
  /** The line that says what the proposal did (text, md). */
  proposalLine: string;
  /** The proposal's summary and the data plane, as JSON states them. */
  proposal: unknown;
  dataplane: MatrixDataplane;
  paint?: Paint;
}

const CHUNK = 1 << 16;

/** The text of `format`, in pieces of about CHUNK characters. */
export function diffChunks(d: DiffStream, format: DiffFormat, context: DiffContext): Generator<string> {
  switch (format) {
    case 'json':
      return json(d, context);
    case 'md':
      return markdown(d, context);
    case 'text':
      return text(d, context);
    case 'csv':
      return chunked(csvLines(d));
  }
}

/** Lines made by `lines`, each with its newline, gathered into chunks. */
function* chunked(lines: Iterable<string>): Generator<string> {
  let text = '';
  for (const line of lines) {
    text += line + '\n';
    if (text.length >= CHUNK) {
      yield text;
      text = '';
    }
  }
  yield text;
}

function* text(d: DiffStream, context: DiffContext): Generator<string> {
  yield* chunked(textLines(d, context));
}

function* textLines(d: DiffStream, { proposalLine, paint = (_c, t) => t }: DiffContext): Generator<string> {
  const s = d.summary();
  yield proposalLine;
  if (s.newlyAllowed + s.newlyDenied === 0) {
    yield 'no connection changes';
    yield* otherOnlyLines(s, paint);
    return;
  }
  yield `${s.newlyAllowed} newly allowed, ${s.newlyDenied} newly denied`;
  yield '';
  for (const c of d.changes()) {
    const mark = c.change === 'newly-allowed' ? paint('yellow', '+ allow') : paint('red', '- deny ');
    const on = c.ports[0]!;
    yield `${mark} ${c.from} -> ${c.to} ${describeRanges(c.ports)}${c.somePods ? ' (some pods)' : ''}${c.disagreement ? `  [eks≠spec on ${describeRanges(c.disagreement.ports)}: ${c.disagreement.mechanisms.join(', ')}]` : ''}`;
    yield `    before (${on.protocol} ${on.from}): ${c.before}`;
    yield `    after  (${on.protocol} ${on.from}): ${c.after}`;
  }
  yield* otherOnlyLines(s, paint);
}

/** Changes only the other data plane would show. */
function* otherOnlyLines(s: DiffSummary, paint?: Paint): Generator<string> {
  if (!s.otherPlaneOnly) return;
  yield '';
  yield 'only on the other data plane (eks≠spec; this one keeps its answer):';
  for (const c of s.otherPlaneOnly) {
    const mark = c.change === 'newly-allowed' ? '+ allow' : '- deny ';
    yield `  ${paint ? paint('dim', mark) : mark} ${c.from} -> ${c.to} ${describeRanges(c.ports)}`;
  }
}

function* markdown(d: DiffStream, context: DiffContext): Generator<string> {
  yield* chunked(markdownLines(d, context));
}

function* markdownLines(d: DiffStream, { proposalLine }: DiffContext): Generator<string> {
  const s = d.summary();
  yield* ['## podwall diff', '', proposalLine, '', `${s.newlyAllowed} newly allowed, ${s.newlyDenied} newly denied`, ''];
  if (s.newlyAllowed + s.newlyDenied > 0) {
    const marks = s.marked;
    yield `| change | from | to | ports | after |${marks ? ' eks≠spec |' : ''}`;
    yield `| --- | --- | --- | --- | --- |${marks ? ' --- |' : ''}`;
    // the table shows the explanation after the change only
    for (const c of d.changes('after')) {
      yield `| ${c.change}${c.somePods ? ' (some pods)' : ''} | ${c.from} | ${c.to} | ${describeRanges(c.ports)} | ${c.after.replace(/\|/g, '\\|')} |${marks ? ` ${c.disagreement ? `${describeRanges(c.disagreement.ports)}: ${c.disagreement.mechanisms.join(', ')}` : ''} |` : ''}`;
    }
  }
  yield* otherOnlyLines(s);
}

/** JSON.stringify({ dataplane, ...DiffResult, proposal }, null, 2), written as the changes come. */
function* json(d: DiffStream, { dataplane, proposal }: DiffContext): Generator<string> {
  const s = d.summary();
  const field = (key: string, value: unknown, last = false): string => `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}${last ? '' : ','}\n`;
  const item = (c: DiffChange): string => '    ' + JSON.stringify(c, null, 2).replace(/\n/g, '\n    ');
  yield '{\n' + field('dataplane', dataplane);
  let text = '';
  let first = true;
  for (const c of d.changes()) {
    text += first ? `  "changes": [\n${item(c)}` : `,\n${item(c)}`;
    first = false;
    if (text.length >= CHUNK) {
      yield text;
      text = '';
    }
  }
  yield first ? '  "changes": [],\n' : `${text}\n  ],\n`;
  yield (s.otherPlaneOnly ? field('otherPlaneOnly', s.otherPlaneOnly) : '') + field('newlyAllowed', s.newlyAllowed) + field('newlyDenied', s.newlyDenied) + field('proposal', proposal, true) + '}\n';
}

/**
 * One line per port range, without explanations (podwall explain gives any one): from,to,protocol,
 * from_port,to_port,change,some_pods,eks_spec_differs_on (under --dataplane eks, the ports of the range
 * where the specification answers differently). Changes only the other plane shows come last, their
 * change prefixed `other-plane-`.
 */
function* csvLines(d: DiffStream): Generator<string> {
  const s = d.summary();
  yield 'from,to,protocol,from_port,to_port,change,some_pods,eks_spec_differs_on';
  for (const c of d.unexplained()) {
    const head = `${csvCell(c.from)},${csvCell(c.to)},`;
    for (const r of c.ports) {
      const differs = c.disagreement ? intersectRanges([r], c.disagreement.ports) : [];
      yield `${head}${csvCell(r.protocol)},${r.from},${r.to},${c.change},${c.somePods},${differs.length ? csvCell(describeRanges(differs)) : ''}`;
    }
  }
  for (const c of s.otherPlaneOnly ?? []) {
    for (const r of c.ports) yield `${csvCell(c.from)},${csvCell(c.to)},${csvCell(r.protocol)},${r.from},${r.to},other-plane-${c.change},,`;
  }
}
