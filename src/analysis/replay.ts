/**
 * `podwall replay`: the traffic that really flows, against a proposed policy set. Which observed
 * allowed flows would the proposal block (the "don't break prod" gate), and which connections does
 * it allow that no observed flow used (over-permissive)?
 */
import { Engine } from '../engine/engine.js';
import { FlowEndpoints } from '../flows/endpoints.js';
import type { FlowRecord } from '../flows/record.js';
import type { Cluster, Protocol } from '../model/cluster.js';
import { summarize } from '../report/summary.js';
import { computeMatrix } from './matrix.js';

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
  unusedAllowed: { from: string; to: string; port: number; protocol: Protocol }[];
}

export class Replayer {
  private readonly engine: Engine;
  private readonly endpoints: FlowEndpoints;
  private readonly broken = new Map<string, BrokenFlow>();
  private readonly used = new Set<string>();
  private readonly cache = new Map<string, { allowed: boolean; reason: string }>();
  private observed = 0;

  constructor(proposed: Cluster) {
    this.engine = new Engine(proposed);
    this.endpoints = new FlowEndpoints(proposed);
  }

  add(flow: FlowRecord & { file?: string; line?: number }): void {
    if (flow.verdict !== 'allow') return;
    this.observed++;
    const src = this.endpoints.resolve(flow.src);
    const dst = this.endpoints.resolve(flow.dst);
    const pair = `${src.label}\u0000${dst.label}\u0000${flow.dstPort}/${flow.protocol}`;
    this.used.add(pair);
    let v = this.cache.get(pair);
    if (!v) {
      const verdict = this.engine.decide({ from: src.endpoint, to: dst.endpoint, port: flow.dstPort, protocol: flow.protocol });
      v = { allowed: verdict.allowed, reason: summarize(verdict) };
      this.cache.set(pair, v);
    }
    if (v.allowed) return;
    const b = this.broken.get(pair);
    if (b) b.count++;
    else {
      const example = `${flow.file ? `${flow.file}:${flow.line}: ` : ''}${flow.src.text} -> ${flow.dst.text}:${flow.dstPort}/${flow.protocol}${flow.time !== undefined ? ` at ${new Date(flow.time).toISOString()}` : ''}`;
      this.broken.set(pair, { from: src.label, to: dst.label, port: flow.dstPort, protocol: flow.protocol, count: 1, example, reason: v.reason });
    }
  }

  result(): ReplayResult {
    const matrix = computeMatrix(this.engine, { allowedOnly: true });
    const unusedAllowed = matrix.edges
      .filter((e) => e.allowed && !this.used.has(`${e.from}\u0000${e.to}\u0000${e.port}/${e.protocol}`))
      .map(({ from, to, port, protocol }) => ({ from, to, port, protocol }));
    return {
      observedAllowed: this.observed,
      wouldBlock: [...this.broken.values()].sort((a, b) => b.count - a.count || a.from.localeCompare(b.from)),
      unusedAllowed,
    };
  }
}
