/**
 * Domain names as EKS matches them: case-insensitive, a trailing dot ignored, and `*.example.com`
 * matching one or more labels under example.com but never example.com itself.
 */
export function normalizeDomain(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isDomainName(name: string): boolean {
  const n = normalizeDomain(name);
  if (n.length === 0 || n.length > 253) return false;
  const labels = n.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]!);
}

/**
 * The pattern every CRD with `domainNames` declares (EKS ClusterNetworkPolicy and
 * ApplicationNetworkPolicy, upstream AdminNetworkPolicy v1alpha1 and ClusterNetworkPolicy v1alpha2),
 * kept character for character, `A-z` range included: labels may hold `_`, be numeric or longer
 * than 63 characters; at least two labels; `*.` only as the whole first label.
 */
const CRD_DOMAIN_PATTERN = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

export function normalizeDomainPattern(pattern: string): { ok: true; pattern: string } | { ok: false; error: string } {
  if (!CRD_DOMAIN_PATTERN.test(pattern)) {
    const why = pattern.includes('*') && !/^\*\.[^*]*$/.test(pattern) ? ': a wildcard may only be the whole first label (*.example.com)' : '';
    return { ok: false, error: `invalid domain name ${JSON.stringify(pattern)}${why} (the CRD's pattern: labels of letters, digits, '-' and '_', at least two of them, optionally '*.' first)` };
  }
  return { ok: true, pattern: normalizeDomain(pattern) };
}

export function domainMatches(pattern: string, name: string): boolean {
  const n = normalizeDomain(name);
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1); // ".example.com"
    return n.length > suffix.length && n.endsWith(suffix);
  }
  return n === pattern;
}
