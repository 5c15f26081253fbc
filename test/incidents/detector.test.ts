// The incident detector on timelines generated here, with clear timestamps (minutes after 09:00).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attributor, type Snapshot } from '../../src/flows/attribute.js';
import type { FlowRecord } from '../../src/flows/record.js';
import { parseDocuments } from '../../src/k8s/yaml.js';
import { buildCluster, expandLists } from '../../src/model/build.js';
import { CauseFinder } from '../../src/incidents/cause.js';
import { IncidentDetector } from '../../src/incidents/detector.js';
import { DEFAULT_INCIDENT_OPTIONS, type IncidentOptions } from '../../src/incidents/options.js';
import { buildTimeline, timelineSnapshots, type RecordedPolicyChange } from '../../src/incidents/timeline.js';
import { mergeByTime } from '../../src/flows/merge.js';
import { parseAddress } from '../../src/net/ip.js';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const min = (m: number): number => T0 + m * 60_000;

const PODS = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: app, labels: {app: api}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: app, labels: {app: job}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.3}
`;
const allowFrom = (apps: string[]): string => `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-in, namespace: app}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: [${apps.join(',')}]}]}}]}]
`;
const OPEN = allowFrom(['web', 'job']);
const CLOSED = allowFrom(['nobody']);

function snapshot(yaml: string, at?: number): Snapshot {
  const objects = expandLists(parseDocuments(yaml, `state-${at ?? 'always'}.yaml`));
  return { ...(at !== undefined ? { at } : {}), label: `state@${at ?? 'always'}`, cluster: buildCluster(objects), objects };
}

const IP: Record<string, string> = { web: '10.0.0.1', api: '10.0.0.2', job: '10.0.0.3' };
function flow(m: number, from: string, verdict: 'allow' | 'deny', to = 'api'): FlowRecord {
  return { time: min(m), src: parseAddress(IP[from] ?? from)!, dst: parseAddress(IP[to] ?? to)!, dstPort: 80, protocol: 'TCP', verdict };
}

function detect(snapshots: Snapshot[], flows: FlowRecord[], options: Partial<IncidentOptions> = {}, records: RecordedPolicyChange[] = [], window = {}) {
  const timeline = buildTimeline(snapshots, records);
  const states = timelineSnapshots(timeline, {});
  const attributor = new Attributor(states);
  const d = new IncidentDetector(attributor, timeline.changes, new CauseFinder(timeline, states, attributor), { ...DEFAULT_INCIDENT_OPTIONS, ...options }, window);
  for (const f of flows) d.add(f);
  return { ...d.result(), timeline };
}

const history = (from: string, ...minutes: number[]): FlowRecord[] => minutes.map((m) => flow(m, from, 'allow'));
const BLOCK_AT_60 = [snapshot(PODS + OPEN, min(-600)), snapshot(PODS + CLOSED, min(60))];

describe('incident detection', () => {
  it('a change that blocks a pair: one incident, with its start, end and cause', () => {
    const r = detect(BLOCK_AT_60, [...history('web', 0, 10, 20, 30, 55), flow(62, 'web', 'deny'), flow(63, 'web', 'deny'), flow(90, 'web', 'allow')]);
    assert.equal(r.incidents.length, 1);
    const i = r.incidents[0]!;
    assert.equal(i.connection, 'app/web -> app/api 80/TCP');
    assert.deepEqual([i.start.at, i.end?.at, i.end?.kind, i.durationMs], [min(62), min(90), 'allowed', 28 * 60_000]);
    assert.deepEqual([i.flows.denied, i.flows.lastDenied, i.flows.allowedBefore, i.flows.lastAllowed], [2, min(63), 5, min(55)]);
    assert.equal(i.cause.at, min(60));
    assert.equal(i.cause.explained, true);
    assert.deepEqual(i.cause.objects.map((o) => [o.change, o.label, o.decisive]), [['modified', 'NetworkPolicy app/api-in', true]]);
    assert.equal(i.cause.explanation?.decidedBy, 'NetworkPolicy app/api-in');
    assert.deepEqual([r.figures.count, r.figures.open, r.figures.mttrMs], [1, 0, 28 * 60_000]);
  });

  it('a first-seen connection denied after a change is not an incident', () => {
    const r = detect(BLOCK_AT_60, [...history('web', 0, 10, 20, 30), flow(61, 'job', 'deny'), flow(62, 'job', 'deny')]);
    assert.equal(r.incidents.length, 0);
  });

  it('a burst of denials of a connection torn down long before the change is not an incident, unless W covers it', () => {
    const flows = [...history('job', -300, -290, -280), flow(61, 'job', 'deny'), flow(61.01, 'job', 'deny'), flow(61.02, 'job', 'deny')];
    assert.equal(detect(BLOCK_AT_60, flows).incidents.length, 0, 'last allowed 5 h 40 m before the change (W = 1h)');
    assert.equal(detect(BLOCK_AT_60, flows, { recentMs: 6 * 3_600_000 }).incidents.length, 1);
  });

  it('legitimacy needs K allowed flows over T', () => {
    const flows = [...history('web', 50, 52, 54), flow(61, 'web', 'deny')];
    assert.equal(detect(BLOCK_AT_60, flows).incidents.length, 0, '3 flows over 4 minutes < T = 10m');
    assert.equal(detect(BLOCK_AT_60, flows, { minHistoryMs: 4 * 60_000 }).incidents.length, 1);
    assert.equal(detect(BLOCK_AT_60, flows, { minHistoryMs: 0, minAllowed: 4 }).incidents.length, 0);
  });

  it('no change since the connection was last allowed, or allowed after the change: not caused by a change', () => {
    assert.equal(detect([snapshot(PODS + OPEN, min(-600))], [...history('web', 0, 10, 20), flow(30, 'web', 'deny')]).incidents.length, 0);
    assert.equal(detect(BLOCK_AT_60, [...history('web', 0, 10, 20, 61), flow(65, 'web', 'deny')]).incidents.length, 0);
  });

  it('two overlapping incidents from one change, one still open at the end', () => {
    const r = detect(BLOCK_AT_60, [...history('web', 0, 15, 30), ...history('job', 5, 20, 35), flow(61, 'web', 'deny'), flow(70, 'job', 'deny'), flow(80, 'web', 'allow'), flow(100, 'job', 'deny')].sort((a, b) => a.time! - b.time!));
    assert.deepEqual(r.incidents.map((i) => [i.from, i.start.at, i.end?.at, i.open]), [['app/web', min(61), min(80), false], ['app/job', min(70), undefined, true]]);
    assert.equal(r.incidents[1]!.durationMs, 30 * 60_000, 'open: up to the last flow');
    assert.deepEqual([r.figures.count, r.figures.open, r.figures.closed, r.figures.mttrMs], [2, 1, 1, 19 * 60_000]);
  });

  it('a revert ends the incident at the change, even with no flow after it', () => {
    const r = detect([...BLOCK_AT_60, snapshot(PODS + OPEN, min(120))], [...history('web', 0, 10, 20), flow(61, 'web', 'deny'), flow(70, 'web', 'deny')]);
    assert.deepEqual([r.incidents[0]!.end?.kind, r.incidents[0]!.end?.at, r.incidents[0]!.open], ['change', min(120), false]);
  });

  it('when the model does not deny after any change, the incident is kept but marked unexplained', () => {
    // the change only touches an unrelated policy; the log still says denied
    const other = `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: unrelated, namespace: app}
spec: {podSelector: {matchLabels: {app: job}}, policyTypes: [Egress]}
`;
    const r = detect([snapshot(PODS + OPEN, min(-600)), snapshot(PODS + OPEN + other, min(60))], [...history('web', 0, 10, 20), flow(61, 'web', 'deny')]);
    assert.equal(r.incidents.length, 1);
    assert.equal(r.incidents[0]!.cause.explained, false);
    assert.equal(r.incidents[0]!.cause.explanation, undefined);
    assert.deepEqual(r.incidents[0]!.cause.objects, [], 'the only change selects neither end');
    assert.equal(r.incidents[0]!.cause.unrelatedObjects, 1);
  });

  it('the blocking change is the first after which the model denies, not merely the latest', () => {
    const other = `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: unrelated, namespace: app}
spec: {podSelector: {matchLabels: {app: job}}, policyTypes: [Egress]}
`;
    const r = detect([...BLOCK_AT_60, snapshot(PODS + CLOSED + other, min(90))], [...history('web', 0, 10, 20, 55), flow(95, 'web', 'deny')]);
    assert.equal(r.incidents[0]!.cause.at, min(60));
    assert.equal(r.incidents[0]!.cause.detectedAfterMs, 35 * 60_000);
  });

  it('decisive objects: each whose undo alone allows; else those selecting an end, together; never one that selects neither end', () => {
    const np = (name: string, spec: string): string => `\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: app}\nspec: ${spec}\n`;
    const flows = [...history('web', 0, 10, 20), flow(61, 'web', 'deny')];
    // two rules admitted web; both withdrawn: undoing either alone lets it through
    const both = detect([snapshot(PODS + OPEN + np('api-in-2', '{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}'), min(-600)), snapshot(PODS + CLOSED + np('api-in-2', '{podSelector: {matchLabels: {app: api}}, ingress: []}'), min(60))], flows);
    assert.deepEqual(both.incidents[0]!.cause.objects.map((o) => [o.label, o.decisive]), [['NetworkPolicy app/api-in', true], ['NetworkPolicy app/api-in-2', true]]);
    // a deny-all and an allow-nobody added together: neither undo alone helps, both are needed; a policy of job is irrelevant
    const r = detect(
      [snapshot(PODS, min(-600)), snapshot(PODS + np('deny-all', '{podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress]}') + np('api-nobody', '{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: nobody}}}]}]}') + np('job-egress', '{podSelector: {matchLabels: {app: job}}, policyTypes: [Egress]}'), min(60))],
      flows,
    );
    assert.deepEqual(r.incidents[0]!.cause.objects.map((o) => [o.change, o.label, o.decisive]), [
      ['added', 'NetworkPolicy app/api-nobody', true],
      ['added', 'NetworkPolicy app/deny-all', true],
    ]);
    assert.equal(r.incidents[0]!.cause.unrelatedObjects, 1, 'job-egress selects neither end');
  });

  it('recorded changes from watch: a baseline, then a modification with its manager', () => {
    const rec = (id: number, at: number, change: RecordedPolicyChange['change'], object?: unknown, manager?: string): RecordedPolicyChange => ({
      id, at, session: 's1', change, apiVersion: 'networking.k8s.io/v1', kind: change === 'baseline' ? '' : 'NetworkPolicy', namespace: 'app', name: change === 'baseline' ? '' : 'api-in', ...(object ? { object } : {}), ...(manager ? { manager } : {}), source: `h.db#${id}`,
    });
    const np = (apps: string[]): unknown => expandLists(parseDocuments(allowFrom(apps), 'x.yaml')).find((o) => (o.value as { kind?: string }).kind === 'NetworkPolicy')!.value;
    const records = [rec(1, min(-60), 'baseline'), rec(2, min(-60), 'listed', np(['web'])), rec(3, min(60), 'modified', np(['nobody']), 'helm'), rec(4, min(75), 'modified', np(['web']), 'helm')];
    const r = detect([snapshot(PODS, min(-600))], [...history('web', 0, 10, 20), flow(61, 'web', 'deny')], {}, records);
    assert.equal(r.timeline.changes.length, 3, 'the baseline adds api-in; then two modifications');
    const i = r.incidents[0]!;
    assert.equal(i.cause.at, min(60));
    assert.deepEqual(i.cause.objects.map((o) => [o.change, o.recordedBy, o.decisive]), [['modified', 'helm', true]]);
    assert.deepEqual([i.end?.kind, i.end?.at], ['change', min(75)]);
  });

  it('records a flow earlier than the one before it as out of order, and ignores flows without a time', () => {
    const late = flow(5, 'web', 'allow');
    const r = detect(BLOCK_AT_60, [...history('web', 0, 10), late, { ...flow(20, 'web', 'allow'), time: undefined } as FlowRecord]);
    assert.deepEqual([r.outOfOrder, r.withoutTime], [1, 1]);
  });

  it('logs merge in time order with one pending flow per log', async () => {
    async function* gen(ms: number[]): AsyncGenerator<FlowRecord> {
      for (const m of ms) yield flow(m, 'web', 'allow');
    }
    const out: number[] = [];
    for await (const f of mergeByTime([gen([1, 4, 9]), gen([2, 3, 10]), gen([])])) out.push((f.time! - T0) / 60_000);
    assert.deepEqual(out, [1, 2, 3, 4, 9, 10]);
  });
});
