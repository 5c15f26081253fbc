/**
 * Text for a terminal: a name or label value carrying ESC or other control characters must never
 * drive the terminal of whoever reads podwall's output. Control characters are printed escaped
 * (`\x1b`), and podwall's own colours, marked with a per-process token nobody can put in an input,
 * are the only escape sequences that reach the terminal.
 */
import { randomBytes } from 'node:crypto';

/** Marks the start of podwall's own colour sequences until the text is written. */
export const COLOUR_MARK = `\u{F8FF}${randomBytes(6).toString('hex')}[`;

// C0 controls except tab and newline, DEL and C1 controls: JSON and YAML output escape them
// already, so escaping them here changes no machine-readable result.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// ... and the Unicode bidirectional overrides that reorder what a reader sees ("Trojan Source"),
// which YAML keeps as they are: escaped only where a person reads (a terminal, stderr).
// eslint-disable-next-line no-control-regex
const CONTROLS_AND_BIDI = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Escapes every character that could act on a terminal; podwall's colour marks become ESC [. */
export function forTerminal(text: string, bidi = true): string {
  const safe = text.replace(bidi ? CONTROLS_AND_BIDI : CONTROLS, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
  return safe.includes(COLOUR_MARK) ? safe.split(COLOUR_MARK).join('\x1b[') : safe;
}
