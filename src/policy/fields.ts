/** Field parsers shared by the policy kinds: protocols, ports, CIDRs, domain names, subjects. */
import type { Cursor } from '../k8s/cursor.js';
import { PROTOCOLS, type Protocol } from '../model/cluster.js';
import { cidrWithin, parseCidr, type Cidr } from '../model/ip.js';
import { EVERYTHING, parseSelector } from '../model/labels.js';
import { normalizeDomainPattern } from './domains.js';
import type { PodSelection, PortMatch } from './types.js';

export function parseProtocol(c: Cursor, fallback: Protocol = 'TCP'): Protocol {
  if (c.missing) return fallback;
  const p = c.string();
  if (!PROTOCOLS.includes(p as Protocol)) c.fail(`unknown protocol ${JSON.stringify(p)} (expected TCP, UDP or SCTP)`);
  return p as Protocol;
}

export function parsePortNumber(c: Cursor): number {
  const n = c.integer();
  if (n < 1 || n > 65535) c.fail(`port ${n} is out of range 1-65535`);
  return n;
}

/** An IANA service name, as Kubernetes requires of a named port. */
export function parsePortName(c: Cursor): string {
  const name = c.string();
  if (name.length > 15 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) || !/[a-z]/.test(name) || name.includes('--')) {
    c.fail(`invalid port name ${JSON.stringify(name)}: at most 15 lowercase letters, digits and single '-', with at least one letter`);
  }
  return name;
}

export function parseCidrField(c: Cursor): Cidr {
  const text = c.string();
  const r = parseCidr(text.trim());
  if (!r.ok) c.fail(r.error);
  return r.cidr;
}

/** An ipBlock: `except` entries must lie strictly inside `cidr`, as the API server demands. */
export function parseIpBlock(c: Cursor): { cidr: Cidr; except: Cidr[] } {
  c.object();
  c.onlyKeys(['cidr', 'except']);
  const cidr = parseCidrField(c.field('cidr'));
  const except = c.field('except').items().map((e) => {
    const x = parseCidrField(e);
    if (!cidrWithin(x, cidr) || x.bits <= cidr.bits) e.fail(`except ${x.text} is not inside cidr ${cidr.text}`);
    return x;
  });
  return { cidr, except };
}

export function parseDomainNames(c: Cursor, max: number): string[] {
  const items = c.items();
  if (items.length === 0) c.fail('needs at least one domain name');
  if (items.length > max) c.fail(`has ${items.length} domain names; at most ${max} are allowed`);
  return items.map((d: Cursor) => {
    const r = normalizeDomainPattern(d.string());
    if (!r.ok) d.fail(r.error);
    return r.pattern;
  });
}

/**
 * `namespaces: <selector>` or `pods: {namespaceSelector, podSelector}`, exactly one: the subject
 * and peer form of every cluster-scoped kind.
 */
export function parseNamespacesOrPods(c: Cursor, allowed: readonly string[]): { key: string; selection?: PodSelection; cursor: Cursor } {
  c.object();
  c.onlyKeys(allowed);
  const present = allowed.filter((k) => c.has(k));
  if (present.length !== 1) c.fail(`needs exactly one of ${allowed.join(', ')}${present.length ? ` (found ${present.join(' and ')})` : ''}`);
  const key = present[0]!;
  const v = c.field(key);
  if (key === 'namespaces') return { key, cursor: v, selection: { namespaces: { kind: 'selector', selector: parseSelector(v) }, pods: EVERYTHING } };
  if (key === 'pods') {
    v.object();
    v.onlyKeys(['namespaceSelector', 'podSelector']);
    return {
      key,
      cursor: v,
      selection: {
        namespaces: { kind: 'selector', selector: parseSelector(v.field('namespaceSelector')) },
        pods: parseSelector(v.field('podSelector')),
      },
    };
  }
  return { key, cursor: v };
}

/** The port forms of AdminNetworkPolicy and EKS ClusterNetworkPolicy: portNumber, portRange, namedPort. */
export function parseAnpPort(c: Cursor): PortMatch {
  c.object();
  const forms = ['portNumber', 'portRange', 'namedPort'];
  c.onlyKeys(forms);
  const present = forms.filter((k) => c.has(k));
  if (present.length !== 1) c.fail(`needs exactly one of portNumber, portRange, namedPort`);
  if (c.has('namedPort')) return { type: 'named', name: parsePortName(c.field('namedPort')) };
  if (c.has('portNumber')) {
    const p = c.field('portNumber');
    p.object();
    p.onlyKeys(['protocol', 'port']);
    const port = parsePortNumber(p.field('port'));
    return { type: 'range', protocol: parseProtocol(p.field('protocol')), from: port, to: port };
  }
  const r = c.field('portRange');
  r.object();
  r.onlyKeys(['protocol', 'start', 'end']);
  const start = parsePortNumber(r.field('start'));
  const end = parsePortNumber(r.field('end'));
  if (end <= start) r.field('end').fail(`end ${end} must be greater than start ${start}`);
  return { type: 'range', protocol: parseProtocol(r.field('protocol')), from: start, to: end };
}

/** A rule name, when the kind has one. */
export function parseRuleName(c: Cursor): string | undefined {
  const name = c.optString();
  if (name !== undefined && name.length > 100) c.fail('rule names are at most 100 characters');
  return name;
}

export function parsePriority(c: Cursor): number {
  const p = c.integer();
  if (p < 0 || p > 1000) c.fail(`priority ${p} is out of range 0-1000`);
  return p;
}

export function checkCount(c: Cursor, what: string, count: number, min: number, max: number): void {
  if (count < min) c.fail(`needs at least ${min} ${what}`);
  if (count > max) c.fail(`has ${count} ${what}; at most ${max} are allowed`);
}
