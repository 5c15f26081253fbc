/**
 * The text of a manifest file, as deferred positions (positions.ts) need it again when something in a
 * unit is first reported. Held by default. A reader that can read the file again (src/sources/files.ts,
 * for a regular file) may let it go once the file's objects are read: a dump of hundreds of megabytes
 * then costs no memory for its text, and only the files with something reported are read again.
 */
export class SourceText {
  private held: string | undefined;

  /** @param again the same text read again, or undefined when it cannot be had the same (the file changed) */
  constructor(
    text: string,
    private readonly again?: () => string | undefined,
  ) {
    this.held = text;
  }

  get(): string | undefined {
    return this.held ?? this.again?.();
  }

  /** Lets the text go, when it can be read again. */
  release(): void {
    if (this.again) this.held = undefined;
  }
}
