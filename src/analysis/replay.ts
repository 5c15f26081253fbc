/**
 * `podwall replay`: the traffic that really flows, against a proposed policy set. Which observed
 * allowed flows would the proposal block (the "don't break prod" gate), which observed denied ones
 * would it let through, and which connections does it allow that no observed flow used
 * (over-permissive)? Given the current cluster, the proposal is blamed only for what it changes:
 * a flow the current policies already judge against the log is set apart (docs/semantics.md).
 */
import type { Verdict } from '../engine/verdict.js';
import { Engine } from '../engine/engine.js';
import { OutsideWorld } from '../engine/outside.js';
import { mergeRanges, subtractRanges, type PortRange } from '../engine/ports.js';
import { summarize } from '../engine/verdict-text.js';
import { BigMap } from '../flows/big-map.js';
import { ClassVerdicts } from '../flows/class-verdicts.js';
import { countedLine, type CountedFlow } from '../flows/counted.js';
import { decideTargets, FlowEndpoints, type FlowDestination, type FlowTarget } from '../flows/endpoints.js';
import type { FlowRecord } from '../flows/record.js';
import { workloadId, type Cluster } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { Endpoint } from '../model/endpoint.js';
import { streamMatrix } from './matrix-stream.js';

/** A connection of the log in one of replay's lists, with the verdict that put it there (`reason`). */
export interface BrokenFlow {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  count: number;
  example: string;
  reason: string;
}

export interface ReplayResult {
  observedAllowed: number;
  /** Observed accepted, allowed by the current policies, denied by the proposal (reason: the proposal's). The gate. */
  wouldBlock: BrokenFlow[];
  /**
   * Observed accepted, but denied by the current policies already, and by the proposal: the log
   * and the cluster disagree, the proposal is not the cause (reason: the current policies'). Never
   * fails the gate; always empty without a current cluster.
   */
  alreadyDenied: BrokenFlow[];
  observedDenied: number;
  /** Observed denied, accepted by the proposal (reason: the proposal's). Never fails the gate. */
  wouldAllow: BrokenFlow[];
  /** Observed denied flows the current policies allow already: a disagreement, left out of wouldAllow. */
  alreadyAllowed: number;
}

/** The lists a pair's flows may go to. */
type Listed = 'wouldBlock' | 'alreadyDenied' | 'wouldAllow';

/**
 * A pair of workloads or peers outside the pod network (as matrix --outside each names them) and
 * the ports the proposal allows between them that no observed flow used. Peers known only by domain
 * name are left out: flow logs carry addresses, never names.
 */
export interface UnusedAllowed {
  from: string;
  to: string;
  ports: PortRange[];
}

/**
 * What a pair's first flow says: the list its flows go to (none: the proposal keeps the log's
 * verdict; 'alreadyAllowed': counted only), with the reason; `entry` once the list holds it.
 */
interface PairVerdict {
  list?: Listed | 'alreadyAllowed';
  reason: string;
  entry?: BrokenFlow;
}

/** The verdicts of the pairs no list holds, shared: most pairs are these, one per distinct connection. */
const KEPT: PairVerdict = Object.freeze({ reason: '' });
const ALREADY_ALLOWED: PairVerdict = Object.freeze({ list: 'alreadyAllowed', reason: '' });

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export class Replayer {
  private readonly engine: Engine;
  private readonly endpoints: FlowEndpoints;
  private readonly classes: ClassVerdicts;
  private readonly current?: { engine: Engine; classes: ClassVerdicts; endpoints: FlowEndpoints };
  /**
   * Per pair (labels, port, protocol) of accepted flows, and of denied ones: as many as distinct
   * connections at most, so not one Map.
   */
  private readonly pairs = new BigMap<PairVerdict>();
  private readonly deniedPairs = new BigMap<PairVerdict>();
  /** Each list's pairs in the order their first flow was met. */
  private readonly lists: Record<Listed, BrokenFlow[]> = { wouldBlock: [], alreadyDenied: [], wouldAllow: [] };
  /**
   * Observed ports (protocol index * 65536 + port) per pair, keyed by the names matrix uses, from
   * -> to: nested, as one Map keyed by pairs would pass its 2^24 entries past ~4,096 workloads.
   */
  private readonly observedPorts = new Map<string, Map<string, Set<number>>>();
  private readonly world: OutsideWorld;
  private observed = 0;
  private observedDenied = 0;
  private alreadyAllowed = 0;

  /**
   * `current`, the cluster the flows were observed on, tells which backends of a ClusterIP could
   * have answered an accepted flow (the proposal breaks the flow when it denies one of those), and
   * which flows it judges against the log already (set apart: the proposal is not their cause).
   */
  constructor(proposed: Cluster, current?: Cluster) {
    this.engine = new Engine(proposed);
    this.classes = new ClassVerdicts(this.engine);
    this.endpoints = new FlowEndpoints(proposed);
    if (current) {
      const engine = new Engine(current);
      this.current = { engine, classes: new ClassVerdicts(engine), endpoints: new FlowEndpoints(current) };
    }
    this.world = new OutsideWorld([proposed]);
  }

  /** The name matrix gives an endpoint: its workload, else the node or address atom it belongs to. */
  private peerName(e: Endpoint): string | undefined {
    if (e.kind === 'pod') return workloadId(e.pod);
    if (e.node) return this.world.get(`node/${e.node.name}`)?.name;
    return e.address ? this.world.peerOf(e.address)?.name : undefined;
  }

  /** One line of a log. */
  add(flow: FlowRecord & { file?: string; line?: number }): void {
    this.addCounted(countedLine(flow));
  }

  /**
   * A connection seen `count` times (src/flows/counted.ts). Fed in the order of their first lines,
   * the result is the one of adding those lines one by one: a pair is judged on its first flow.
   */
  addCounted(c: CountedFlow): void {
    const flow = c.flow;
    if (flow.verdict === 'deny') return this.addDenied(c);
    if (flow.verdict !== 'allow') return;
    this.observed += c.count;
    const { src, dst, pair } = this.resolve(flow);
    // a ClusterIP flow used its backends' target ports, which is what matrix lists
    const from = this.peerName(src.endpoint);
    const protocol = PROTOCOLS.indexOf(flow.protocol) * 65536;
    for (const t of dst.targets) {
      const to = this.peerName(t.endpoint);
      if (!from || !to) continue;
      let tos = this.observedPorts.get(from);
      if (!tos) this.observedPorts.set(from, (tos = new Map()));
      let ports = tos.get(to);
      if (!ports) tos.set(to, (ports = new Set()));
      ports.add(protocol + t.port);
    }
    let v = this.pairs.get(pair);
    if (!v) {
      v = this.judge(flow, src.endpoint, dst);
      this.pairs.set(pair, v);
    }
    this.list(v, c, src.label, dst);
  }

  /** An observed denied connection: does the proposal let it through? */
  private addDenied(c: CountedFlow): void {
    const flow = c.flow;
    this.observedDenied += c.count;
    const { src, dst, pair } = this.resolve(flow);
    let v = this.deniedPairs.get(pair);
    if (!v) {
      v = this.judgeDenied(flow, src.endpoint, dst);
      this.deniedPairs.set(pair, v);
    }
    if (v.list === 'alreadyAllowed') this.alreadyAllowed += c.count;
    else this.list(v, c, src.label, dst);
  }

  /** The flow's ends in the proposed cluster, and its pair's key (labels, port, protocol). */
  private resolve(flow: FlowRecord): { src: { endpoint: Endpoint; label: string }; dst: FlowDestination; pair: string } {
    const src = this.endpoints.resolve(flow.src);
    const dst = this.endpoints.destination(flow.dst, flow.dstPort, flow.protocol);
    return { src, dst, pair: `${src.label}\u0000${dst.label}\u0000${dst.port}/${flow.protocol}` };
  }

  /** Counts the connection in its pair's list, if any: the pair's first connection is its example. */
  private list(v: PairVerdict, c: CountedFlow, from: string, dst: FlowDestination): void {
    if (!v.list || v.list === 'alreadyAllowed') return;
    if (v.entry) {
      v.entry.count += c.count;
      return;
    }
    const flow = c.flow;
    const at = c.first;
    const example = `${at.file ? `${at.file}:${at.line}: ` : ''}${flow.src.text} -> ${flow.dst.text}:${flow.dstPort}/${flow.protocol}${at.time !== undefined ? ` at ${new Date(at.time).toISOString()}` : ''}`;
    v.entry = { from, to: dst.label, port: dst.port, protocol: flow.protocol, count: c.count, example, reason: v.reason };
    this.lists[v.list].push(v.entry);
  }

  /** The observed ports of a pair of peers, as ranges. */
  private observedRanges(from: string, to: string): PortRange[] {
    const ports = this.observedPorts.get(from)?.get(to);
    return ports ? [...ports].map((p) => ({ protocol: PROTOCOLS[Math.floor(p / 65536)]!, from: p % 65536, to: p % 65536 })) : [];
  }

  /**
   * The current cluster's verdicts for the flow (on each backend of a ClusterIP), as it resolves
   * the flow's addresses; undefined without a current cluster.
   */
  private currentVerdicts(flow: FlowRecord): { from: Endpoint; dst: FlowDestination; judged: { target: FlowTarget; verdict: Verdict }[] } | undefined {
    const c = this.current;
    if (!c) return undefined;
    const from = c.endpoints.resolve(flow.src).endpoint;
    const dst = c.endpoints.destination(flow.dst, flow.dstPort, flow.protocol);
    return { from, dst, judged: c.classes.decide(from, dst, flow.protocol) };
  }

  /**
   * Does the proposal keep this accepted flow? For a ClusterIP: on every backend that could have
   * answered it (one the current policies allow; every backend when none does). Verdicts shared by
   * endpoints that no policy tells apart (class-verdicts.ts) say which; only a denial is decided
   * again for the very pods, whose names its reason shows. A flow the current policies deny
   * already (on every backend) that the proposal denies too is not the proposal's doing.
   */
  private judge(flow: FlowRecord, from: Endpoint, dst: FlowDestination): PairVerdict {
    const judged = this.classes.decide(from, dst, flow.protocol);
    let current = judged.length > 1 ? this.currentVerdicts(flow) : undefined;
    const candidates = backendsThatCould(judged, current, true);
    const denied = candidates.filter((i) => !judged[i]!.verdict.allowed);
    if (denied.length === 0) return KEPT; // (an allowed pair's reason is never shown)
    current ??= this.currentVerdicts(flow);
    if (current && current.judged.every((j) => !j.verdict.allowed)) {
      const all = current.judged.map((_, i) => i);
      return { list: 'alreadyDenied', reason: explain(this.current!.engine, current.from, current.dst, flow.protocol, all, all.length, 'denied', 'answer') };
    }
    return { list: 'wouldBlock', reason: explain(this.engine, from, dst, flow.protocol, denied, candidates.length, 'denied', 'answer') };
  }

  /**
   * Does the proposal let this denied flow through? For a ClusterIP: on a backend that could have
   * refused it (one the current policies deny; every backend when none does). A flow the current
   * policies allow already (on every backend) is a disagreement of log and cluster, not the
   * proposal's doing: only counted.
   */
  private judgeDenied(flow: FlowRecord, from: Endpoint, dst: FlowDestination): PairVerdict {
    const current = this.currentVerdicts(flow);
    if (current && current.judged.every((j) => j.verdict.allowed)) return ALREADY_ALLOWED;
    const judged = this.classes.decide(from, dst, flow.protocol);
    const candidates = backendsThatCould(judged, judged.length > 1 ? current : undefined, false);
    const allowed = candidates.filter((i) => judged[i]!.verdict.allowed);
    if (allowed.length === 0) return KEPT;
    return { list: 'wouldAllow', reason: explain(this.engine, from, dst, flow.protocol, allowed, candidates.length, 'allowed', 'could have refused') };
  }

  /** The lists, each the most frequent first. */
  result(): ReplayResult {
    const sorted = (l: BrokenFlow[]): BrokenFlow[] => [...l].sort((a, b) => b.count - a.count || a.from.localeCompare(b.from));
    return {
      observedAllowed: this.observed,
      wouldBlock: sorted(this.lists.wouldBlock),
      alreadyDenied: sorted(this.lists.alreadyDenied),
      observedDenied: this.observedDenied,
      wouldAllow: sorted(this.lists.wouldAllow),
      alreadyAllowed: this.alreadyAllowed,
    };
  }

  /**
   * What the proposal allows that no observed flow used, in matrix's order (workloads, then peers
   * outside, each by name). It is the proposed cluster's whole allowed matrix less the few pairs
   * seen, so it grows with the square of the cluster: walked as the matrix streams, one pair at a
   * time (a pair's edges are adjacent), never held whole; each call walks it again.
   */
  *unusedAllowed(): Generator<UnusedAllowed> {
    const domains = new Set(this.world.peers.filter((p) => p.kind === 'domain').map((p) => p.name));
    let pair: UnusedAllowed | undefined;
    const unused = (p: UnusedAllowed): UnusedAllowed | undefined => {
      const ports = subtractRanges(mergeRanges(p.ports), this.observedRanges(p.from, p.to));
      return ports.length ? { from: p.from, to: p.to, ports } : undefined;
    };
    for (const e of streamMatrix(this.engine, { allowedOnly: true, outside: 'each', world: this.world }).edges()) {
      if (domains.has(e.from) || domains.has(e.to)) continue;
      if (!pair || pair.from !== e.from || pair.to !== e.to) {
        const u = pair && unused(pair);
        if (u) yield u;
        pair = { from: e.from, to: e.to, ports: [] };
      }
      pair.ports.push(...e.ports);
    }
    const u = pair && unused(pair);
    if (u) yield u;
  }
}

/**
 * Why the flow is `verdict` (denied or allowed) on the backends `hits` of the `of` that could have
 * `answered` or refused it: the first hit's verdict, decided again for its very pods.
 */
function explain(engine: Engine, from: Endpoint, dst: FlowDestination, protocol: Protocol, hits: number[], of: number, verdict: 'denied' | 'allowed', could: 'answer' | 'could have refused'): string {
  // only the first hit's backend is decided again (a Service may have many)
  const first = decideTargets(engine, from, { ...dst, targets: [dst.targets[hits[0]!]!] }, protocol)[0]!;
  const prefix = of > 1 ? `${verdict} on ${hits.length} of ${of} backends that ${could} ${dst.label} (e.g. ${first.target.backend} on ${first.target.port}): ` : '';
  return prefix + summarize(first.verdict);
}

/**
 * The backends (indexes into `judged`) that could have given the log's verdict, `allowed` or not:
 * those the current policies (`current`) judge so; every backend without them, or when none does.
 */
function backendsThatCould(judged: readonly { target: FlowTarget }[], current: { judged: readonly { target: FlowTarget; verdict: Verdict }[] } | undefined, allowed: boolean): number[] {
  const all = judged.map((_, i) => i);
  if (!current) return all;
  const could = new Set(current.judged.filter((j) => j.verdict.allowed === allowed).map((j) => targetKey(j.target)));
  const those = all.filter((i) => could.has(targetKey(judged[i]!.target)));
  return those.length > 0 ? those : all;
}

function targetKey(t: FlowTarget): string {
  return t.endpoint.kind === 'pod' ? `${t.endpoint.pod.namespace}/${t.endpoint.pod.name}|${t.port}` : `${t.endpoint.address?.text ?? ''}|${t.port}`;
}
