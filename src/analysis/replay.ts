/**
 * `podwall replay`: the traffic that really flows, against a proposed policy set. Which observed
 * allowed flows would the proposal block (the "don't break prod" gate), and which connections does
 * it allow that no observed flow used (over-permissive)?
 */
import type { Endpoint } from '../engine/endpoint.js';
import { Engine } from '../engine/engine.js';
import { OutsideWorld } from '../engine/outside.js';
import { mergeRanges, subtractRanges, type PortRange } from '../engine/ports.js';
import { decideTargets, FlowEndpoints, type FlowDestination, type FlowTarget } from '../flows/endpoints.js';
import type { FlowRecord } from '../flows/record.js';
import { workloadId, type Cluster, type Protocol } from '../model/cluster.js';
import { summarize } from '../report/summary.js';
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
  /**
   * Per pair of workloads or peers outside the pod network (as matrix --outside each names them),
   * the ports the proposal allows that no observed flow used. Peers known only by domain name are
   * left out: flow logs carry addresses, never names.
   */
  unusedAllowed: { from: string; to: string; ports: PortRange[] }[];
}

export class Replayer {
  private readonly engine: Engine;
  private readonly endpoints: FlowEndpoints;
  private readonly current?: { engine: Engine; endpoints: FlowEndpoints };
  private readonly broken = new Map<string, BrokenFlow>();
  /** Observed ports per pair, keyed by the names matrix uses. */
  private readonly observedPorts = new Map<string, PortRange[]>();
  private readonly world: OutsideWorld;
  private readonly cache = new Map<string, { allowed: boolean; reason: string }>();
  private observed = 0;

  /**
   * `current`, the cluster the flows were observed on, tells which backends of a ClusterIP could
   * have answered an accepted flow: the proposal breaks the flow when it denies one of those.
   */
  constructor(proposed: Cluster, current?: Cluster) {
    this.engine = new Engine(proposed);
    this.endpoints = new FlowEndpoints(proposed);
    if (current) this.current = { engine: new Engine(current), endpoints: new FlowEndpoints(current) };
    this.world = new OutsideWorld([proposed]);
  }

  /** The name matrix gives an endpoint: its workload, else the node or address atom it belongs to. */
  private peerName(e: Endpoint): string | undefined {
    if (e.kind === 'pod') return workloadId(e.pod);
    if (e.node) return this.world.get(`node/${e.node.name}`)?.name;
    return e.address ? this.world.peerOf(e.address)?.name : undefined;
  }

  add(flow: FlowRecord & { file?: string; line?: number }): void {
    if (flow.verdict !== 'allow') return;
    this.observed++;
    const src = this.endpoints.resolve(flow.src);
    const dst = this.endpoints.destination(flow.dst, flow.dstPort, flow.protocol);
    const pair = `${src.label}\u0000${dst.label}\u0000${dst.port}/${flow.protocol}`;
    // a ClusterIP flow used its backends' target ports, which is what matrix lists
    const from = this.peerName(src.endpoint);
    for (const t of dst.targets) {
      const to = this.peerName(t.endpoint);
      if (!from || !to) continue;
      const k = `${from}\u0000${to}`;
      const list = this.observedPorts.get(k) ?? [];
      list.push({ protocol: flow.protocol, from: t.port, to: t.port });
      this.observedPorts.set(k, list);
    }
    let v = this.cache.get(pair);
    if (!v) {
      v = this.judge(flow, src.endpoint, dst);
      this.cache.set(pair, v);
    }
    if (v.allowed) return;
    const b = this.broken.get(pair);
    if (b) b.count++;
    else {
      const example = `${flow.file ? `${flow.file}:${flow.line}: ` : ''}${flow.src.text} -> ${flow.dst.text}:${flow.dstPort}/${flow.protocol}${flow.time !== undefined ? ` at ${new Date(flow.time).toISOString()}` : ''}`;
      this.broken.set(pair, { from: src.label, to: dst.label, port: dst.port, protocol: flow.protocol, count: 1, example, reason: v.reason });
    }
  }

  /** Does the proposal keep this accepted flow? For a ClusterIP: on every backend that could have answered it. */
  private judge(flow: FlowRecord, from: Endpoint, dst: FlowDestination): { allowed: boolean; reason: string } {
    const judged = decideTargets(this.engine, from, dst, flow.protocol);
    let candidates = judged;
    if (this.current && judged.length > 1) {
      const c = this.current;
      const cdst = c.endpoints.destination(flow.dst, flow.dstPort, flow.protocol);
      const served = new Set(decideTargets(c.engine, c.endpoints.resolve(flow.src).endpoint, cdst, flow.protocol).filter((j) => j.verdict.allowed).map((j) => targetKey(j.target)));
      const could = judged.filter((j) => served.has(targetKey(j.target)));
      if (could.length > 0) candidates = could;
    }
    const denied = candidates.filter((j) => !j.verdict.allowed);
    if (denied.length === 0) return { allowed: true, reason: summarize(candidates[0]!.verdict) };
    const prefix = candidates.length > 1 ? `denied on ${denied.length} of ${candidates.length} backends that answer ${dst.label} (e.g. ${denied[0]!.target.backend} on ${denied[0]!.target.port}): ` : '';
    return { allowed: false, reason: prefix + summarize(denied[0]!.verdict) };
  }

  result(): ReplayResult {
    const domains = new Set(this.world.peers.filter((p) => p.kind === 'domain').map((p) => p.name));
    const unusedAllowed: ReplayResult['unusedAllowed'] = [];
    // the matrix streamed: a pair's edges are adjacent, so no map of every allowed pair is needed
    let pair: { from: string; to: string; ports: PortRange[] } | undefined;
    const settle = (p: { from: string; to: string; ports: PortRange[] }): void => {
      const unused = subtractRanges(mergeRanges(p.ports), this.observedPorts.get(`${p.from}\u0000${p.to}`) ?? []);
      if (unused.length) unusedAllowed.push({ from: p.from, to: p.to, ports: unused });
    };
    for (const e of streamMatrix(this.engine, { allowedOnly: true, outside: 'each', world: this.world }).edges()) {
      if (domains.has(e.from) || domains.has(e.to)) continue;
      if (!pair || pair.from !== e.from || pair.to !== e.to) {
        if (pair) settle(pair);
        pair = { from: e.from, to: e.to, ports: [] };
      }
      pair.ports.push(...e.ports);
    }
    if (pair) settle(pair);
    unusedAllowed.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
    return {
      observedAllowed: this.observed,
      wouldBlock: [...this.broken.values()].sort((a, b) => b.count - a.count || a.from.localeCompare(b.from)),
      unusedAllowed,
    };
  }
}

function targetKey(t: FlowTarget): string {
  return t.endpoint.kind === 'pod' ? `${t.endpoint.pod.namespace}/${t.endpoint.pod.name}|${t.port}` : `${t.endpoint.address?.text ?? ''}|${t.port}`;
}
