/** IPv4 and IPv6 addresses and CIDR blocks, as 32- and 128-bit integers. */
export interface Address {
  family: 4 | 6;
  value: bigint;
  text: string;
}

export interface Cidr {
  family: 4 | 6;
  /** The network address, host bits cleared. */
  base: bigint;
  bits: number;
  text: string;
}

export function parseAddress(text: string): Address | undefined {
  const t = text.trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === undefined ? undefined : { family: 6, value: v, text: t };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { family: 4, value: BigInt(v), text: t };
}

function parseV4(t: string): number | undefined {
  const parts = t.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const x = Number(p);
    if (x > 255) return undefined;
    n = n * 256 + x;
  }
  return n;
}

function parseV6(t: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(t)) return undefined;
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return v;
}

export type CidrResult = { ok: true; cidr: Cidr; hostBitsSet: boolean } | { ok: false; error: string };

/**
 * Parses `addr/bits`; host bits are cleared as Kubernetes' sloppy parser does, and reported.
 * Whitespace anywhere is an error, as it is for the API server. `bareAddress` lets an address
 * without a prefix length stand for that one host (/32 or /128), as the EKS agent reads one.
 */
export function parseCidr(text: string, options: { bareAddress?: boolean } = {}): CidrResult {
  if (/\s/.test(text)) return { ok: false, error: `invalid CIDR ${JSON.stringify(text)}: must not contain spaces` };
  const slash = text.indexOf('/');
  if (slash < 0) {
    const host = options.bareAddress ? parseAddress(text) : undefined;
    if (host) return { ok: true, cidr: { family: host.family, base: host.value, bits: host.family === 4 ? 32 : 128, text }, hostBitsSet: false };
    return { ok: false, error: `invalid CIDR ${JSON.stringify(text)}: missing /prefix-length` };
  }
  const addr = parseAddress(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!addr) return { ok: false, error: `invalid CIDR ${JSON.stringify(text)}: not an IP address` };
  const width = addr.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > width) {
    return { ok: false, error: `invalid CIDR ${JSON.stringify(text)}: prefix length must be 0-${width}` };
  }
  const bits = Number(bitsText);
  const base = mask(addr.value, bits, width);
  return { ok: true, cidr: { family: addr.family, base, bits, text }, hostBitsSet: base !== addr.value };
}

function mask(v: bigint, bits: number, width: number): bigint {
  const shift = BigInt(width - bits);
  return (v >> shift) << shift;
}

export function cidrContains(c: Cidr, a: Address): boolean {
  if (c.family !== a.family) return false;
  const width = c.family === 4 ? 32 : 128;
  return mask(a.value, c.bits, width) === c.base;
}

/** Whether `inner` lies entirely within `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.bits < outer.bits) return false;
  const width = inner.family === 4 ? 32 : 128;
  return mask(inner.base, outer.bits, width) === outer.base;
}

export function isAddress(text: string): boolean {
  return parseAddress(text) !== undefined;
}
