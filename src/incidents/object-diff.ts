/** What changed inside a policy object: the paths whose values differ, with both values. */

export interface FieldChange {
  /** `spec.ingress[0].from[0].podSelector.matchLabels.app` */
  path: string;
  before?: unknown;
  after?: unknown;
}

/** The differing leaves (and subtrees present on one side only) between two JSON values, at most `limit`. */
export function diffValues(before: unknown, after: unknown, limit = 20): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (isObject(a) && isObject(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`);
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    out.push({ path, ...(a !== undefined ? { before: a } : {}), ...(b !== undefined ? { after: b } : {}) });
  };
  walk(before, after, '');
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
