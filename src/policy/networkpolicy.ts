import type { Cursor } from '../k8s/cursor.js';
import { EVERYTHING, parseSelector } from '../model/labels.js';
import { parseDomainNames, parseIpBlock, parsePortName, parsePortNumber, parseProtocol } from './fields.js';
import type { Peer, Policy, PolicyRef, PortMatch, Rule } from './types.js';

export interface KindContext {
  ref: PolicyRef;
  warn(message: string, at: Cursor): void;
}

interface NetworkPolicyDialect {
  /** ApplicationNetworkPolicy: egress peers may be `domainNames`. */
  domainNames: boolean;
  /** NetworkPolicy defaults policyTypes; EKS's ApplicationNetworkPolicy does not. */
  defaultPolicyTypes: boolean;
  flavour: string;
}

export const NETWORK_POLICY: NetworkPolicyDialect = { domainNames: false, defaultPolicyTypes: true, flavour: 'Kubernetes NetworkPolicy' };

/** networking.k8s.io/v1 NetworkPolicy, with Kubernetes' own defaulting and validation. */
export function parseNetworkPolicy(root: Cursor, ctx: KindContext, dialect: NetworkPolicyDialect = NETWORK_POLICY): Policy {
  const namespace = ctx.ref.namespace!;
  const spec = root.field('spec');
  spec.object();
  spec.onlyKeys(['podSelector', 'policyTypes', 'ingress', 'egress']);
  const podSelector = parseSelector(spec.field('podSelector'));

  const ingress = spec.field('ingress').items().map((r, i) => parseRule(r, i, 'ingress', namespace, dialect));
  const egress = spec.field('egress').items().map((r, i) => parseRule(r, i, 'egress', namespace, dialect));

  const typesCursor = spec.field('policyTypes');
  let types: string[];
  if (typesCursor.missing) {
    if (dialect.defaultPolicyTypes) {
      types = egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
    } else {
      types = [];
      ctx.warn(`${ctx.ref.kind} without policyTypes isolates nothing on EKS (it is not defaulted as NetworkPolicy is): its rules have no effect; set policyTypes: [Egress]`, spec);
    }
  } else {
    types = typesCursor.items().map((t) => {
      const v = t.string();
      if (v !== 'Ingress' && v !== 'Egress') t.fail(`unknown policy type ${JSON.stringify(v)} (expected Ingress or Egress)`);
      return v;
    });
  }
  const isolates = { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  if (!isolates.ingress && ingress.length > 0) ctx.warn('has ingress rules but policyTypes does not include Ingress: they are ignored', spec.field('ingress'));
  if (!isolates.egress && egress.length > 0) ctx.warn('has egress rules but policyTypes does not include Egress: they are ignored', spec.field('egress'));

  return {
    ref: ctx.ref,
    tier: 'namespace',
    semantics: 'union',
    priority: 0,
    subject: { namespaces: { kind: 'named', name: namespace }, pods: podSelector },
    isolates,
    ingress: isolates.ingress ? ingress : [],
    egress: isolates.egress ? egress : [],
    rulesOutsidePolicyTypes: { ingress: isolates.ingress ? [] : ingress, egress: isolates.egress ? [] : egress },
    flavour: dialect.flavour,
    policyTypesGiven: !typesCursor.missing,
  };
}

function parseRule(c: Cursor, index: number, direction: 'ingress' | 'egress', namespace: string, dialect: NetworkPolicyDialect): Rule {
  c.object();
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  c.onlyKeys([peersKey, 'ports']);
  const peerItems = c.field(peersKey).items();
  const portItems = c.field('ports').items();
  const peers = peerItems.map((p) => parsePeer(p, direction, namespace, dialect));
  const ports = portItems.map(parsePort);
  return {
    index,
    action: 'allow',
    // absent or empty means "every peer" / "every port", as the API documents
    peers: peers.length > 0 ? peers : undefined,
    ports: ports.length > 0 ? ports : undefined,
    location: c.location(),
  };
}

function parsePeer(c: Cursor, direction: 'ingress' | 'egress', namespace: string, dialect: NetworkPolicyDialect): Peer {
  c.object();
  const allowed = ['podSelector', 'namespaceSelector', 'ipBlock'];
  if (dialect.domainNames && direction === 'egress') allowed.push('domainNames');
  if (dialect.domainNames && direction === 'ingress' && c.has('domainNames')) {
    c.field('domainNames').fail('domainNames are allowed in egress rules only');
  }
  c.onlyKeys(allowed);
  const has = (k: string): boolean => c.has(k);
  if (has('domainNames')) {
    if (has('podSelector') || has('namespaceSelector') || has('ipBlock')) c.fail('domainNames must stand alone in its peer');
    return { type: 'domains', patterns: parseDomainNames(c.field('domainNames'), 25) };
  }
  if (has('ipBlock')) {
    if (has('podSelector') || has('namespaceSelector')) c.fail('ipBlock may not be combined with podSelector or namespaceSelector');
    const { cidr, except } = parseIpBlock(c.field('ipBlock'));
    return { type: 'ipBlock', cidr, except };
  }
  if (!has('podSelector') && !has('namespaceSelector')) c.fail('a peer needs podSelector, namespaceSelector or ipBlock');
  const pods = has('podSelector') ? parseSelector(c.field('podSelector')) : EVERYTHING;
  if (has('namespaceSelector')) {
    return { type: 'pods', selection: { namespaces: { kind: 'selector', selector: parseSelector(c.field('namespaceSelector')) }, pods } };
  }
  // podSelector alone: pods of the policy's own namespace
  return { type: 'pods', selection: { namespaces: { kind: 'named', name: namespace }, pods } };
}

function parsePort(c: Cursor): PortMatch {
  c.object();
  c.onlyKeys(['protocol', 'port', 'endPort']);
  const protocol = parseProtocol(c.field('protocol'));
  const portCursor = c.field('port');
  const endCursor = c.field('endPort');
  if (portCursor.missing) {
    if (!endCursor.missing) endCursor.fail('endPort needs a numeric port');
    return { type: 'protocol', protocol };
  }
  if (typeof portCursor.value === 'string') {
    if (!endCursor.missing) endCursor.fail('endPort cannot be used with a named port');
    return { type: 'named', name: parsePortName(portCursor), protocol };
  }
  const port = parsePortNumber(portCursor);
  if (endCursor.missing) return { type: 'range', protocol, from: port, to: port };
  const end = parsePortNumber(endCursor);
  if (end < port) endCursor.fail(`endPort ${end} is below port ${port}`);
  return { type: 'range', protocol, from: port, to: end };
}
