/**
 * The cluster-scoped kinds share one shape (tier, priority, subject, ordered rules with actions) but
 * differ in field names, allowed peers and, above all, how a tier picks the deciding rule. Each kind
 * is a dialect of one parser.
 */
import type { Cursor } from '../k8s/cursor.js';
import { parseSelector } from '../model/labels.js';
import {
  checkCount,
  parseAnpPort,
  parseCidrField,
  parseDomainNames,
  parseNamespacesOrPods,
  parsePortName,
  parsePortNumber,
  parsePriority,
  parseRuleName,
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
  /** EKS requires at least one peer per rule and limits rule counts. */
  limits: { rules: number; peers: [number, number] };
}

export const EKS_CLUSTER_NETWORK_POLICY: ClusterDialect = {
  flavour: 'EKS ClusterNetworkPolicy (lowest priority wins; at equal priority Deny > Accept > Pass, rule order ignored)',
  hasPriority: true,
  actions: { Accept: 'allow', Deny: 'deny', Pass: 'pass' },
  semantics: 'priority-action',
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'networks', 'domainNames'],
  portsField: 'ports',
  limits: { rules: 100, peers: [1, 100] },
};

export const ADMIN_NETWORK_POLICY: ClusterDialect = {
  flavour: 'upstream AdminNetworkPolicy (first matching rule in written order)',
  fixedTier: 'admin',
  hasPriority: true,
  actions: { Allow: 'allow', Deny: 'deny', Pass: 'pass' },
  semantics: 'first-match',
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks'],
  portsField: 'ports',
  limits: { rules: 100, peers: [1, 100] },
};

export const BASELINE_ADMIN_NETWORK_POLICY: ClusterDialect = {
  flavour: 'upstream BaselineAdminNetworkPolicy (first matching rule in written order)',
  fixedTier: 'baseline',
  hasPriority: false,
  actions: { Allow: 'allow', Deny: 'deny' },
  semantics: 'first-match',
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks'],
  portsField: 'ports',
  limits: { rules: 100, peers: [1, 100] },
};

export const UPSTREAM_CLUSTER_NETWORK_POLICY: ClusterDialect = {
  flavour: 'upstream ClusterNetworkPolicy (first matching rule in written order)',
  hasPriority: true,
  actions: { Accept: 'allow', Deny: 'deny', Pass: 'pass' },
  semantics: 'first-match',
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  portsField: 'protocols',
  limits: { rules: 100, peers: [1, 100] },
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
      root.field('metadata').field('name').fail('a BaselineAdminNetworkPolicy must be named "default" (it is a singleton)');
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
  const subject = parseNamespacesOrPods(subjectCursor, ['namespaces', 'pods']).selection!;

  const ingressItems = spec.field('ingress').items();
  const egressItems = spec.field('egress').items();
  checkCount(spec.field('ingress'), 'ingress rules', ingressItems.length, 0, dialect.limits.rules);
  checkCount(spec.field('egress'), 'egress rules', egressItems.length, 0, dialect.limits.rules);
  const ingress = ingressItems.map((r, i) => parseRule(r, i, 'ingress', dialect));
  const egress = egressItems.map((r, i) => parseRule(r, i, 'egress', dialect));

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

function parseRule(c: Cursor, index: number, direction: 'ingress' | 'egress', dialect: ClusterDialect): Rule {
  c.object();
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  c.onlyKeys(['name', 'action', peersKey, dialect.portsField]);
  const name = parseRuleName(c.field('name'));
  const actionCursor = c.field('action');
  const actionText = actionCursor.string();
  const action = dialect.actions[actionText];
  if (!action) actionCursor.fail(`unknown action ${JSON.stringify(actionText)} (expected ${Object.keys(dialect.actions).join(', ')})`);

  const peerItems = c.field(peersKey).items();
  checkCount(c.field(peersKey), 'peers', peerItems.length, dialect.limits.peers[0], dialect.limits.peers[1]);
  const allowedPeers = direction === 'ingress' ? dialect.ingressPeers : dialect.egressPeers;
  const peers = peerItems.flatMap((p) => parsePeer(p, allowedPeers));
  if (peers.some((p) => p.type === 'domains') && action !== 'allow') {
    c.field(peersKey).fail(`domainNames peers may only be used with action ${dialect.actions === EKS_CLUSTER_NETWORK_POLICY.actions ? 'Accept' : 'Accept/Allow'}`);
  }

  const portCursor = c.field(dialect.portsField);
  const portItems = portCursor.items();
  if (!portCursor.missing && portItems.length === 0 && dialect.portsField === 'protocols') portCursor.fail('needs at least one protocol entry when present');
  const ports = portItems.flatMap((p) => (dialect.portsField === 'ports' ? [parseAnpPort(p)] : parseProtocolsItem(p)));
  return {
    index,
    name,
    action,
    peers,
    ports: ports.length > 0 ? ports : undefined,
    location: c.location(),
  };
}

function parsePeer(c: Cursor, allowed: readonly string[]): Peer[] {
  const { key, selection, cursor } = parseNamespacesOrPods(c, allowed);
  if (selection) return [{ type: 'pods', selection }];
  if (key === 'nodes') return [{ type: 'nodes', selector: parseSelector(cursor) }];
  if (key === 'domainNames') return [{ type: 'domains', patterns: parseDomainNames(cursor, 25) }];
  // networks: a list of CIDRs, any of which matches: one ipBlock each, without exceptions
  const items = cursor.items();
  checkCount(cursor, 'networks', items.length, 1, 25);
  return items.map((n) => ({ type: 'ipBlock' as const, cidr: parseCidrField(n), except: [] }));
}

/** v1alpha2 `protocols` entries: `{tcp|udp|sctp: {destinationPort: {number} | {range}}}` or `{destinationNamedPort}`. */
function parseProtocolsItem(c: Cursor): PortMatch[] {
  c.object();
  const forms = ['tcp', 'udp', 'sctp', 'destinationNamedPort'];
  c.onlyKeys(forms);
  const present = forms.filter((k) => c.has(k));
  if (present.length !== 1) c.fail('needs exactly one of tcp, udp, sctp, destinationNamedPort');
  const form = present[0]!;
  if (form === 'destinationNamedPort') return [{ type: 'named', name: parsePortName(c.field(form)) }];
  const protocol = form.toUpperCase() as 'TCP' | 'UDP' | 'SCTP';
  const proto = c.field(form);
  proto.object();
  proto.onlyKeys(['destinationPort']);
  const dp = proto.field('destinationPort');
  if (dp.missing) return [{ type: 'protocol', protocol }];
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
  if (end <= start) r.field('end').fail(`end ${end} must be greater than start ${start}`);
  return [{ type: 'range', protocol, from: start, to: end }];
}
