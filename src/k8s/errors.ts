/** Where something came from: the file, the 1-based line, and the Kubernetes object it belongs to. */
export interface SourceLocation {
  file: string;
  line?: number;
  /** `Kind namespace/name` or `Kind name`, when known. */
  object?: string;
}

export type Severity = 'error' | 'warning';

/** A problem with the user's input, never with podwall itself. */
export interface Diagnostic extends SourceLocation {
  severity: Severity;
  message: string;
}

/** Thrown for invalid input; the CLI prints it as `file:line: object: message` and exits 2. */
export class InputError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(message: string, location: SourceLocation) {
    super(message);
    this.name = 'InputError';
    this.diagnostic = { ...location, severity: 'error', message };
  }
}

export function formatLocation(loc: SourceLocation): string {
  const where = loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file;
  return loc.object ? `${where}: ${loc.object}` : where;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${formatLocation(d)}: ${d.severity}: ${d.message}`;
}

export function objectLabel(kind: string, name: string | undefined, namespace?: string): string {
  const id = namespace ? `${namespace}/${name ?? '?'}` : name ?? '?';
  return `${kind} ${id}`;
}

/**
 * Several invalid objects of one run, each with its own diagnostic (up to a limit); `diagnostic` is
 * the first, so code that reports one error still reports the right one.
 */
export class InputErrors extends InputError {
  readonly diagnostics: readonly Diagnostic[];
  /** More objects were invalid than the limit let be listed. */
  readonly more: boolean;
  constructor(diagnostics: readonly Diagnostic[], more: boolean) {
    const first = diagnostics[0]!;
    super(first.message, first);
    this.diagnostics = diagnostics;
    this.more = more;
  }
}
