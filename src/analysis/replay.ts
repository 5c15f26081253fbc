/**
 * `podwall replay`: the traffic that really flows, against a proposed policy set. Which observed
 * allowed flows would the proposal block (the "don't break prod" gate), and which connections does
 * it allow that no observed flow used (over-permissive)?
 */
import { Engine } from '../engine/engine.js';
import { OutsideWorld } from '../engine/outside.js';
import { mergeRanges, subtractRanges, type PortRange } from '../engine/ports.js';
import { summarize } from '../engine/verdict-text.js';
import { BigMap } from '../flows/big-map.js';
import { ClassVerdicts } from '../flows/class-verdicts.js';
import { countedLine, type CountedFlow } from '../flows/counted.js';
import { decideTargets, FlowEndpoints, type FlowDestination, type FlowTarget } from '../flows/endpoints.js';
import type { FlowRecord } from '../flows/record.js';
import { workloadId, type Cluster, type Protocol } from '../model/cluster.js';
import type { Endpoint } from '../model/endpoint.js';
import { streamMatrix } from './matrix-stream.js';

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
  wouldBlock: BrokenFlow[];
}

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

/** A pair's verdict under the proposal, given by its first flow; `broken` once it blocks one. */
interface PairVerdict {
  allowed: boolean;
  reason: string;
  broken?: BrokenFlow;
}

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export class Replayer {
  private readonly engine: Engine;
  private readonly endpoints: FlowEndpoints;
  private readonly classes: ClassVerdicts;
  private readonly current?: { classes: ClassVerdicts; endpoints: FlowEndpoints };
  /** Per pair (labels, port, protocol): as many as distinct connections at most, so not one Map. */
  private readonly pairs = new BigMap<PairVerdict>();
  /** The blocked pairs in the order their first flow was met. */
  private readonly broken: BrokenFlow[] = [];
  /**
   * Observed ports (protocol index * 65536 + port) per pair, keyed by the names matrix uses, from
   * -> to: nested, as one Map keyed by pairs would pass its 2^24 entries past ~4,096 workloads.
   */
  private readonly observedPorts = new Map<string, Map<string, Set<number>>>();
  private readonly world: OutsideWorld;
  private observed = 0;

  /**
   * `current`, the cluster the flows were observed on, tells which backends of a ClusterIP could
   * have answered an accepted flow: the proposal breaks the flow when it denies one of those.
   */
  constructor(proposed: Cluster, current?: Cluster) {
    this.engine = new Engine(proposed);
    this.classes = new ClassVerdicts(this.engine);
    this.endpoints = new FlowEndpoints(proposed);
    if (current) this.current = { classes: new ClassVerdicts(new Engine(current)), endpoints: new FlowEndpoints(current) };
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
    if (flow.verdict !== 'allow') return;
    this.observed += c.count;
    const src = this.endpoints.resolve(flow.src);
    const dst = this.endpoints.destination(flow.dst, flow.dstPort, flow.protocol);
    const pair = `${src.label}\u0000${dst.label}\u0000${dst.port}/${flow.protocol}`;
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
    if (v.allowed) return;
    if (v.broken) {
      v.broken.count += c.count;
      return;
    }
    const at = c.first;
    const example = `${at.file ? `${at.file}:${at.line}: ` : ''}${flow.src.text} -> ${flow.dst.text}:${flow.dstPort}/${flow.protocol}${at.time !== undefined ? ` at ${new Date(at.time).toISOString()}` : ''}`;
    v.broken = { from: src.label, to: dst.label, port: dst.port, protocol: flow.protocol, count: c.count, example, reason: v.reason };
    this.broken.push(v.broken);
  }

  /** The observed ports of a pair of peers, as ranges. */
  private observedRanges(from: string, to: string): PortRange[] {
    const ports = this.observedPorts.get(from)?.get(to);
    return ports ? [...ports].map((p) => ({ protocol: PROTOCOLS[Math.floor(p / 65536)]!, from: p % 65536, to: p % 65536 })) : [];
  }

  /**
   * Does the proposal keep this accepted flow? For a ClusterIP: on every backend that could have
   * answered it. Verdicts shared by endpoints that no policy tells apart (class-verdicts.ts) say
   * which; only a denial is decided again for the very pods, whose names its reason shows.
   */
  private judge(flow: FlowRecord, from: Endpoint, dst: FlowDestination): PairVerdict {
    const judged = this.classes.decide(from, dst, flow.protocol);
    let candidates = judged.map((_, i) => i);
    if (this.current && judged.length > 1) {
      const c = this.current;
      const cdst = c.endpoints.destination(flow.dst, flow.dstPort, flow.protocol);
      const served = new Set(c.classes.decide(c.endpoints.resolve(flow.src).endpoint, cdst, flow.protocol).filter((j) => j.verdict.allowed).map((j) => targetKey(j.target)));
      const could = candidates.filter((i) => served.has(targetKey(judged[i]!.target)));
      if (could.length > 0) candidates = could;
    }
    const denied = candidates.filter((i) => !judged[i]!.verdict.allowed);
    if (denied.length === 0) return { allowed: true, reason: '' }; // (an allowed pair's reason is never shown)
    const first = decideTargets(this.engine, from, dst, flow.protocol)[denied[0]!]!;
    const prefix = candidates.length > 1 ? `denied on ${denied.length} of ${candidates.length} backends that answer ${dst.label} (e.g. ${first.target.backend} on ${first.target.port}): ` : '';
    return { allowed: false, reason: prefix + summarize(first.verdict) };
  }

  /** The observed flows the proposal would block, the most frequent first. */
  result(): ReplayResult {
    return {
      observedAllowed: this.observed,
      wouldBlock: [...this.broken].sort((a, b) => b.count - a.count || a.from.localeCompare(b.from)),
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

function targetKey(t: FlowTarget): string {
  return t.endpoint.kind === 'pod' ? `${t.endpoint.pod.namespace}/${t.endpoint.pod.name}|${t.port}` : `${t.endpoint.address?.text ?? ''}|${t.port}`;
}
