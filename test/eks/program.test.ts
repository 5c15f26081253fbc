// The eBPF decision of ../shared/eks-dataplane/README.md §4, on hand-made maps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidePacket, type Packet } from '../../src/eks/program.js';
import type { CpSlot, DirectionMaps, L4Slot, NpEntry } from '../../src/eks/types.js';
import { parseAddress, parseCidr, type Cidr } from '../../src/net/ip.js';

const cidr = (t: string): Cidr => {
  const r = parseCidr(t);
  if (!r.ok) throw new Error(r.error);
  return r.cidr;
};
const np = (c: string, ...l4: L4Slot[]): NpEntry => ({ cidr: cidr(c), kind: 'rule', l4, overflow: [], sources: [] });
const slot = (protocol: L4Slot['protocol'], port = 0, endPort = 0): L4Slot => ({ protocol, port, endPort });
const cp = (tier: 'Admin' | 'Baseline', priority: number, action: CpSlot['action'], protocol: CpSlot['protocol'] = 'ANY', port = 0, endPort = 0): CpSlot => ({ tier, priority, action, protocol, port, endPort });
const maps = (o: Partial<DirectionMaps>): DirectionMaps => ({ podState: 'POLICIES_APPLIED', cpPodState: 'DEFAULT_ALLOW', entries: [], cpEntries: [], dropped: [], policies: [], ...o });
const pkt = (peer: string, port: number, protocol: Packet['protocol'] = 'TCP'): Packet => ({ peer: parseAddress(peer)!, port, protocol });

describe('EKS program: one packet on one side', () => {
  it('takes the longest prefix only: a /24 without the port denies although the /16 allows it', () => {
    const m = maps({ entries: [np('10.0.0.0/16', slot('TCP', 80)), np('10.0.1.0/24', slot('TCP', 443))] });
    assert.equal(decidePacket(m, pkt('10.0.1.5', 80)).allowed, false);
    assert.equal(decidePacket(m, pkt('10.0.2.5', 80)).allowed, true);
  });

  it('NP slots: ANY checks ports, RESERVED denies, a range matches start < port <= end, zero slots never match', () => {
    assert.equal(decidePacket(maps({ entries: [np('10.0.0.0/8', slot('ANY', 80))] }), pkt('10.1.1.1', 81)).allowed, false);
    assert.equal(decidePacket(maps({ entries: [np('10.0.0.0/8', slot('ANY'))] }), pkt('10.1.1.1', 81, 'UDP')).allowed, true);
    assert.equal(decidePacket(maps({ entries: [np('10.0.0.0/8', slot('RESERVED'), slot('ANY'))] }), pkt('10.1.1.1', 1)).allowed, false);
    const range = maps({ entries: [np('10.0.0.0/8', slot('TCP', 80, 90))] });
    assert.deepEqual([79, 80, 90, 91].map((p) => decidePacket(range, pkt('10.1.1.1', p)).allowed), [false, true, true, false]);
    assert.equal(decidePacket(maps({ entries: [np('10.0.0.0/8')] }), pkt('10.1.1.1', 80)).tier, 'NETWORK_POLICY');
  });

  it('no NP entry: DENY when policies apply, else PASS to Baseline and then the pod state', () => {
    assert.equal(decidePacket(maps({}), pkt('1.1.1.1', 80)).allowed, false);
    assert.equal(decidePacket(maps({ podState: 'DEFAULT_ALLOW' }), pkt('1.1.1.1', 80)).tier, 'DEFAULT');
    assert.equal(decidePacket(maps({ podState: 'DEFAULT_DENY' }), pkt('1.1.1.1', 80)).allowed, false);
    const base = maps({ podState: 'DEFAULT_ALLOW', cpEntries: [{ cidr: cidr('0.0.0.0/0'), kind: 'rule', rules: [cp('Baseline', 5, 'deny')], overflow: [], sources: [] }] });
    const d = decidePacket(base, pkt('1.1.1.1', 80));
    assert.equal(d.allowed, false);
    assert.equal(d.tier, 'BASELINE');
  });

  it('CP slots: ANY ignores ports; the minimum priority wins; at a tie Deny < Accept < Pass; Pass goes on to the NP entry', () => {
    const e = (...rules: CpSlot[]) => maps({ cpEntries: [{ cidr: cidr('10.0.0.0/8'), kind: 'rule', rules, overflow: [], sources: [] }], entries: [np('10.0.0.0/8', slot('TCP', 22))] });
    assert.equal(decidePacket(e(cp('Admin', 5, 'allow', 'TCP', 80), cp('Admin', 9, 'deny')), pkt('10.1.1.1', 80)).allowed, true);
    assert.equal(decidePacket(e(cp('Admin', 5, 'allow'), cp('Admin', 5, 'deny')), pkt('10.1.1.1', 80)).allowed, false);
    const pass = decidePacket(e(cp('Admin', 5, 'pass'), cp('Admin', 5, 'allow')), pkt('10.1.1.1', 22));
    assert.equal(pass.tier, 'ADMIN', 'Accept < Pass at the same priority');
    const onlyPass = decidePacket(e(cp('Admin', 5, 'pass')), pkt('10.1.1.1', 23));
    assert.equal(onlyPass.tier, 'NETWORK_POLICY');
    assert.equal(onlyPass.allowed, false);
  });
});
