// watch keeps Pods reduced to what the model reads: the model built from them must not change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateDump } from '../../bench/dump.js';
import { buildCluster, type SourceObject } from '../../src/model/build.js';
import { slim } from '../../src/sources/slim.js';

const SHAPE = { workload: 'typical' as const, namespaces: 6, pods: 240, policies: 60, clusterPolicies: 4 };

function model(items: Record<string, unknown>[]): unknown {
  const objects: SourceObject[] = items.map((value) => ({ value, file: 'cluster:test' }));
  const c = buildCluster(objects);
  return {
    pods: c.pods.map((p) => ({ ...p, location: undefined })),
    services: c.services.map((s) => ({ ...s, location: undefined })),
    nodes: c.nodes.map((n) => ({ ...n, location: undefined })),
    namespaces: [...c.namespaces.keys()],
    policies: c.policies.length,
    settings: c.settings,
  };
}

describe('slimmed objects (watch memory follows the model)', () => {
  const dump = JSON.parse(generateDump(SHAPE).json) as { items: Record<string, unknown>[] };

  it('a realistic dump gives the same model from full and slimmed objects', () => {
    assert.ok(dump.items.some((i) => i.kind === 'Pod'));
    assert.deepEqual(model(dump.items.map(slim)), model(dump.items));
  });

  it('a Pod keeps only what the model reads, and is much smaller for it', () => {
    const pods = dump.items.filter((i) => i.kind === 'Pod');
    const full = JSON.stringify(pods).length;
    const kept = JSON.stringify(pods.map(slim)).length;
    assert.ok(kept * 3 < full, `slimmed pods are ${kept} of ${full} bytes`);
    const one = slim(pods[0]!) as { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] } };
    assert.equal(one.metadata.managedFields, undefined);
    assert.deepEqual(Object.keys(one.spec.containers[0]!).sort(), ['name', 'ports'].filter((k) => k in (pods[0] as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0]!).sort());
  });

  it('other kinds lose only managedFields and the last-applied copy', () => {
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a', managedFields: [{ manager: 'kubectl' }], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' } }, spec: { podSelector: {} } };
    assert.deepEqual(slim(policy), { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a', annotations: { keep: 'me' } }, spec: { podSelector: {} } });
  });
});
