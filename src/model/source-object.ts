/** A Kubernetes object as it was read: the parsed value and where it came from. */
export interface SourceObject {
  value: unknown;
  file: string;
  /** Absent for objects read from a live cluster. */
  line?: number;
}
