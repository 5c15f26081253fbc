// Attribution judges each tuple (addresses, port, protocol) once and derives the attribution of each
// side and verdict it is logged with (src/flows/attribute.ts): held to a fresh Attributor per flow,
// whatever order the variants come in, for pods, a node, outside addresses and a ClusterIP whose
// backends the policies judge differently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attributor } from '../../src/flows/attribute.js';
import type { FlowRecord } from '../../src/flows/record.js';
import { parseAddress } from '../../src/net/ip.js';
import { clusterFrom, pod } from '../helpers.js';

const CLUSTER = [
  'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.10}]}\n',
  pod('shop', 'web-1', { app: 'web' }, 'status: {podIP: 10.0.0.1}\n'),
  pod('shop', 'api-1', { app: 'api', track: 'stable' }, 'status: {podIP: 10.0.0.3}\n'),
  pod('shop', 'api-2', { app: 'api', track: 'canary' }, 'status: {podIP: 10.0.0.4}\n'),
  pod('data', 'db-1', { app: 'db' }, 'status: {podIP: 10.0.1.1}\n'),
  `---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec: {clusterIP: 10.96.0.10, selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}\n`,
  `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: stable-from-web, namespace: shop}\nspec:\n  podSelector: {matchLabels: {track: stable}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: web}}}]\n      ports: [{port: 8080}]\n`,
  `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: canary-closed, namespace: shop}\nspec:\n  podSelector: {matchLabels: {track: canary}}\n  policyTypes: [Ingress]\n`,
  `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: data}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n`,
].join('\n---\n');

const ADDRESSES = ['10.0.0.1', '10.0.0.3', '10.0.0.4', '10.0.1.1', '10.96.0.10', '192.168.1.10', '198.51.100.7'];
const PORTS = [80, 8080, 5432];

describe('attribution by tuple', () => {
  it('gives every side and verdict of a tuple what a fresh attribution gives it, in any order', () => {
    const cluster = clusterFrom(CLUSTER);
    const variants: FlowRecord[] = [];
    for (const src of ADDRESSES)
      for (const dst of ADDRESSES)
        for (const dstPort of PORTS)
          for (const direction of [undefined, 'ingress', 'egress'] as const)
            for (const verdict of ['allow', 'deny', 'expired'] as const) {
              const flow: FlowRecord = { src: parseAddress(src)!, dst: parseAddress(dst)!, dstPort, protocol: 'TCP', verdict };
              if (direction) flow.direction = direction;
              variants.push(flow);
            }
    // a shuffled order: a tuple's first variant may be any side and verdict
    let s = 5;
    for (let i = variants.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
      const j = (s >>> 8) % (i + 1);
      [variants[i], variants[j]] = [variants[j]!, variants[i]!];
    }
    const shared = new Attributor([{ label: 'now', cluster }]);
    let disagree = 0;
    for (const flow of variants) {
      const got = shared.attribute(flow);
      const want = new Attributor([{ label: 'now', cluster }]).attribute(flow);
      assert.deepEqual(got, want, JSON.stringify({ ...flow, src: flow.src.text, dst: flow.dst.text }));
      assert.equal(shared.attribute({ ...flow }), got, 'asked again, the same attribution');
      if (!got.agrees) disagree++;
    }
    assert.ok(disagree > 0 && disagree < variants.length, 'some variants disagree with the model, others not');
  });
});
