/** One YAML or JSON document as a reader gives it: its value, and the file and line it starts at. */
export interface ParsedDocument {
  value: unknown;
  file: string;
  line: number;
}
