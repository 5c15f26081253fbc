// The verdicts flows share between endpoints of one class (src/flows/class-verdicts.ts, keyed by
// numbers) held to the engine asked afresh for every connection, on random clusters: pods of one
// class, host-network pods, nodes, Services and addresses outside, every port and protocol, with
// endpoint objects met again and made anew. And the engine's own per-pod selection (engine.ts)
// held to an engine that has seen nothing: the same whole verdict, reasons included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine } from '../../src/engine/engine.js';
import type { Verdict, SideVerdict } from '../../src/engine/verdict.js';
import { ClassVerdicts } from '../../src/flows/class-verdicts.js';
import { decideTargets, FlowEndpoints } from '../../src/flows/endpoints.js';
import { buildCluster } from '../../src/model/build.js';
import type { Protocol } from '../../src/net/protocol.js';
import { parseAddress, type Address } from '../../src/net/ip.js';
import { randomEksCluster } from '../eks/random.js';

const OUTSIDE = ['198.51.100.7', '10.0.0.17', '10.0.0.13', '192.168.0.9', '2001:db8::1'];
const PORTS = [80, 443, 53, 8000, 8080, 9000, 70000];
const PROTOCOLS: Protocol[] = ['TCP', 'UDP'];

/** What attribution, replay and advise read of a shared verdict: never the names of the pair. */
function decided(v: Verdict): unknown {
  const side = (s: SideVerdict): unknown => {
    const last = s.steps[s.steps.length - 1]!;
    return { allowed: s.allowed, tier: s.tier, last: { tier: last.tier, outcome: last.outcome, rule: last.rule, policies: last.policies } };
  };
  return { allowed: v.allowed, egress: side(v.egress), ingress: side(v.ingress) };
}

describe('class-shared flow verdicts', () => {
  it('decide what a fresh engine decides for each pair, on random clusters', () => {
    let shared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const cluster = buildCluster(randomEksCluster(seed, { upstream: seed % 2 === 0, templates: seed % 3 === 0 }));
      const addresses: Address[] = [...cluster.pods.flatMap((p) => p.ips), ...cluster.nodes.flatMap((n) => n.addresses), ...cluster.services.flatMap((s) => s.clusterIPs), ...OUTSIDE.map((t) => parseAddress(t)!)];
      const engine = new Engine(cluster);
      const classes = new ClassVerdicts(engine);
      const endpoints = new FlowEndpoints(cluster);
      const sources = new Map(addresses.map((a) => [a, endpoints.resolve(a).endpoint]));
      let n = 0;
      for (const src of addresses)
        for (const dst of addresses)
          for (const port of PORTS)
            for (const protocol of PROTOCOLS) {
              // the source met again (as attribution keeps it) or made anew every other time
              const from = n++ % 2 ? sources.get(src)! : endpoints.resolve(src).endpoint;
              const destination = endpoints.destination(dst, port, protocol);
              const got = classes.decide(from, destination, protocol);
              const want = decideTargets(new Engine(cluster), from, destination, protocol);
              const where = `seed ${seed}: ${src.text} -> ${dst.text} ${port}/${protocol}`;
              assert.equal(got.length, want.length, where);
              for (let i = 0; i < want.length; i++) {
                assert.equal(got[i]!.target, want[i]!.target, where);
                if (got[i]!.verdict.from !== want[i]!.verdict.from) shared++;
                assert.deepEqual(decided(got[i]!.verdict), decided(want[i]!.verdict), where);
              }
            }
    }
    // the clusters have replicas: some verdicts did come from another pair of the same classes
    assert.ok(shared > 0);
  });

  it("leave the engine's whole verdict as an engine that has seen nothing gives it", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const cluster = buildCluster(randomEksCluster(seed, { upstream: seed % 2 === 1, templates: seed % 2 === 0 }));
      const engine = new Engine(cluster);
      const endpoints = new FlowEndpoints(cluster);
      const addresses: Address[] = [...cluster.pods.flatMap((p) => p.ips), ...cluster.nodes.flatMap((n) => n.addresses), ...OUTSIDE.map((t) => parseAddress(t)!)];
      for (const src of addresses)
        for (const dst of addresses)
          for (const port of [80, 53, 8080])
            for (const protocol of PROTOCOLS) {
              const conn = { from: endpoints.resolve(src).endpoint, to: endpoints.resolve(dst).endpoint, port, protocol };
              assert.deepEqual(engine.decide(conn), new Engine(cluster).decide(conn), `seed ${seed}: ${src.text} -> ${dst.text} ${port}/${protocol}`);
            }
    }
  });
});
