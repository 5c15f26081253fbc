/**
 * The agent step: PolicyEndpoints and ClusterPolicyEndpoints -> the eBPF maps of each pod identifier on
 * each node (aws/aws-network-policy-agent at c8619c05: controllers/policyendpoints_controller.go,
 * pkg/fwruleprocessor/fw_rule_processor.go, pkg/utils/utils.go; ../shared/eks-dataplane/README.md §2, §5).
 */
import type { Cluster, Pod } from '../model/cluster.js';
import { cidrContains, cidrWithin, type Address, type Cidr } from '../net/ip.js';
import type { Direction, Policy } from '../policy/types.js';
import { ALL_V4, ALL_V6, canonicalText, cidrKey, hostCidr, podIdentifier, type Addressing } from './addressing.js';
import type { ControllerOutput } from './controller.js';
import { dedupPorts, resolveOnPod } from './ports.js';
import type {
  ClusterPolicyEndpoints,
  CpEndpoint,
  CpEntry,
  CpSlot,
  DirectionMaps,
  Dropped,
  EksOptions,
  EntrySource,
  IdentifierMaps,
  L4Slot,
  Mechanism,
  NpEndpoint,
  NpEntry,
  PolicyEndpoints,
  PortSpec,
} from './types.js';
import type { VersionBehaviour } from './versions.js';

/** Agent.groups per cluster, by identifier sharing and separator. */
const groupings = new WeakMap<Cluster, Map<string, readonly { pods: Pod[]; identifier: string }[]>>();

/** The value of an LPM entry holds 24 slots (struct lpm_trie_val[24]). */
export const SLOTS = 24;

interface FirewallRule {
  cidr: Cidr;
  except: readonly Cidr[];
  slots: L4Slot[];
  source: EntrySource;
}

/** A slot with the except list of the rule it came from (for the spec behaviour of except). */
interface Item {
  slot: L4Slot;
  except: readonly Cidr[];
}

export class Agent {
  private readonly on: (m: Mechanism) => boolean;

  /**
   * `memoLimit`: the most computations (one per set of policies and direction, or per node) kept for identifiers
   * that come later; past it the memo starts again. A walk over every identifier lets each one's maps go once read,
   * and on a large cluster nearly every identifier has policies of its own: a memo kept whole would hold them all.
   */
  constructor(
    private readonly cluster: Cluster,
    private readonly addressing: Addressing,
    private readonly options: EksOptions,
    private readonly versioned: VersionBehaviour,
    private readonly memoLimit = Infinity,
  ) {
    this.on = (m) => !options.spec?.has(m);
  }

  /** One set of maps per pod identifier and node; every pod that is not on the host network gets probes. */
  program(ctl: ControllerOutput): IdentifierMaps[] {
    const groups = this.groups();
    // which PolicyEndpoints and ClusterPolicyEndpoints select the identifier's pods, in the controller's order
    // (asked of the controller only when the maps are: it resolves a policy when a pod it selects is asked about)
    const selecting = (pods: Pod[]): { pes: PolicyEndpoints[]; cpes: ClusterPolicyEndpoints[] } => {
      const each = pods.map((p) => ctl.selecting(p));
      if (each.length === 1) return { pes: [...each[0]!.pes], cpes: [...each[0]!.cpes] };
      const inOrder = <T extends { policy: Policy }>(list: T[]): T[] => [...new Set(list)].sort((a, b) => ctl.order(a.policy) - ctl.order(b.policy));
      return { pes: inOrder(each.flatMap((x) => x.pes)), cpes: inOrder(each.flatMap((x) => x.cpes)) };
    };
    const out: IdentifierMaps[] = [];
    for (const { pods, identifier } of groups) {
      const first = pods[0]!;
      const nodeIp = this.addressing.nodeIp(first.nodeName, `${first.namespace}/${first.name}`);
      let chosen: { pes: PolicyEndpoints[]; cpes: ClusterPolicyEndpoints[] } | undefined;
      const policies = (): { pes: PolicyEndpoints[]; cpes: ClusterPolicyEndpoints[] } => {
        if (chosen) return chosen;
        const { pes, cpes } = selecting(pods);
        return (chosen = { pes: pes.filter((pe) => this.on('selected-without-isolation') || pe.isolation.ingress || pe.isolation.egress || pe.ingress.length + pe.egress.length > 0), cpes });
      };
      // the maps are computed when first asked for: explain needs two identifiers, not all of them
      let ingress: DirectionMaps | undefined;
      let egress: DirectionMaps | undefined;
      const agent = this;
      out.push({
        identifier,
        // an unscheduled pod is its own group on a node of its own (a placeholder address): its name says whose, so that
        // identifiers and nodes keep one key each in `eks maps`
        node: first.nodeName ?? `(not scheduled: ${first.namespace}/${first.name})`,
        nodeIp,
        pods,
        get ingress() {
          return (ingress ??= agent.direction('ingress', pods, nodeIp, policies().pes, policies().cpes));
        },
        get egress() {
          return (egress ??= agent.direction('egress', pods, nodeIp, policies().pes, policies().cpes));
        },
      });
    }
    return out;
  }

  /**
   * The pods of each identifier and node, in the cluster's order. They depend on the cluster, the identifier
   * separator and whether identifiers are shared, not on any other switch: the comparison's variant planes of one
   * cluster take them from the first agent that grouped them.
   */
  private groups(): readonly { pods: Pod[]; identifier: string }[] {
    const sharing = this.on('identifier-sharing');
    const separator = this.versioned.identifierSeparator;
    const key = `${sharing}|${separator}`;
    let byKey = groupings.get(this.cluster);
    if (!byKey) groupings.set(this.cluster, (byKey = new Map()));
    let list = byKey.get(key);
    if (list) return list;
    const groups = new Map<string, Pod[]>();
    for (const pod of this.cluster.pods) {
      if (pod.hostNetwork) continue;
      const id = sharing ? podIdentifier(pod, separator) : `${pod.namespace}/${pod.name}`;
      const k = `${id}|${pod.nodeName ?? `?${pod.namespace}/${pod.name}`}`;
      const pods = groups.get(k);
      if (pods) pods.push(pod);
      else groups.set(k, [pod]);
    }
    list = [...groups.values()].map((pods) => ({ pods, identifier: podIdentifier(pods[0]!, separator) }));
    byKey.set(key, list);
    return list;
  }

  /** Identical inputs give identical maps: many identifiers share their policies (and a node), so compute each once. */
  private readonly memo = new Map<string, { entries: NpEntry[]; cpEntries: CpEntry[]; dropped: Dropped[]; nodeKey: string; onNode: Map<string, { entries: NpEntry[]; cpEntries: CpEntry[] }> }>();
  private readonly named = new Map<string, Set<string>>();
  private readonly slotsOf = new WeakMap<NpEndpoint, L4Slot[]>();
  private readonly cpRuleOf = new WeakMap<CpEndpoint, CpEndpoint & { tier: 'Admin' | 'Baseline'; priority: number }>();
  private readonly cpSlotsOf = new WeakMap<CpEndpoint, CpSlot[]>();

  /** Every CIDR (and except) the policies write for a direction: does one of them name a node's own address? */
  private cidrsNamed(key: string, d: Direction, pes: PolicyEndpoints[], cpes: ClusterPolicyEndpoints[]): Set<string> {
    let set = this.named.get(key);
    if (!set) {
      set = new Set();
      for (const pe of pes) for (const e of pe[d]) {
        if (e.cidr) set.add(cidrKey(e.cidr));
        for (const x of e.except) set.add(cidrKey(x));
      }
      for (const c of cpes) for (const e of c[d]) if (e.cidr) set.add(cidrKey(e.cidr));
      this.named.set(key, set);
    }
    return set;
  }
  private readonly ids = new Map<object, number>();

  private id(x: object): number {
    let n = this.ids.get(x);
    if (n === undefined) this.ids.set(x, (n = this.ids.size));
    return n;
  }

  private direction(d: Direction, pods: Pod[], nodeIp: Address, pes: PolicyEndpoints[], cpes: ClusterPolicyEndpoints[]): DirectionMaps {
    const strict = this.cluster.settings.enforcingMode === 'strict';
    // unresolved named ports (spec behaviour only) resolve on the identifier's own pods
    const named = pes.some((pe) => pe[d].some((e) => e.ports.some((p) => p.named !== undefined))) || cpes.some((c) => c[d].some((e) => e.ports.some((p) => p.named !== undefined)));
    // The node IP appears only in the node entries unless a rule names the node's own address (the agent then
    // skips that rule): otherwise the maps are the same on every node but for the node entries, so identifiers
    // with the same policies share one computation (and, on one node, the same arrays).
    const policiesKey = `${d}|${pes.map((x) => this.id(x)).join(',')}|${cpes.map((x) => this.id(x)).join(',')}`;
    const nodeFree = this.addressing.isPlaceholder(nodeIp) || !this.cidrsNamed(policiesKey, d, pes, cpes).has(cidrKey(hostCidr(nodeIp)));
    const nodeKey = `${nodeIp.family}:${nodeIp.value}`;
    const key = `${policiesKey}|${nodeFree ? 'any node' : nodeKey}|${named ? pods.map((x) => this.id(x)).join(',') : ''}`;
    let part = this.memo.get(key);
    if (!part) {
      if (this.memo.size >= this.memoLimit) this.memo.clear();
      this.memo.set(key, (part = { ...this.compute(d, pods, nodeIp, pes, cpes, strict), nodeKey, onNode: new Map() }));
    }
    const { dropped } = part;
    let { entries, cpEntries } = part;
    if (part.nodeKey !== nodeKey) {
      let patched = part.onNode.get(nodeKey);
      if (!patched) {
        patched = {
          entries: entries.map((e) => (e.kind === 'node' ? nodeEntry(nodeIp) : e)),
          cpEntries: cpEntries.map((e) => (e.kind === 'node' ? { ...e, cidr: hostCidr(nodeIp) } : e)),
        };
        part.onNode.set(nodeKey, patched);
      }
      ({ entries, cpEntries } = patched);
    }
    const policies = pes.map((pe) => pe.label);
    // key 1 is written once for both directions: applied when either has cluster-policy rules
    const cpRules = cpes.reduce((n, c) => n + c.ingress.length + c.egress.length, 0);
    return {
      podState: pes.length > 0 ? 'POLICIES_APPLIED' : strict ? 'DEFAULT_DENY' : 'DEFAULT_ALLOW',
      cpPodState: cpRules > 0 ? 'POLICIES_APPLIED' : 'DEFAULT_ALLOW',
      entries,
      cpEntries,
      dropped,
      policies: [...policies, ...cpes.map((c) => c.label)],
      shared: part,
    };
  }

  private compute(d: Direction, pods: Pod[], nodeIp: Address, pes: PolicyEndpoints[], cpes: ClusterPolicyEndpoints[], strict: boolean): { entries: NpEntry[]; cpEntries: CpEntry[]; dropped: Dropped[] } {
    const dropped: Dropped[] = pes.flatMap((pe) => pe.dropped.filter((x) => x.direction === d));
    for (const c of cpes) dropped.push(...c.dropped.filter((x) => x.direction === d));
    let entries: NpEntry[] = [];
    if (pes.length > 0) {
      const rules: FirewallRule[] = [];
      const domains: NpEntry[] = [];
      for (const pe of pes) {
        for (const e of pe[d]) {
          if (!e.cidr) {
            if (this.options.compute === 'ec2' && this.on('domain-names-ec2')) {
              dropped.push({ direction: d, what: `domain ${e.domain}`, why: 'the agent on EC2 nodes drops entries without a CIDR (domain names are enforced on EKS Auto Mode only)', mechanism: 'domain-names-ec2', source: e.source });
            } else domains.push({ domain: e.domain!, kind: 'domain', l4: this.slots(e, pods), overflow: [], sources: [e.source] });
            continue;
          }
          const slots = this.slots(e, pods);
          if (slots.length === 0) {
            dropped.push({ direction: d, cidr: canonicalText(e.cidr), what: 'named ports', why: 'no named port resolves on this pod', source: e.source });
            continue;
          }
          rules.push({ cidr: e.cidr, except: e.except, slots, source: e.source });
        }
      }
      // an isolated direction keeps only the node entry; one no policy isolates and no rule fills gets a catch-all
      const isolated = pes.some((pe) => pe.isolation[d]);
      const catchAll = rules.length === 0 && domains.length === 0 && !isolated;
      if (catchAll) {
        const all = this.addressing.family === 4 ? ALL_V4 : ALL_V6;
        rules.push({ cidr: all, except: [], slots: [{ protocol: 'ANY', port: 0, endPort: 0 }], source: { policy: '(catch-all: no rules, not isolated)', direction: d, rule: -1 } });
      }
      entries = [...this.npEntries(rules, nodeIp, dropped, d, catchAll), ...domains];
    } else if (strict && !this.on('strict-no-node-entry')) {
      entries = [nodeEntry(nodeIp)];
    }
    let cpEntries: CpEntry[] = [];
    if (cpes.length > 0) {
      const all: (CpEndpoint & { tier: 'Admin' | 'Baseline'; priority: number })[] = [];
      for (const c of cpes) {
        for (const e of c[d]) {
          let r = this.cpRuleOf.get(e);
          if (!r) this.cpRuleOf.set(e, (r = { ...e, tier: c.tier, priority: c.priority }));
          all.push(r);
        }
      }
      cpEntries = this.cpEntries(all, nodeIp, dropped, d, pods);
    }
    return { entries, cpEntries, dropped };
  }

  /** L4 slots of one endpoint: named ports still unresolved (spec behaviour) resolve on this identifier's pods. */
  private slots(e: NpEndpoint, pods: Pod[]): L4Slot[] {
    const toSlots = (ports: readonly PortSpec[]): L4Slot[] =>
      ports.length === 0 ? [{ protocol: 'ANY', port: 0, endPort: 0, source: e.source }] : ports.map((p) => ({ protocol: p.protocol, port: p.port ?? 0, endPort: p.endPort ?? 0, source: e.source }));
    if (e.ports.some((p) => p.named !== undefined)) {
      const ports = dedupPorts(pods.flatMap((pod) => resolveOnPod(pod, e.ports, !this.on('init-container-ports'))));
      return ports.length === 0 ? [] : toSlots(ports);
    }
    // without named ports the slots are the same for every identifier: made once per endpoint
    let slots = this.slotsOf.get(e);
    if (!slots) this.slotsOf.set(e, (slots = toSlots(e.ports)));
    return slots;
  }


  /** ComputeMapEntriesFromEndpointRules. */
  private npEntries(rules: FirewallRule[], nodeIp: Address, dropped: Dropped[], d: Direction, catchAll: boolean): NpEntry[] {
    const perRuleExcept = !this.on('except-shadows-rules');
    const nodeCidr = hostCidr(nodeIp);
    const byCidr = new Map<string, { cidr: Cidr; items: Item[]; except: Cidr[]; sources: EntrySource[] }>();
    const containers: { cidr: Cidr; items: Item[]; except: Cidr[] }[] = [];
    const sorted = rules.map((r, i) => ({ r, i })).sort((a, b) => a.r.cidr.bits - b.r.cidr.bits || a.i - b.i).map((x) => x.r);
    const exceptCidrs = new Map<string, Cidr>();
    for (const rule of sorted) {
      if (this.skip(rule.cidr, nodeCidr, dropped, d, rule.source)) continue;
      for (const x of rule.except) if (x.family === rule.cidr.family) exceptCidrs.set(cidrKey(x), x);
      const key = cidrKey(rule.cidr);
      const items: Item[] = rule.slots.map((slot) => ({ slot, except: rule.except }));
      const existing = byCidr.get(key);
      if (existing) {
        existing.items.push(...items);
        existing.except.push(...rule.except);
        existing.sources.push(rule.source);
        continue;
      }
      items.push(...this.inherited(rule.cidr, containers, perRuleExcept));
      const entry = { cidr: rule.cidr, items, except: [...rule.except], sources: [rule.source] };
      byCidr.set(key, entry);
      if (rule.cidr.bits < (rule.cidr.family === 4 ? 32 : 128)) containers.push(entry);
    }
    const out: NpEntry[] = [nodeEntry(nodeIp)];
    for (const x of exceptCidrs.values()) {
      if (byCidr.has(cidrKey(x))) continue;
      if (perRuleExcept) {
        // the specification: the excepted range keeps what the other rules allow there
        byCidr.set(cidrKey(x), { cidr: x, items: this.inherited(x, containers, true), except: [], sources: [] });
      } else {
        const entry: NpEntry = { cidr: x, kind: 'except', l4: [{ protocol: 'RESERVED', port: 0, endPort: 0 }], overflow: [], sources: [] };
        // an except equal to the node IP is written under the node entry's key after it and overwrites it
        // (fw_rule_processor.go c8619c05 l.81-85, then l.162-171): the node is denied in this direction
        if (cidrKey(x) === cidrKey(nodeCidr)) out[0] = entry;
        else out.push(entry);
      }
    }
    for (const e of byCidr.values()) {
      const slots = mergeDuplicates(e.items.map((i) => i.slot));
      const limit = this.on('port-limit') ? SLOTS : Infinity;
      const l4 = slots.slice(0, limit);
      const overflow = slots.slice(limit);
      for (const s of overflow) {
        dropped.push({ direction: d, cidr: canonicalText(e.cidr), what: describeSlot(s), why: `more than ${SLOTS} port entries for one CIDR (${slots.length}); which ones the agent keeps depends on Go map order`, mechanism: 'port-limit', slot: s, ...(s.source ? { source: s.source } : {}) });
      }
      const kind = catchAll && e.cidr.bits === 0 ? 'catch-all' : 'rule';
      out.push({ cidr: e.cidr, kind, l4, overflow, sources: e.sources });
    }
    return out;
  }

  /** The slots a CIDR inherits from every containing non-host CIDR whose except does not cover it. */
  private inherited(cidr: Cidr, containers: readonly { cidr: Cidr; items: Item[]; except: Cidr[] }[], perRule: boolean): Item[] {
    const out: Item[] = [];
    const ip = { family: cidr.family, value: cidr.base, text: '' } as Address;
    for (const c of containers) {
      if (c.cidr.bits >= cidr.bits || !cidrWithin(cidr, c.cidr)) continue;
      // the specification: a rule's except removes only what it covers; longer entries hold the excepted parts
      if (perRule) out.push(...c.items.filter((i) => !i.except.some((x) => cidrWithin(cidr, x))));
      else if (!c.except.some((x) => cidrContains(x, ip))) out.push(...c.items);
    }
    return out;
  }

  /** shouldSkipRule: the node IP itself, and rules of the other IP family. */
  private skip(cidr: Cidr, nodeCidr: Cidr, dropped: Dropped[], d: Direction, source: EntrySource | undefined): boolean {
    if (cidr.family === nodeCidr.family && cidr.bits === nodeCidr.bits && cidr.base === nodeCidr.base) return true;
    if (cidr.family !== this.addressing.family && this.on('family-filter')) {
      if (source && source.rule >= 0 && cidr.bits > 0) dropped.push({ direction: d, cidr: canonicalText(cidr), what: 'rule', why: `an IPv${cidr.family} rule in an IPv${this.addressing.family} cluster is ignored`, mechanism: 'family-filter', source });
      return true;
    }
    return false;
  }

  /** ComputeClusterPolicyMapEntriesFromEndpointRules. */
  private cpEntries(rules: (CpEndpoint & { tier: 'Admin' | 'Baseline'; priority: number })[], nodeIp: Address, dropped: Dropped[], d: Direction, pods: Pod[]): CpEntry[] {
    const nodeCidr = hostCidr(nodeIp);
    const out: CpEntry[] = [];
    if (this.versioned.cpNodeEntry || !this.on('cp-no-node-entry')) {
      out.push({ cidr: nodeCidr, kind: 'node', rules: [{ tier: 'Admin', priority: 0, action: 'allow', protocol: 'ANY', port: 0, endPort: 0 }], overflow: [], sources: [] });
    }
    const slotsOf = (r: (typeof rules)[number]): CpSlot[] => {
      if (r.ports.some((p) => p.named !== undefined)) return slotsOn(r);
      // without named ports the slots are the same for every identifier: made once per endpoint
      let slots = this.cpSlotsOf.get(r);
      if (!slots) this.cpSlotsOf.set(r, (slots = slotsOn(r)));
      return slots;
    };
    const slotsOn = (r: (typeof rules)[number]): CpSlot[] => {
      let ports = [...r.ports];
      if (ports.some((p) => p.named !== undefined)) ports = dedupPorts(pods.flatMap((pod) => resolveOnPod(pod, ports, !this.on('init-container-ports'))));
      const base = { tier: r.tier, priority: r.priority, action: r.action, ...(r.sources[0] ? { source: r.sources[0] } : {}) };
      if (r.ports.length === 0) return [{ ...base, protocol: 'ANY', port: 0, endPort: 0 }];
      return ports.map((p) => ({ ...base, protocol: p.protocol, port: p.port ?? 0, endPort: p.endPort ?? 0 }));
    };
    const withCidr = rules.filter((r) => r.cidr).map((r, i) => ({ r, i })).sort((a, b) => a.r.cidr!.bits - b.r.cidr!.bits || a.i - b.i).map((x) => x.r);
    const byCidr = new Map<string, { cidr: Cidr; slots: CpSlot[]; sources: EntrySource[] }>();
    const processed: Cidr[] = []; // non-host CIDRs, in processing order
    for (const r of withCidr) {
      const cidr = r.cidr!;
      if (this.skip(cidr, nodeCidr, dropped, d, r.sources[0])) continue;
      const key = cidrKey(cidr);
      let e = byCidr.get(key);
      // copy the rules of the most specific containing CIDR processed before (the same CIDR, if seen already)
      // (the same CIDR seen already copies its own slots: identical, removed below)
      if (!e) {
        byCidr.set(key, (e = { cidr, slots: [], sources: [] }));
        for (let i = processed.length - 1; i >= 0; i--) {
          if (cidrContains(processed[i]!, { family: cidr.family, value: cidr.base, text: '' })) {
            e.slots.push(...byCidr.get(cidrKey(processed[i]!))!.slots);
            break;
          }
        }
      }
      e.slots.push(...slotsOf(r));
      e.sources.push(...r.sources);
      if (cidr.bits < (cidr.family === 4 ? 32 : 128)) processed.push(cidr);
    }
    for (const e of byCidr.values()) {
      const slots = [...new Set(e.slots)];
      const limit = this.on('port-limit') ? SLOTS : Infinity;
      for (const s of slots.slice(limit)) dropped.push({ direction: d, cidr: canonicalText(e.cidr), what: `${s.tier} ${s.action} ${describeSlot(s)}`, why: `more than ${SLOTS} rules for one CIDR; which ones the agent keeps depends on Go map order`, mechanism: 'port-limit', slot: s, ...(s.source ? { source: s.source } : {}) });
      out.push({ cidr: e.cidr, kind: 'rule', rules: slots.slice(0, limit), overflow: slots.slice(limit), sources: e.sources });
    }
    for (const r of rules.filter((x) => !x.cidr)) {
      if (this.options.compute === 'ec2' && this.on('domain-names-ec2')) {
        dropped.push({ direction: d, what: `domain ${r.domain}`, why: 'the agent on EC2 nodes drops entries without a CIDR (domain names are enforced on EKS Auto Mode only)', mechanism: 'domain-names-ec2', ...(r.sources[0] ? { source: r.sources[0] } : {}) });
        continue;
      }
      out.push({ domain: r.domain!, kind: 'domain', rules: slotsOf(r), overflow: [], sources: [...r.sources] });
    }
    return out;
  }
}

function nodeEntry(nodeIp: Address): NpEntry {
  return { cidr: hostCidr(nodeIp), kind: 'node', l4: [{ protocol: 'ANY', port: 0, endPort: 0 }], overflow: [], sources: [] };
}

/** mergeDuplicateL4Info: one slot per protocol, port and end port. */
function mergeDuplicates(slots: L4Slot[]): L4Slot[] {
  if (slots.length < 2) return slots;
  const seen = new Map<string, L4Slot>();
  for (const s of slots) {
    const key = `${s.protocol}|${s.port}|${s.endPort}`;
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}

export function describeSlot(s: { protocol: string; port: number; endPort: number }): string {
  if (s.protocol === 'ANY' || s.protocol === 'RESERVED') return s.protocol;
  if (s.port === 0) return `${s.protocol} all ports`;
  return s.endPort ? `${s.protocol} ${s.port}-${s.endPort}` : `${s.protocol} ${s.port}`;
}
