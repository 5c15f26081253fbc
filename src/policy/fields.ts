/** Field parsers shared by the policy kinds: protocols, ports, CIDRs, domain names, subjects. */
import type { Cursor } from '../k8s/cursor.js';
import { EVERYTHING, parseSelector } from '../k8s/labels.js';
import { cidrWithin, parseCidr, type Cidr } from '../net/ip.js';
import { PROTOCOLS, type Protocol } from '../net/protocol.js';
import { normalizeDomainPattern } from './domains.js';
import type { PodSelection, PortMatch } from './types.js';

export function parseProtocol(c: Cursor, fallback: Protocol = 'TCP'): Protocol {
  if (c.missing) return fallback;
  const p = c.string();
  if (!PROTOCOLS.includes(p as Protocol)) c.fail(`unknown protocol ${JSON.stringify(p)} (expected TCP, UDP or SCTP)`);
  return p as Protocol;
}

/** Reports a problem that does not stop the run, at the field it concerns. */
export type Warn = (message: string, at: Cursor) => void;

/**
 * How a kind's `protocol` text is read. NetworkPolicy's is validated by the API server; the CRDs
 * take any text, and each implementation reads it its own way (docs/semantics.md, "Validation").
 */
export type ProtocolReading = 'kubernetes' | 'eks-cluster-policy' | 'eks-application-policy' | 'upstream';

/** The protocols a port item matches on: one, or every one when EKS reads the text as "any". */
export function parseProtocols(c: Cursor, reading: ProtocolReading, warn: Warn): Protocol[] {
  if (c.missing) return ['TCP'];
  const p = c.string();
  if (PROTOCOLS.includes(p as Protocol)) return [p as Protocol];
  const shown = JSON.stringify(p);
  switch (reading) {
    case 'kubernetes':
      return c.fail(`Unsupported value: ${shown}: supported values: "SCTP", "TCP", "UDP"`);
    case 'eks-cluster-policy':
      // aws-network-policy-agent deriveProtocolValueForCPE: exactly "UDP" or "SCTP", else TCP
      warn(`protocol ${shown} is not exactly TCP, UDP or SCTP: the EKS agent enforces it as TCP`, c);
      return ['TCP'];
    case 'eks-application-policy':
      // aws-network-policy-agent deriveProtocolValue: an unknown protocol text becomes "any protocol"
      warn(`protocol ${shown} is not exactly TCP, UDP or SCTP: the EKS agent matches the port on every protocol`, c);
      return [...PROTOCOLS];
    case 'upstream': {
      const upper = p.toUpperCase() as Protocol;
      if (!PROTOCOLS.includes(upper)) c.fail(`unsupported protocol ${shown}: the CRD accepts any text, but only TCP, UDP and SCTP have a meaning podwall can model`);
      warn(`protocol ${shown} read as ${upper} (the CRD accepts any text; implementations may read it differently)`, c);
      return [upper];
    }
  }
}

export function parsePortNumber(c: Cursor): number {
  const n = c.integer();
  if (n < 1 || n > 65535) c.fail(`port ${n} is out of range 1-65535`);
  return n;
}

function isPortName(name: string): boolean {
  return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');
}

/** An IANA service name, as Kubernetes requires of a named port. */
export function parsePortName(c: Cursor): string {
  const name = c.string();
  if (!isPortName(name)) {
    c.fail(`invalid port name ${JSON.stringify(name)}: at most 15 lowercase letters, digits and single '-', with at least one letter`);
  }
  return name;
}

/** A CIDR; with `bareAddress`, an address alone means that one host (the EKS agent adds /32 or /128). */
export function parseCidrField(c: Cursor, options: { bareAddress?: boolean } = {}): Cidr {
  const text = c.string();
  const r = parseCidr(text, options);
  if (!r.ok) c.fail(r.error);
  return r.cidr;
}

/**
 * An ipBlock: `except` entries must lie strictly inside `cidr`, as the API server demands of a
 * NetworkPolicy; an ApplicationNetworkPolicy's CRD checks neither (then `crd` is true).
 */
export function parseIpBlock(c: Cursor, crd = false): { cidr: Cidr; except: Cidr[] } {
  c.object();
  c.onlyKeys(['cidr', 'except']);
  const cidr = parseCidrField(c.field('cidr'), { bareAddress: crd });
  const except = c.field('except').items().map((e) => {
    const x = parseCidrField(e, { bareAddress: crd });
    if (!crd && (!cidrWithin(x, cidr) || x.bits <= cidr.bits)) e.fail(`Invalid value: ${JSON.stringify(x.text)}: must be a strict subset of \`cidr\` (except ${x.text} is not inside cidr ${cidr.text})`);
    return x;
  });
  return { cidr, except };
}

/** `max` undefined: the CRD sets no limit (ApplicationNetworkPolicy). */
export function parseDomainNames(c: Cursor, max: number | undefined): string[] {
  const items = c.items();
  checkCount(c, 'domain names', items.length, 1, max);
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
export function parseNamespacesOrPods(c: Cursor, allowed: readonly string[], podsRequire: readonly string[]): { key: string; selection?: PodSelection; cursor: Cursor } {
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
    for (const required of podsRequire) if (!v.has(required)) v.field(required).fail('Required value');
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

/**
 * A `namedPort` of a CRD: any text is accepted there, but container port names are validated, so a
 * name that is not a valid port name can match no container port.
 */
export function parseCrdPortName(c: Cursor, warn: Warn): string {
  const name = c.string();
  if (!isPortName(name)) warn(`${JSON.stringify(name)} is not a valid port name, so no container port has it: this port matches nothing`, c);
  return name;
}

/** How a kind's portNumber/portRange/namedPort items are validated and read. */
export interface AnpPortReading {
  /** EKS: an item may carry several forms (the controller adds each); upstream: exactly one. */
  severalForms: boolean;
  /** EKS and v1alpha2 check `start < end` with CEL; AdminNetworkPolicy v1alpha1 does not. */
  rangeStartBelowEnd: boolean;
  protocols: ProtocolReading;
}

/** The port forms of AdminNetworkPolicy and EKS ClusterNetworkPolicy: portNumber, portRange, namedPort. */
export function parseAnpPort(c: Cursor, reading: AnpPortReading, warn: Warn): PortMatch[] {
  c.object();
  const forms = ['portNumber', 'portRange', 'namedPort'];
  c.onlyKeys(forms);
  const present = forms.filter((k) => c.has(k));
  if (!reading.severalForms && present.length !== 1) c.fail(`needs exactly one of portNumber, portRange, namedPort${present.length ? ` (found ${present.join(' and ')})` : ''}`);
  if (present.length === 0) warn('a port item with no form adds no port (the EKS controller skips it)', c);
  const out: PortMatch[] = [];
  if (c.has('portNumber')) {
    const p = c.field('portNumber');
    p.object();
    p.onlyKeys(['protocol', 'port']);
    const port = parsePortNumber(p.field('port'));
    for (const protocol of parseProtocols(p.field('protocol'), reading.protocols, warn)) out.push({ type: 'range', protocol, from: port, to: port });
  }
  if (c.has('portRange')) {
    const r = c.field('portRange');
    r.object();
    r.onlyKeys(['protocol', 'start', 'end']);
    const start = parsePortNumber(r.field('start'));
    const end = parsePortNumber(r.field('end'));
    if (reading.rangeStartBelowEnd && end <= start) r.fail(`Invalid value: "object": Start port must be less than End port (start ${start}, end ${end})`);
    if (end < start) warn(`portRange start ${start} is above end ${end}: the range holds no port (the CRD does not check it)`, r);
    for (const protocol of parseProtocols(r.field('protocol'), reading.protocols, warn)) out.push({ type: 'range', protocol, from: start, to: end });
  }
  if (c.has('namedPort')) out.push({ type: 'named', name: parseCrdPortName(c.field('namedPort'), warn) });
  return out;
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

/** minItems/maxItems of a CRD list, with the API server's wording; `max` undefined = no limit. */
export function checkCount(c: Cursor, what: string, count: number, min: number, max: number | undefined): void {
  if (count < min) c.fail(`Invalid value: ${count}: should have at least ${min} items (${what})`);
  if (max !== undefined && count > max) c.fail(`Too many: ${count}: must have at most ${max} items (${what})`);
}
