import type { Cursor } from '../k8s/cursor.js';
import type { SourceLocation } from '../k8s/errors.js';
import { EVERYTHING, parseSelector } from '../k8s/labels.js';
import { parseDomainNames, parseIpBlock, parsePortName, parsePortNumber, parseProtocols, type Warn } from './fields.js';
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
  /**
   * A CRD (ApplicationNetworkPolicy) is checked only by its OpenAPI schema, which leaves out most of
   * what the API server checks in a NetworkPolicy; what the EKS controller then makes of it decides.
   */
  crd: boolean;
  flavour: string;
}

export const NETWORK_POLICY: NetworkPolicyDialect = { domainNames: false, defaultPolicyTypes: true, crd: false, flavour: 'Kubernetes NetworkPolicy' };

/** networking.k8s.io/v1 NetworkPolicy, with Kubernetes' own defaulting and validation. */
export function parseNetworkPolicy(root: Cursor, ctx: KindContext, dialect: NetworkPolicyDialect = NETWORK_POLICY): Policy {
  const namespace = ctx.ref.namespace!;
  const spec = root.field('spec');
  spec.object();
  spec.onlyKeys(['podSelector', 'policyTypes', 'ingress', 'egress']);
  if (dialect.crd && !spec.has('podSelector')) spec.field('podSelector').fail('Required value');
  const podSelector = parseSelector(spec.field('podSelector'));

  const read = (r: Cursor, i: number, d: 'ingress' | 'egress'): Rule => parseRule(r, i, d, namespace, dialect, ctx.warn);
  const ingress = spec.field('ingress').items().map((r, i) => read(r, i, 'ingress'));
  const egress = spec.field('egress').items().map((r, i) => read(r, i, 'egress'));

  const typesCursor = spec.field('policyTypes');
  const typeItems = typesCursor.items();
  // The API server defaults an empty list as it defaults an absent one (SetDefaults_NetworkPolicy).
  const typesGiven = typeItems.length > 0;
  let types: string[];
  if (!typesGiven) {
    if (dialect.defaultPolicyTypes) {
      types = egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
    } else {
      types = [];
      ctx.warn(`${ctx.ref.kind} without policyTypes (not defaulted as NetworkPolicy's is): by the specification it isolates nothing, but the EKS agent still enforces its rules and allows everything in a direction without rules; set policyTypes: [Egress]`, spec);
    }
  } else {
    if (!dialect.crd && typeItems.length > 2) typesCursor.fail(`Invalid value: ${JSON.stringify(typesCursor.value)}: may not specify more than two policyTypes`);
    types = typeItems.map((t) => {
      const v = t.string();
      if (v !== 'Ingress' && v !== 'Egress') {
        if (!dialect.crd) t.fail(`Unsupported value: ${JSON.stringify(v)}: supported values: "Ingress", "Egress"`);
        ctx.warn(`policy type ${JSON.stringify(v)} is neither Ingress nor Egress (the CRD accepts any text): it isolates nothing`, t);
      }
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
    policyTypesGiven: typesGiven,
  };
}

function parseRule(c: Cursor, index: number, direction: 'ingress' | 'egress', namespace: string, dialect: NetworkPolicyDialect, warn: Warn): Rule {
  c.object();
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  c.onlyKeys([peersKey, 'ports']);
  const peerItems = c.field(peersKey).items();
  const portItems = c.field('ports').items();
  const peers = peerItems.map((p) => parsePeer(p, direction, namespace, dialect, warn));
  const ports = portItems.flatMap((p) => parsePort(p, dialect, warn));
  let location: SourceLocation | undefined;
  return {
    index,
    action: 'allow',
    // absent or empty means "every peer" / "every port", as the API documents
    peers: peers.length > 0 ? peers : undefined,
    ports: ports.length > 0 ? ports : undefined,
    // found when asked for: finding a line settles the positions of the whole document (k8s/positions.ts),
    // which costs more than the parse on a large dump, and most rules are never quoted
    get location(): SourceLocation {
      return (location ??= c.location());
    },
  };
}

function parsePeer(c: Cursor, direction: 'ingress' | 'egress', namespace: string, dialect: NetworkPolicyDialect, warn: Warn): Peer {
  c.object();
  const allowed = ['podSelector', 'namespaceSelector', 'ipBlock'];
  if (dialect.domainNames && direction === 'egress') allowed.push('domainNames');
  if (dialect.domainNames && direction === 'ingress' && c.has('domainNames')) {
    c.field('domainNames').fail('domainNames are allowed in egress rules only');
  }
  c.onlyKeys(allowed);
  const has = (k: string): boolean => c.has(k);
  if (has('domainNames')) {
    // the ApplicationNetworkPolicy CRD's CEL rules
    for (const other of ['ipBlock', 'podSelector', 'namespaceSelector']) if (has(other)) c.fail(`Invalid value: "object": ${other} and domainNames are mutually exclusive`);
    return { type: 'domains', patterns: parseDomainNames(c.field('domainNames'), undefined) };
  }
  if (has('ipBlock')) {
    if (has('podSelector') || has('namespaceSelector')) {
      if (!dialect.crd) c.fail('Forbidden: may not specify both ipBlock and another peer');
      // the EKS controller reads an ipBlock first and ignores the selectors beside it
      warn('ipBlock with podSelector or namespaceSelector: the EKS controller uses the ipBlock and ignores the selectors', c);
    }
    const { cidr, except } = parseIpBlock(c.field('ipBlock'), dialect.crd);
    return { type: 'ipBlock', cidr, except };
  }
  if (!has('podSelector') && !has('namespaceSelector')) {
    if (!dialect.crd) c.fail('Required value: must specify a peer');
    // the EKS controller: no namespaceSelector = the policy's namespace, no podSelector = every pod
    warn(`an empty peer: the EKS controller reads it as every pod of namespace ${namespace}`, c);
  }
  const pods = has('podSelector') ? parseSelector(c.field('podSelector')) : EVERYTHING;
  if (has('namespaceSelector')) {
    return { type: 'pods', selection: { namespaces: { kind: 'selector', selector: parseSelector(c.field('namespaceSelector')) }, pods } };
  }
  // podSelector alone: pods of the policy's own namespace
  return { type: 'pods', selection: { namespaces: { kind: 'named', name: namespace }, pods } };
}

/** The API server's port checks (ValidateNetworkPolicyPort), or, for the CRD, what the EKS controller does. */
function parsePort(c: Cursor, dialect: NetworkPolicyDialect, warn: Warn): PortMatch[] {
  c.object();
  c.onlyKeys(['protocol', 'port', 'endPort']);
  const protocolCursor = c.field('protocol');
  const protocols = parseProtocols(protocolCursor, dialect.crd ? 'eks-application-policy' : 'kubernetes', warn);
  const portCursor = c.field('port');
  const endCursor = c.field('endPort');
  if (portCursor.missing) {
    if (!endCursor.missing) {
      if (!dialect.crd) endCursor.fail(`Invalid value: ${JSON.stringify(endCursor.value)}: may not be specified when \`port\` is not specified`);
      warn('endPort without port: the EKS controller drops endPort and allows every port of the protocol', endCursor);
    }
    return protocols.map((protocol) => ({ type: 'protocol', protocol }));
  }
  if (typeof portCursor.value === 'string') {
    if (!endCursor.missing) {
      if (!dialect.crd) endCursor.fail(`Invalid value: ${JSON.stringify(endCursor.value)}: may not be specified when \`port\` is non-numeric`);
      endCursor.fail('endPort with a named port: the EKS controller makes a range from the resolved container port to endPort, which podwall does not model');
    }
    const name = parsePortName(portCursor);
    if (protocols.length !== 1) {
      // the controller looks the name up with the protocol text as written: no container port has it
      warn(`named port ${name} with protocol ${JSON.stringify(protocolCursor.value)}: the EKS controller finds no container port, so it matches nothing`, c);
      return [{ type: 'range', protocol: 'TCP', from: 1, to: 0 }];
    }
    return [{ type: 'named', name, protocol: protocols[0]! }];
  }
  const port = parsePortNumber(portCursor);
  if (endCursor.missing) return protocols.map((protocol) => ({ type: 'range', protocol, from: port, to: port }));
  const end = parsePortNumber(endCursor);
  if (end < port) {
    if (!dialect.crd) endCursor.fail(`Invalid value: ${end}: must be greater than or equal to \`port\` (endPort ${end} is below port ${port})`);
    warn(`endPort ${end} is below port ${port}: the range holds no port (the CRD does not check it)`, endCursor);
  }
  return protocols.map((protocol) => ({ type: 'range', protocol, from: port, to: end }));
}
