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

export function normalizeDomainPattern(pattern: string): { ok: true; pattern: string } | { ok: false; error: string } {
  const n = normalizeDomain(pattern);
  const rest = n.startsWith('*.') ? n.slice(2) : n;
  if (rest.includes('*')) return { ok: false, error: `invalid domain name ${JSON.stringify(pattern)}: a wildcard may only be the whole first label (*.example.com)` };
  if (!isDomainName(rest) && !(n.startsWith('*.') && LABEL.test(rest))) {
    return { ok: false, error: `invalid domain name ${JSON.stringify(pattern)}` };
  }
  return { ok: true, pattern: n };
}

export function domainMatches(pattern: string, name: string): boolean {
  const n = normalizeDomain(name);
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1); // ".example.com"
    return n.length > suffix.length && n.endsWith(suffix);
  }
  return n === pattern;
}
