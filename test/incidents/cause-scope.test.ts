// The cause finder builds each counterfactual from the cluster-wide tiers and the namespaces of the
// connection's ends only (a change of a thousand policies stays cheap). It must answer exactly as a
// model of the whole cluster with that one object's change undone: checked here on a generated
// cluster (NetworkPolicies in six namespaces and an AdminNetworkPolicy) where one change point removes and modifies several.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attributor } from '../../src/flows/attribute.js';
import { FlowEndpoints } from '../../src/flows/endpoints.js';
import { Engine } from '../../src/engine/engine.js';
import { parseDocuments } from '../../src/k8s/yaml.js';
import { buildCluster, expandLists } from '../../src/model/build.js';
import { policyLabel } from '../../src/policy/types.js';
import { CauseFinder } from '../../src/incidents/cause.js';
import { buildTimeline, timelineSnapshots } from '../../src/incidents/timeline.js';

const AT = Date.parse('2026-11-20T10:00:00Z');
const NS = [0, 1, 2, 3, 4, 5];

/** Six namespaces, each isolated for ingress with rules for its own pods and for p0 from anywhere; an ANP denies ns3 -> ns4. */
function cluster(change: boolean): string {
  const docs: string[] = [];
  const np = (ns: number, name: string, spec: string) => docs.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ns${ns}}\nspec: ${spec}`);
  for (const n of NS) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ns${n}}`);
    for (const [i, app] of ['p0', 'p1'].entries()) docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: ${app}, namespace: ns${n}, labels: {app: ${app}}}\nspec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}\nstatus: {podIP: 10.1.${n}.${i + 1}}`);
    np(n, 'deny-in', '{podSelector: {}, policyTypes: [Ingress]}');
    // the change removes the rule for p0 in three namespaces, and narrows the same-namespace rule in two
    if (!(change && n < 3)) np(n, 'allow-p0', '{podSelector: {matchLabels: {app: p1}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: p0}}}], ports: [{port: 80}]}]}');
    np(n, 'allow-same', change && (n === 3 || n === 4) ? '{podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {app: p1}}}]}]}' : '{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}');
  }
  docs.push(`apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: ns3-not-to-ns4}\nspec: {priority: ${change ? 20 : 10}, subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ns4}}}, ingress: [{name: no-ns3, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ns3}}}]}]}`);
  return docs.join('\n---\n');
}

describe('the cause finder\'s counterfactual models', () => {
  it('decide as the whole cluster with one object undone would, for every connection between the pods', () => {
    const read = (text: string, name: string, at: number) => {
      const objects = expandLists(parseDocuments(text, name));
      return { at, label: name, objects, cluster: buildCluster(objects) };
    };
    const timeline = buildTimeline([read(cluster(false), 'before', AT - 86_400_000), read(cluster(true), 'after', AT)]);
    const cp = timeline.changes[0]!;
    assert.equal(cp.changes.length, 6, cp.changes.map((c) => c.label).join(', '));
    const states = timelineSnapshots(timeline, {});
    const finder = new CauseFinder(timeline, states, new Attributor(states));
    const before = states[cp.state - 1]!.cluster;
    const after = states[cp.state]!.cluster;
    const byLabel = (c: typeof after) => new Map(c.policies.map((p) => [`${p.ref.apiVersion}|${policyLabel(p.ref)}`, p]));
    const afterPolicies = byLabel(after);
    const beforePolicies = byLabel(before);
    const ends = new FlowEndpoints(after);
    // the reference: the whole cluster's policies with one object's change undone (what the finder built before)
    const reference = (o: (typeof cp.changes)[number]): Engine => {
      const drop = o.after && afterPolicies.get(`${o.after.apiVersion}|${o.after.label}`);
      const restore = o.before && beforePolicies.get(`${o.before.apiVersion}|${o.before.label}`);
      return new Engine({ ...after, policies: [...after.policies.filter((p) => p !== drop), ...(restore ? [restore] : [])] });
    };
    const beforeEngine = new Engine(before);
    const afterEngine = new Engine(after);
    let blocked = 0;
    let decisive = 0;
    for (const src of after.pods) {
      for (const dst of after.pods) {
        if (src === dst) continue;
        const flow = { time: AT + 60_000, src: src.ips[0]!, dst: dst.ips[0]!, dstPort: 80, protocol: 'TCP' as const, verdict: 'deny' as const };
        const conn = { from: ends.resolve(flow.src).endpoint, to: ends.resolve(flow.dst).endpoint, port: 80, protocol: 'TCP' as const };
        if (!beforeEngine.decide(conn).allowed || afterEngine.decide(conn).allowed) continue; // not blocked by the change
        blocked++;
        const got = finder.cause(flow, cp, true).objects;
        assert.ok(got.length > 0, `${src.namespace}/${src.name} -> ${dst.namespace}/${dst.name}: no object listed`);
        const single = got.map((o) => reference(o).decide(conn).allowed);
        const expected = single.some(Boolean) ? single : single.map(() => true);
        assert.deepEqual(got.map((o) => o.decisive), expected, `${src.namespace}/${src.name} -> ${dst.namespace}/${dst.name}`);
        decisive += single.filter(Boolean).length;
      }
    }
    // p0 of another namespace -> p1 of ns0-2 (5 x 3); p0 -> p1 within ns0-2 keeps the same-namespace rule
    assert.equal(blocked, 15);
    assert.equal(decisive, 15, 'each is undone by restoring its allow-p0');
  });
});
