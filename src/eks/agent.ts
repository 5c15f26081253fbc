/**
 * The agent step: PolicyEndpoints and ClusterPolicyEndpoints -> the eBPF maps of each pod identifier on
 * each node (aws/aws-network-policy-agent at c8619c05: controllers/policyendpoints_controller.go,
 * pkg/fwruleprocessor/fw_rule_processor.go, pkg/utils/utils.go; ../shared/eks-dataplane/README.md §2, §5).
 */
import type { Cluster, Pod } from '../model/cluster.js';
import { cidrContains, cidrWithin, type Address, type Cidr } from '../model/ip.js';
import type { Direction } from '../policy/types.js';
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

  constructor(
    private readonly cluster: Cluster,
    private readonly addressing: Addressing,
    private readonly options: EksOptions,
    private readonly versioned: VersionBehaviour,
  ) {
    this.on = (m) => !options.spec?.has(m);
  }

  /** One set of maps per pod identifier and node; every pod that is not on the host network gets probes. */
  program(ctl: ControllerOutput): IdentifierMaps[] {
    const groups = new Map<string, Pod[]>();
    for (const pod of this.cluster.pods) {
      if (pod.hostNetwork) continue;
      const id = this.on('identifier-sharing') ? podIdentifier(pod) : `${pod.namespace}/${pod.name}`;
      const key = `${id}|${pod.nodeName ?? `?${pod.namespace}/${pod.name}`}`;
      const list = groups.get(key);
      if (list) list.push(pod);
      else groups.set(key, [pod]);
    }
    const out: IdentifierMaps[] = [];
    for (const pods of groups.values()) {
      const first = pods[0]!;
      const nodeIp = this.addressing.nodeIp(first.nodeName, `${first.namespace}/${first.name}`);
      const inGroup = new Set(pods);
      const pes = ctl.policyEndpoints.filter((pe) => pe.pods.some((p) => inGroup.has(p)) && (this.on('selected-without-isolation') || pe.isolation.ingress || pe.isolation.egress || pe.ingress.length + pe.egress.length > 0));
      const cpes = ctl.clusterPolicyEndpoints.filter((c) => c.pods.some((p) => inGroup.has(p)));
      out.push({
        identifier: podIdentifier(first),
        node: first.nodeName ?? '(not scheduled)',
        nodeIp,
        pods,
        ingress: this.direction('ingress', pods, nodeIp, pes, cpes),
        egress: this.direction('egress', pods, nodeIp, pes, cpes),
      });
    }
    return out;
  }

  private direction(d: Direction, pods: Pod[], nodeIp: Address, pes: PolicyEndpoints[], cpes: ClusterPolicyEndpoints[]): DirectionMaps {
    const dropped: Dropped[] = pes.flatMap((pe) => pe.dropped.filter((x) => x.direction === d));
    for (const c of cpes) dropped.push(...c.dropped.filter((x) => x.direction === d));
    const strict = this.cluster.settings.enforcingMode === 'strict';
    let entries: NpEntry[] = [];
    const policies = pes.map((pe) => pe.label);
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
    // key 1 is written once for both directions: applied when either has cluster-policy rules
    const cpRules = cpes.reduce((n, c) => n + c.ingress.length + c.egress.length, 0);
    if (cpes.length > 0) {
      const all: (CpEndpoint & { tier: 'Admin' | 'Baseline'; priority: number })[] = [];
      for (const c of cpes) for (const e of c[d]) all.push({ ...e, tier: c.tier, priority: c.priority });
      cpEntries = this.cpEntries(all, nodeIp, dropped, d, pods);
    }
    return {
      podState: pes.length > 0 ? 'POLICIES_APPLIED' : strict ? 'DEFAULT_DENY' : 'DEFAULT_ALLOW',
      cpPodState: cpRules > 0 ? 'POLICIES_APPLIED' : 'DEFAULT_ALLOW',
      entries,
      cpEntries,
      dropped,
      policies: [...policies, ...cpes.map((c) => c.label)],
    };
  }

  /** L4 slots of one endpoint: named ports still unresolved (spec behaviour) resolve on this identifier's pods. */
  private slots(e: NpEndpoint, pods: Pod[]): L4Slot[] {
    let ports: PortSpec[] = [...e.ports];
    if (ports.some((p) => p.named !== undefined)) {
      ports = dedupPorts(pods.flatMap((pod) => resolveOnPod(pod, ports, !this.on('init-container-ports'))));
      if (ports.length === 0) return [];
    }
    if (ports.length === 0) return [{ protocol: 'ANY', port: 0, endPort: 0, source: e.source }];
    return ports.map((p) => ({ protocol: p.protocol, port: p.port ?? 0, endPort: p.endPort ?? 0, source: e.source }));
  }

  /** ComputeMapEntriesFromEndpointRules. */
  private npEntries(rules: FirewallRule[], nodeIp: Address, dropped: Dropped[], d: Direction, catchAll: boolean): NpEntry[] {
    const perRuleExcept = !this.on('except-shadows-rules');
    const nodeCidr = hostCidr(nodeIp);
    const byCidr = new Map<string, { cidr: Cidr; items: Item[]; except: Cidr[]; sources: EntrySource[] }>();
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
      items.push(...this.inherited(rule.cidr, byCidr, perRuleExcept));
      byCidr.set(key, { cidr: rule.cidr, items, except: [...rule.except], sources: [rule.source] });
    }
    const out: NpEntry[] = [nodeEntry(nodeIp)];
    for (const x of exceptCidrs.values()) {
      if (byCidr.has(cidrKey(x))) continue;
      if (perRuleExcept) {
        // the specification: the excepted range keeps what the other rules allow there
        byCidr.set(cidrKey(x), { cidr: x, items: this.inherited(x, byCidr, true), except: [], sources: [] });
      } else {
        out.push({ cidr: x, kind: 'except', l4: [{ protocol: 'RESERVED', port: 0, endPort: 0 }], overflow: [], sources: [] });
      }
    }
    for (const e of byCidr.values()) {
      const slots = mergeDuplicates(e.items.map((i) => i.slot));
      const limit = this.on('port-limit') ? SLOTS : Infinity;
      const l4 = slots.slice(0, limit);
      const overflow = slots.slice(limit);
      for (const s of overflow) {
        dropped.push({ direction: d, cidr: canonicalText(e.cidr), what: describeSlot(s), why: `more than ${SLOTS} port entries for one CIDR (${slots.length}); which ones the agent keeps depends on Go map order`, mechanism: 'port-limit', ...(s.source ? { source: s.source } : {}) });
      }
      const kind = catchAll && e.cidr.bits === 0 ? 'catch-all' : 'rule';
      out.push({ cidr: e.cidr, kind, l4, overflow, sources: e.sources });
    }
    return out;
  }

  /** The slots a CIDR inherits from every containing non-host CIDR whose except does not cover it. */
  private inherited(cidr: Cidr, byCidr: Map<string, { cidr: Cidr; items: Item[]; except: Cidr[] }>, perRule: boolean): Item[] {
    const out: Item[] = [];
    const width = cidr.family === 4 ? 32 : 128;
    const ip = { family: cidr.family, value: cidr.base, text: '' } as Address;
    for (const c of byCidr.values()) {
      if (c.cidr.bits >= cidr.bits || c.cidr.bits === width || !cidrWithin(cidr, c.cidr)) continue;
      if (perRule) out.push(...c.items.filter((i) => !i.except.some((x) => cidrContains(x, ip))));
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
      let ports = [...r.ports];
      if (ports.some((p) => p.named !== undefined)) ports = dedupPorts(pods.flatMap((pod) => resolveOnPod(pod, ports, !this.on('init-container-ports'))));
      const base = { tier: r.tier, priority: r.priority, action: r.action, ...(r.sources[0] ? { source: r.sources[0] } : {}) };
      if (r.ports.length === 0) return [{ ...base, protocol: 'ANY', port: 0, endPort: 0 }];
      return ports.map((p) => ({ ...base, protocol: p.protocol, port: p.port ?? 0, endPort: p.endPort ?? 0 }));
    };
    const withCidr = rules.filter((r) => r.cidr).map((r, i) => ({ r, i })).sort((a, b) => a.r.cidr!.bits - b.r.cidr!.bits || a.i - b.i).map((x) => x.r);
    const byCidr = new Map<string, { cidr: Cidr; slots: CpSlot[]; sources: EntrySource[] }>();
    const processed: Cidr[] = [];
    for (const r of withCidr) {
      const cidr = r.cidr!;
      if (this.skip(cidr, nodeCidr, dropped, d, r.sources[0])) continue;
      const key = cidrKey(cidr);
      let e = byCidr.get(key);
      if (!e) byCidr.set(key, (e = { cidr, slots: [], sources: [] }));
      // copy the rules of the most specific containing CIDR processed before
      for (let i = processed.length - 1; i >= 0; i--) {
        if (cidrContains(processed[i]!, { family: cidr.family, value: cidr.base, text: '' })) {
          e.slots.push(...byCidr.get(cidrKey(processed[i]!))!.slots);
          break;
        }
      }
      e.slots.push(...slotsOf(r));
      e.sources.push(...r.sources);
      processed.push(cidr);
    }
    for (const e of byCidr.values()) {
      const slots = [...new Set(e.slots)];
      const limit = this.on('port-limit') ? SLOTS : Infinity;
      for (const s of slots.slice(limit)) dropped.push({ direction: d, cidr: canonicalText(e.cidr), what: `${s.tier} ${s.action} ${describeSlot(s)}`, why: `more than ${SLOTS} rules for one CIDR; which ones the agent keeps depends on Go map order`, mechanism: 'port-limit', ...(s.source ? { source: s.source } : {}) });
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
