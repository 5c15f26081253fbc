/**
 * The cluster-scoped kinds share one shape (tier, priority, subject, ordered rules with actions) but
 * differ in field names, allowed peers and, above all, how a tier picks the deciding rule. Each kind
 * is a dialect of one parser.
 */
import type { Cursor } from '../k8s/cursor.js';
import { parseSelector } from '../k8s/labels.js';
import {
  checkCount,
  parseAnpPort,
  parseCidrField,
  parseCrdPortName,
  parseDomainNames,
  parseNamespacesOrPods,
  parsePortNumber,
  parsePriority,
  parseRuleName,
  type AnpPortReading,
  type Warn,
} from './fields.js';
import type { KindContext } from './networkpolicy.js';
import type { Action, Peer, Policy, PortMatch, Rule, Semantics, Tier } from './types.js';

interface ClusterDialect {
  flavour: string;
  /** The tier when the kind has no `tier` field. */
  fixedTier?: Tier;
  hasPriority: boolean;
  actions: Readonly<Record<string, Action>>;
  semantics: Semantics;
  ingressPeers: readonly string[];
  egressPeers: readonly string[];
  portsField: 'ports' | 'protocols';
  /** How `ports` items are read (the v1alpha2 `protocols` form has one reading of its own). */
  ports: AnpPortReading;
  /** The fields a `pods` peer or subject must have. */
  podsRequire: readonly string[];
  /** `networks` entries: a bare address means one host (EKS), or only CIDRs are accepted (CEL isCIDR). */
  networksBareAddress: boolean;
  /** EKS: CEL forbids domainNames outside Accept rules; upstream only documents it. */
  domainNamesAcceptOnly: boolean;
  /** Upstream CEL: a rule with networks, nodes or domainNames peers may not use named ports. */
  namedPortsOnlyForPods: boolean;
  /** The CRD's maxItems: rules per direction, peers per rule, port items per rule. */
  limits: { rules: number; peers: number; ports: number };
}

const BOTH_SELECTORS = ['namespaceSelector', 'podSelector'] as const;

export const EKS_CLUSTER_NETWORK_POLICY: ClusterDialect = {
  flavour: 'EKS ClusterNetworkPolicy (lowest priority wins; at equal priority Deny > Accept > Pass, rule order ignored)',
  hasPriority: true,
  actions: { Accept: 'allow', Deny: 'deny', Pass: 'pass' },
  semantics: 'priority-action',
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'networks', 'domainNames'],
  portsField: 'ports',
  ports: { severalForms: true, rangeStartBelowEnd: true, protocols: 'eks-cluster-policy' },
  podsRequire: BOTH_SELECTORS,
  networksBareAddress: true,
  domainNamesAcceptOnly: true,
  namedPortsOnlyForPods: false,
  limits: { rules: 100, peers: 100, ports: 100 },
};

const UPSTREAM_V1ALPHA1 = {
  portsField: 'ports',
  ports: { severalForms: false, rangeStartBelowEnd: false, protocols: 'upstream' },
  podsRequire: BOTH_SELECTORS,
  networksBareAddress: false,
  domainNamesAcceptOnly: false,
  namedPortsOnlyForPods: true,
  limits: { rules: 100, peers: 100, ports: 100 },
} as const;

export const ADMIN_NETWORK_POLICY: ClusterDialect = {
  flavour: 'upstream AdminNetworkPolicy (first matching rule in written order)',
  fixedTier: 'admin',
  hasPriority: true,
  actions: { Allow: 'allow', Deny: 'deny', Pass: 'pass' },
  semantics: 'first-match',
  ingressPeers: ['namespaces', 'pods'],
  // domainNames: experimental channel (v0.1.7 and later)
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  ...UPSTREAM_V1ALPHA1,
};

export const BASELINE_ADMIN_NETWORK_POLICY: ClusterDialect = {
  flavour: 'upstream BaselineAdminNetworkPolicy (first matching rule in written order)',
  fixedTier: 'baseline',
  hasPriority: false,
  actions: { Allow: 'allow', Deny: 'deny' },
  semantics: 'first-match',
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks'],
  ...UPSTREAM_V1ALPHA1,
};

export const UPSTREAM_CLUSTER_NETWORK_POLICY: ClusterDialect = {
  flavour: 'upstream ClusterNetworkPolicy (first matching rule in written order)',
  hasPriority: true,
  actions: { Accept: 'allow', Deny: 'deny', Pass: 'pass' },
  semantics: 'first-match',
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  portsField: 'protocols',
  ports: { severalForms: false, rangeStartBelowEnd: true, protocols: 'upstream' },
  podsRequire: ['podSelector'],
  networksBareAddress: false,
  domainNamesAcceptOnly: false,
  namedPortsOnlyForPods: true,
  limits: { rules: 25, peers: 25, ports: 25 },
};

export function parseClusterPolicy(root: Cursor, ctx: KindContext, dialect: ClusterDialect): Policy {
  const spec = root.field('spec');
  spec.object();
  const keys = ['subject', 'ingress', 'egress'];
  if (!dialect.fixedTier) keys.push('tier');
  if (dialect.hasPriority) keys.push('priority');
  spec.onlyKeys(keys);

  let tier: Tier;
  if (dialect.fixedTier) {
    tier = dialect.fixedTier;
    if (tier === 'baseline' && ctx.ref.name !== 'default') {
      root.fail('Invalid value: "object": Only one baseline admin network policy with metadata.name="default" can be created in the cluster');
    }
  } else {
    const t = spec.field('tier');
    const v = t.string();
    if (v !== 'Admin' && v !== 'Baseline') t.fail(`unknown tier ${JSON.stringify(v)} (expected Admin or Baseline)`);
    tier = v === 'Admin' ? 'admin' : 'baseline';
  }
  const priority = dialect.hasPriority ? parsePriority(spec.field('priority')) : 0;
  const subjectCursor = spec.field('subject');
  if (subjectCursor.missing) subjectCursor.fail('is required');
  const subject = parseNamespacesOrPods(subjectCursor, ['namespaces', 'pods'], dialect.podsRequire).selection!;

  const ingressItems = spec.field('ingress').items();
  const egressItems = spec.field('egress').items();
  checkCount(spec.field('ingress'), 'ingress rules', ingressItems.length, 0, dialect.limits.rules);
  checkCount(spec.field('egress'), 'egress rules', egressItems.length, 0, dialect.limits.rules);
  const ingress = ingressItems.map((r, i) => parseRule(r, i, 'ingress', dialect, ctx.warn));
  const egress = egressItems.map((r, i) => parseRule(r, i, 'egress', dialect, ctx.warn));

  return {
    ref: ctx.ref,
    tier,
    semantics: dialect.semantics,
    priority,
    subject,
    isolates: { ingress: false, egress: false },
    ingress,
    egress,
    flavour: dialect.flavour,
  };
}

function parseRule(c: Cursor, index: number, direction: 'ingress' | 'egress', dialect: ClusterDialect, warn: Warn): Rule {
  c.object();
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  c.onlyKeys(['name', 'action', peersKey, dialect.portsField]);
  const name = parseRuleName(c.field('name'));
  const actionCursor = c.field('action');
  const actionText = actionCursor.string();
  const action = dialect.actions[actionText];
  if (!action) actionCursor.fail(`Unsupported value: ${JSON.stringify(actionText)}: supported values: ${Object.keys(dialect.actions).map((a) => JSON.stringify(a)).join(', ')}`);

  const peerItems = c.field(peersKey).items();
  checkCount(c.field(peersKey), 'peers', peerItems.length, 1, dialect.limits.peers);
  const allowedPeers = direction === 'ingress' ? dialect.ingressPeers : dialect.egressPeers;
  const peers = peerItems.flatMap((p) => parsePeer(p, allowedPeers, dialect));
  if (peers.some((p) => p.type === 'domains') && action !== 'allow') {
    if (dialect.domainNamesAcceptOnly) c.fail('Invalid value: "object": domainNames peer can only be used with Accept action');
    warn(`domainNames peers are documented for ${Object.keys(dialect.actions)[0] === 'Allow' ? 'Allow' : 'Accept'} rules only; implementations may ignore this rule (podwall applies it as written)`, c.field(peersKey));
  }

  const portCursor = c.field(dialect.portsField);
  const portItems = portCursor.items();
  // minItems: 1 in every cluster-scoped CRD: `ports: []` is rejected, not read as "all ports"
  if (!portCursor.missing) checkCount(portCursor, dialect.portsField, portItems.length, 1, dialect.limits.ports);
  const ports = portItems.flatMap((p) => (dialect.portsField === 'ports' ? parseAnpPort(p, dialect.ports, warn) : parseProtocolsItem(p, warn)));
  if (dialect.namedPortsOnlyForPods && ports.some((p) => p.type === 'named') && peerItems.some((p) => p.has('networks') || p.has('nodes') || p.has('domainNames'))) {
    c.fail('Invalid value: "object": networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames');
  }
  return {
    index,
    name,
    action,
    peers,
    ports: ports.length > 0 ? ports : undefined,
    location: c.location(),
  };
}

function parsePeer(c: Cursor, allowed: readonly string[], dialect: ClusterDialect): Peer[] {
  const { key, selection, cursor } = parseNamespacesOrPods(c, allowed, dialect.podsRequire);
  if (selection) return [{ type: 'pods', selection }];
  if (key === 'nodes') return [{ type: 'nodes', selector: parseSelector(cursor) }];
  if (key === 'domainNames') return [{ type: 'domains', patterns: parseDomainNames(cursor, 25) }];
  // networks: a list of CIDRs, any of which matches: one ipBlock each, without exceptions
  const items = cursor.items();
  checkCount(cursor, 'networks', items.length, 1, 25);
  return items.map((n) => {
    if (typeof n.value === 'string' && n.value.length > 43) n.fail(`Too long: may not be more than 43 bytes`);
    return { type: 'ipBlock' as const, cidr: parseCidrField(n, { bareAddress: dialect.networksBareAddress }), except: [] };
  });
}

/** v1alpha2 `protocols` entries: `{tcp|udp|sctp: {destinationPort: {number} | {range}}}` or `{destinationNamedPort}`. */
function parseProtocolsItem(c: Cursor, warn: Warn): PortMatch[] {
  c.object();
  const forms = ['tcp', 'udp', 'sctp', 'destinationNamedPort'];
  c.onlyKeys(forms);
  const present = forms.filter((k) => c.has(k));
  if (present.length !== 1) c.fail(`needs exactly one of tcp, udp, sctp, destinationNamedPort${present.length ? ` (found ${present.join(' and ')})` : ''}`);
  const form = present[0]!;
  if (form === 'destinationNamedPort') return [{ type: 'named', name: parseCrdPortName(c.field(form), warn) }];
  const protocol = form.toUpperCase() as 'TCP' | 'UDP' | 'SCTP';
  const proto = c.field(form);
  proto.object();
  proto.onlyKeys(['destinationPort']);
  // minProperties: 1 -- `tcp: {}` is rejected; "every TCP port" is written without a protocols list
  if (!proto.has('destinationPort')) proto.fail('Invalid value: 0: should have at least 1 properties (destinationPort)');
  const dp = proto.field('destinationPort');
  dp.object();
  dp.onlyKeys(['number', 'range']);
  if (dp.has('number') === dp.has('range')) dp.fail('needs exactly one of number, range');
  if (dp.has('number')) {
    const n = parsePortNumber(dp.field('number'));
    return [{ type: 'range', protocol, from: n, to: n }];
  }
  const r = dp.field('range');
  r.object();
  r.onlyKeys(['start', 'end']);
  const start = parsePortNumber(r.field('start'));
  const end = parsePortNumber(r.field('end'));
  if (end <= start) r.fail(`Invalid value: "object": Start port must be less than End port (start ${start}, end ${end})`);
  return [{ type: 'range', protocol, from: start, to: end }];
}
