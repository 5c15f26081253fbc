/**
 * The decision function: one connection in, one verdict out, with the chain of tiers, policies and
 * rules that decided it. Every other analysis is a client of this (or of its bulk form in matrix).
 */
import type { Cluster, Pod } from '../model/cluster.js';
import { describeEndpoint, isPolicyPod, type Connection, type Endpoint } from '../model/endpoint.js';
import type { Direction, Policy, Rule } from '../policy/types.js';
import { describePeer, describePort, makeMatchContext, peerMatches, peerMiss, portMatches, selectsInNamespace, selectsNamespace, type MatchContext } from './match.js';
import { ownNode } from './own-node.js';
import { ruleRef, type SideVerdict, type Step, type Verdict } from './verdict.js';

export const ACTION_RANK = { deny: 0, allow: 1, pass: 2 } as const;
const TIER_NAME = { admin: 'Admin', namespace: 'NetworkPolicy', baseline: 'Baseline' } as const;

interface Selecting {
  admin: Policy[];
  namespace: Policy[];
  baseline: Policy[];
}

/** The policies of each tier that `keep` holds for, in their order. */
function eachTier(s: Selecting, keep: (p: Policy) => boolean): Selecting {
  return { admin: s.admin.filter(keep), namespace: s.namespace.filter(keep), baseline: s.baseline.filter(keep) };
}

interface Candidate {
  policy: Policy;
  rule: Rule;
  order: number;
}

export class Engine {
  readonly cluster: Cluster;
  readonly ctx: MatchContext;
  /** Admin- and Baseline-tier policies, by priority then name. */
  readonly admin: Policy[];
  readonly baseline: Policy[];
  private readonly byNamespace = new Map<string, Policy[]>();
  /** A total order of all policies, the last tie-break between equal candidates. */
  readonly order = new Map<Policy, number>();
  /**
   * The policies of each tier that select a pod, in tier order. Selection reads only the pod (its
   * namespace, labels, host networking) and its namespace's labels, which the cluster fixes: the
   * policies whose namespace selection holds are found once per namespace, those whose pod selector
   * holds among them once per pod, rather than all of them at every side of every connection (a
   * flow log asks for thousands of connections).
   */
  private readonly selected = new WeakMap<Pod, Selecting>();
  private readonly inNamespace = new Map<string, Selecting>();

  constructor(cluster: Cluster) {
    this.cluster = cluster;
    this.ctx = makeMatchContext(cluster);
    const sorted = [...cluster.policies].sort(
      (a, b) => a.priority - b.priority || (a.ref.namespace ?? '').localeCompare(b.ref.namespace ?? '') || a.ref.name.localeCompare(b.ref.name) || a.ref.kind.localeCompare(b.ref.kind),
    );
    sorted.forEach((p, i) => this.order.set(p, i));
    this.admin = sorted.filter((p) => p.tier === 'admin');
    this.baseline = sorted.filter((p) => p.tier === 'baseline');
    for (const p of sorted) {
      if (p.tier !== 'namespace') continue;
      const ns = p.ref.namespace!;
      let list = this.byNamespace.get(ns);
      if (!list) this.byNamespace.set(ns, (list = []));
      list.push(p);
    }
  }

  namespacePolicies(namespace: string): readonly Policy[] {
    return this.byNamespace.get(namespace) ?? [];
  }

  /** The policies selects(policy.subject, pod) holds for, by tier: its two halves found in turn. */
  private selecting(pod: Pod): Selecting {
    let s = this.selected.get(pod);
    if (!s) this.selected.set(pod, (s = eachTier(this.namespaceSelecting(pod.namespace), (p) => selectsInNamespace(p.subject, pod))));
    return s;
  }

  private namespaceSelecting(namespace: string): Selecting {
    let t = this.inNamespace.get(namespace);
    if (!t) {
      const all = { admin: this.admin, namespace: this.byNamespace.get(namespace) ?? [], baseline: this.baseline };
      this.inNamespace.set(namespace, (t = eachTier(all, (p) => selectsNamespace(p.subject, namespace, this.ctx))));
    }
    return t;
  }

  decide(conn: Connection): Verdict {
    const warnings: string[] = [];
    const egress = this.side('egress', conn.from, conn.to, conn, warnings);
    const ingress = this.side('ingress', conn.to, conn.from, conn, warnings);
    return {
      allowed: egress.allowed && ingress.allowed,
      from: describeEndpoint(conn.from),
      to: describeEndpoint(conn.to),
      port: conn.port,
      protocol: conn.protocol,
      egress,
      ingress,
      warnings,
    };
  }

  /** Is `direction` of `subject` open toward `peer`? */
  private side(direction: Direction, subject: Endpoint, peer: Endpoint, conn: Connection, warnings: string[]): SideVerdict {
    const name = describeEndpoint(subject);
    const done = (allowed: boolean, steps: Step[]): SideVerdict => ({ direction, subject: name, allowed, tier: steps[steps.length - 1]!.tier, steps });
    if (subject.kind === 'pod' && peer.kind === 'pod' && subject.pod === peer.pod) {
      return done(true, [{ tier: 'none', outcome: 'allow', reason: 'traffic from a pod to itself stays inside the pod (loopback): no policy applies' }]);
    }
    if (!isPolicyPod(subject)) {
      const reason = subject.kind !== 'external' ? 'a host-network pod shares its node\'s network: pod policies do not select it' : 'outside the pod network: it has no policies of its own';
      return done(true, [{ tier: 'none', outcome: 'allow', reason }]);
    }
    const pod = subject.pod;
    const node = ownNode(pod, peer, this.ctx);
    if (node) {
      return done(true, [{ tier: 'none', outcome: 'allow', reason: `traffic between a pod and its own node (${node}) is always allowed` }]);
    }

    const steps: Step[] = [];
    const chosen = this.selecting(pod);
    // 1. Admin tier
    const admin = this.clusterTier(chosen.admin, direction, peer, conn, false, warnings);
    if (admin.step) {
      steps.push(admin.step);
      if (admin.step.outcome === 'allow' || admin.step.outcome === 'deny') return done(admin.step.outcome === 'allow', steps);
    }
    // 2. NetworkPolicy tier
    const selecting = chosen.namespace;
    const isolating = selecting.filter((p) => p.isolates[direction]);
    if (isolating.length > 0) {
      const step = this.namespaceTier(isolating, direction, peer, conn);
      steps.push(step);
      return done(step.outcome === 'allow', steps);
    }
    // EKS: a pod selected for the other direction only gets an allow-all entry for this one at the
    // NetworkPolicy tier, so neither EKS Baseline rules nor the strict-mode default reach it.
    const otherDirectionOnly = selecting.filter((p) => p.isolates.ingress || p.isolates.egress);
    const eksCatchAll = otherDirectionOnly.length > 0;
    // 3. Baseline tier
    const baseline = this.clusterTier(chosen.baseline, direction, peer, conn, eksCatchAll, warnings);
    if (baseline.step && baseline.step.outcome !== 'no-match') {
      steps.push(baseline.step);
      if (baseline.step.outcome !== 'pass') return done(baseline.step.outcome === 'allow', steps);
    }
    if (eksCatchAll) {
      const names = otherDirectionOnly.map((p) => `${p.ref.namespace}/${p.ref.name}`).join(', ');
      steps.push({
        tier: 'namespace',
        outcome: 'allow',
        reason: `not isolated for ${direction}; selected for the other direction by ${names}, so the EKS agent allows all ${direction} at the NetworkPolicy tier`,
        details: this.eksSkippedBaseline(pod, direction) ? ['EKS Baseline-tier rules for this pod and direction are never reached (eks-one-direction-isolation)'] : [],
      });
      return done(true, steps);
    }
    if (baseline.step && baseline.step.outcome === 'no-match') steps.push(baseline.step);
    // 4. The pod default
    const strict = this.cluster.settings.enforcingMode === 'strict';
    const why = selecting.length === 0 && !admin.step ? 'no policy selects the pod' : `no policy decides ${direction} for the pod`;
    steps.push({
      tier: 'default',
      outcome: strict ? 'deny' : 'allow',
      reason: strict ? `${why}; the EKS agent's strict enforcing mode denies by default` : `${why}; pods are open by default`,
    });
    return done(!strict, steps);
  }

  private eksSkippedBaseline(pod: Pod, direction: Direction): boolean {
    return this.selecting(pod).baseline.some((p) => p.semantics === 'priority-action' && p[direction].length > 0);
  }

  private ruleMatches(rule: Rule, peer: Endpoint, conn: Connection): boolean {
    if (rule.peers && !rule.peers.some((p) => peerMatches(p, peer, this.ctx))) return false;
    if (rule.ports && !rule.ports.some((pm) => portMatches(pm, conn.port, conn.protocol, conn.to))) return false;
    return true;
  }

  private matchText(rule: Rule, peer: Endpoint, conn: Connection): string {
    const p = rule.peers?.find((x) => peerMatches(x, peer, this.ctx));
    const port = rule.ports?.find((pm) => portMatches(pm, conn.port, conn.protocol, conn.to));
    return `${p ? describePeer(p) : 'any peer'}, ${port ? describePort(port) : 'any port'}`;
  }

  /** Admin or Baseline: the best-ranked matching rule of the policies that select the pod (`policies`, those of one tier). */
  private clusterTier(
    policies: Policy[],
    direction: Direction,
    peer: Endpoint,
    conn: Connection,
    skipEks: boolean,
    warnings: string[],
  ): { step?: Step } {
    const candidates: Candidate[] = [];
    let selecting = 0;
    for (const policy of policies) {
      if (skipEks && policy.semantics === 'priority-action') continue;
      const rules = policy[direction];
      if (rules.length === 0) continue;
      selecting++;
      for (const rule of rules) {
        if (!this.ruleMatches(rule, peer, conn)) continue;
        candidates.push({ policy, rule, order: this.order.get(policy)! });
        if (policy.semantics === 'first-match') break;
      }
    }
    if (selecting === 0) return {};
    const tierName = TIER_NAME[policies[0]!.tier];
    const tier = policies[0]!.tier;
    if (candidates.length === 0) {
      return { step: { tier, outcome: 'no-match', reason: `${selecting} ${tierName}-tier ${selecting === 1 ? 'policy selects' : 'policies select'} the pod for ${direction}; no rule matches` } };
    }
    candidates.sort(
      (a, b) => a.policy.priority - b.policy.priority || ACTION_RANK[a.rule.action] - ACTION_RANK[b.rule.action] || a.order - b.order || a.rule.index - b.rule.index,
    );
    const win = candidates[0]!;
    const details: string[] = [];
    for (const other of candidates.slice(1)) {
      if (other.policy.priority !== win.policy.priority) continue;
      const label = `${other.policy.ref.name} rule ${other.rule.name ?? other.rule.index} (${other.rule.action})`;
      if (win.policy.semantics === 'priority-action' && other.policy.semantics === 'priority-action') {
        details.push(`also matched at the same priority ${win.policy.priority}: ${label}; EKS decides equal priorities Deny > Accept > Pass, ignoring rule order`);
      } else if (other.policy !== win.policy) {
        details.push(`also matched at the same priority ${win.policy.priority}: ${label}`);
        if (other.rule.action !== win.rule.action) {
          warnings.push(`${tierName} policies ${win.policy.ref.name} and ${other.policy.ref.name} share priority ${win.policy.priority} and disagree: upstream leaves the order implementation-defined; podwall applies Deny > Allow > Pass, then policy name`);
        }
      }
    }
    const verb = { allow: 'Accept', deny: 'Deny', pass: 'Pass' }[win.rule.action];
    const ruleLabel = win.rule.name ? `rule ${win.rule.index} "${win.rule.name}"` : `rule ${win.rule.index}`;
    return {
      step: {
        tier,
        outcome: win.rule.action,
        rule: ruleRef(win.policy.ref, win.policy.flavour, { priority: win.policy.priority, ruleIndex: win.rule.index, ...(win.rule.name ? { ruleName: win.rule.name } : {}), action: win.rule.action }),
        reason: `${verb} by ${win.policy.ref.name} (priority ${win.policy.priority}) ${ruleLabel}: ${this.matchText(win.rule, peer, conn)}`,
        ...(details.length ? { details } : {}),
      },
    };
  }

  /** NetworkPolicy tier: allowed iff some rule of the isolating policies matches (they add up). */
  private namespaceTier(isolating: Policy[], direction: Direction, peer: Endpoint, conn: Connection): Step {
    for (const policy of isolating) {
      for (const rule of policy[direction]) {
        if (!this.ruleMatches(rule, peer, conn)) continue;
        return {
          tier: 'namespace',
          outcome: 'allow',
          rule: ruleRef(policy.ref, policy.flavour, { ruleIndex: rule.index, action: 'allow' }),
          reason: `allowed by ${policy.ref.kind} ${policy.ref.namespace}/${policy.ref.name} ${direction} rule ${rule.index}: ${this.matchText(rule, peer, conn)}`,
        };
      }
    }
    const details = isolating.map((p) => `${p.ref.kind} ${p.ref.namespace}/${p.ref.name}: ${this.nearestMiss(p, direction, peer, conn)}`);
    const names = isolating.map((p) => p.ref.name).join(', ');
    return {
      tier: 'namespace',
      outcome: 'deny',
      reason: `isolated for ${direction} by ${names}; no ${direction} rule matches`,
      policies: isolating.map((p) => `${p.ref.kind} ${p.ref.namespace}/${p.ref.name}`),
      details,
    };
  }

  private nearestMiss(policy: Policy, direction: Direction, peer: Endpoint, conn: Connection): string {
    const rules = policy[direction];
    if (rules.length === 0) return `has no ${direction} rules (denies all ${direction})`;
    let portMiss: string | undefined;
    let peerMissText: string | undefined;
    for (const rule of rules) {
      const peerOk = !rule.peers || rule.peers.some((p) => peerMatches(p, peer, this.ctx));
      if (peerOk) {
        portMiss ??= `rule ${rule.index}: peer matches but ${conn.port}/${conn.protocol} is not among ${rule.ports!.map(describePort).join(', ')}${this.namedPortHint(rule, conn)}`;
      } else {
        peerMissText ??= `rule ${rule.index}: ${peerMiss(rule.peers![0]!, peer, this.ctx)}${rule.peers!.length > 1 ? ` (and ${rule.peers!.length - 1} more peers do not match)` : ''}`;
      }
    }
    return portMiss ?? peerMissText ?? 'no rule matches';
  }

  private namedPortHint(rule: Rule, conn: Connection): string {
    const named = rule.ports?.filter((p) => p.type === 'named') ?? [];
    if (named.length === 0) return '';
    if (conn.to.kind !== 'pod') return ' (a named port never matches a destination outside the pod network)';
    return ` (named ports resolve against ${describeEndpoint(conn.to)}'s container ports)`;
  }
}
