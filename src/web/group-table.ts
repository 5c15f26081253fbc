/**
 * The groups a folded or focused view counts pod pairs between (workloads, namespaces, the nodes, outside
 * peers), numbered in the order they are first met, with how many members each has and whether it lies
 * outside the pod network. The focused view and the folded EKS view number their groups alike.
 */
export class GroupTable {
  readonly ids: string[] = [];
  readonly size: number[] = [];
  readonly outside: boolean[] = [];
  private readonly index = new Map<string, number>();

  /** The number of group `id`, added (with no members yet) when first met. */
  add(id: string, isOutside: boolean): number {
    let g = this.index.get(id);
    if (g === undefined) {
      this.index.set(id, (g = this.ids.length));
      this.ids.push(id);
      this.size.push(0);
      this.outside.push(isOutside);
    }
    return g;
  }

  numberOf(id: string): number | undefined {
    return this.index.get(id);
  }
}
