/**
 * A connection between two references as users mean it: a workload stands for every pod it runs, a
 * Service for its backing pods on their target ports. The distinct pod pairs are decided one by one
 * (pods that no policy can tell apart are decided once), and the answer says whether they agree:
 * one pod never speaks for all.
 */
import type { Comparison } from '../eks/compare.js';
import type { Engine } from '../engine/engine.js';
import type { Verdict } from '../engine/verdict.js';
import { workloadId, type Pod, type Service, type ServicePort } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { Connection, Endpoint } from '../model/endpoint.js';
import type { Reference } from '../model/refs.js';
import { describeServicePort, describeServiceSelector, findServicePort, selectedPods, serviceId, targetPortOf } from '../model/services.js';
import type { Decider, Dataplane } from './deciders.js';
import { dnsWarnings } from './dns.js';

export type Outcome = 'allow' | 'deny' | 'mixed' | 'none';

export interface BackendSummary {
  /** The backing workload (`ns/name`). */
  workload: string;
  pods: number;
  /** The target port its pods answer on; absent when they do not have the named target port. */
  port?: number;
  pairs: number;
  allowedPairs: number;
  note?: string;
}

export interface ServiceSummary {
  namespace: string;
  name: string;
  type: Service['type'];
  headless: boolean;
  address?: string;
  /** The Service port dialled, e.g. `http 80/TCP -> 9000`. */
  servicePort?: string;
  selector: string;
  externalName?: string;
}

export interface Judgement {
  from: string;
  to: string;
  /** The port dialled (a Service port for a Service). */
  port: number;
  protocol: Protocol;
  outcome: Outcome;
  /** Pod pairs (connections between two endpoints) the references stand for, and how many are allowed. */
  pairs: number;
  allowedPairs: number;
  /** Both ends of every pair are pods (else one end is outside the pod network). */
  podPairs: boolean;
  /** Distinct pairs decided (pods policies cannot tell apart are decided once). */
  decided: number;
  /** The only pair, or an example of an allowed and of a denied pair. */
  allowed?: Verdict;
  denied?: Verdict;
  /** The data plane that decided; on EKS the examples' comparisons with the specification. */
  dataplane: Dataplane;
  allowedComparison?: Comparison;
  deniedComparison?: Comparison;
  /** Pairs where EKS and the specification disagree (EKS data plane only). */
  disagreements: number;
  service?: ServiceSummary;
  backends?: BackendSummary[];
  /** Facts about the question itself: a single replica, a Service without backends, a masqueraded source. */
  notes: string[];
  warnings: string[];
}

export type JudgeResult = { ok: true; judgement: Judgement } | { ok: false; error: string };

interface Group {
  key: string;
  pods: Pod[];
}

function groups(pods: readonly Pod[], podKey: (p: Pod) => string): Group[] {
  const m = new Map<string, Group>();
  for (const p of pods) {
    const k = podKey(p);
    const g = m.get(k);
    if (g) g.pods.push(p);
    else m.set(k, { key: k, pods: [p] });
  }
  return [...m.values()];
}

/** A destination pod set on one port: what a Service translates to per backend, or a pod set as is. */
interface Destination {
  pods: readonly Pod[];
  port: number;
  backend?: string;
}

export function judge(decider: Decider, from: Reference, to: Reference, port: number | string, protocol: Protocol): JudgeResult {
  const engine = decider.engine;
  const groupsOf = (pods: readonly Pod[]): Group[] => groups(pods, (p) => decider.podKey(p));
  const notes: string[] = [];
  const warnings: string[] = [];
  if (from.kind === 'service') return { ok: false, error: `${from.label} is a Service: connections come from pods; give the workload or pod` };
  const sources: Endpoint[] = from.kind === 'pods' ? from.pods.map((pod) => ({ kind: 'pod', pod })) : [from.endpoint];
  const fromOutside = from.kind === 'endpoint' && from.endpoint.kind === 'external';

  let destinations: Destination[] = [];
  let external: { endpoint: Endpoint; port: number } | undefined;
  let service: Connection['service'];
  let summary: ServiceSummary | undefined;
  let dialled: number;

  if (to.kind === 'service') {
    const svc = to.service;
    summary = {
      namespace: svc.namespace,
      name: svc.name,
      type: svc.type,
      headless: svc.headless,
      ...(to.address ? { address: to.address.text } : svc.clusterIPs[0] ? { address: svc.clusterIPs[0].text } : {}),
      selector: describeServiceSelector(svc),
      ...(svc.externalName ? { externalName: svc.externalName } : {}),
    };
    if (svc.type === 'ExternalName') {
      // a CNAME: the client connects to the external name itself, on the port it dialled
      if (typeof port === 'string') return { ok: false, error: `${to.label} is an ExternalName Service (${svc.externalName}): give a port number` };
      external = { endpoint: { kind: 'external', domain: svc.externalName!.toLowerCase().replace(/\.$/, '') }, port };
      dialled = port;
      notes.push(`${to.label} is an ExternalName Service: its name is an alias (CNAME) of ${svc.externalName}, judged as that name outside the cluster`);
    } else {
      const sp = findServicePort(svc, port, protocol, fromOutside);
      if (!sp && !svc.headless) {
        return { ok: false, error: `${to.label} has no ${protocol} port ${typeof port === 'number' ? port : JSON.stringify(port)}${fromOutside && svc.type !== 'ClusterIP' ? ' (nor node port)' : ''}; its ports: ${svc.ports.map(describeServicePort).join(', ') || 'none'}` };
      }
      if (sp) summary.servicePort = describeServicePort(sp);
      const backing = selectedPods(engine.cluster, svc);
      if (!svc.selector) notes.push(`${to.label} has no selector: its endpoints are managed outside the manifests, so none are known`);
      else if (backing.length === 0) notes.push(`${to.label} selects no pods (${describeServiceSelector(svc)}): nothing answers on it`);
      const byWorkload = new Map<string, Pod[]>();
      for (const p of backing) {
        const w = workloadId(p);
        const list = byWorkload.get(w);
        if (list) list.push(p);
        else byWorkload.set(w, [p]);
      }
      for (const [w, pods] of byWorkload) destinations.push(...backendDestinations(w, pods, sp, port, protocol));
      // headless, given a container port name: the port of the first pod that has it
      dialled = sp ? sp.port : typeof port === 'number' ? port : destinations[0]?.port ?? 0;
      if (sp && sp.nodePort === port && sp.port !== port) dialled = sp.nodePort;
      if (svc.headless && typeof port === 'string' && !sp && destinations.length === 0) {
        return { ok: false, error: `${to.label} has no port named ${JSON.stringify(port)}, and none of its pods has a ${protocol} container port of that name` };
      }
      if (svc.headless) notes.push(`${to.label} is headless: its name resolves to the pods' own addresses, with no port translation`);
      else service = { namespace: svc.namespace, name: svc.name, ...(to.address ?? svc.clusterIPs[0] ? { address: (to.address ?? svc.clusterIPs[0])! } : {}), port: sp!.port, protocol };
      if (fromOutside && svc.type !== 'ClusterIP' && svc.externalTrafficPolicy === 'Cluster') {
        notes.push(`${svc.type} with externalTrafficPolicy: Cluster: kube-proxy may masquerade the client, so the backends can see a node address instead of ${from.label}`);
      }
    }
  } else if (to.kind === 'pods') {
    if (typeof port === 'number') destinations = [{ pods: to.pods, port }];
    else {
      const byPort = new Map<number, Pod[]>();
      const without: Pod[] = [];
      for (const p of to.pods) {
        const cp = p.ports.find((x) => x.name === port && x.protocol === protocol);
        if (cp) byPort.get(cp.port)?.push(p) ?? byPort.set(cp.port, [p]); // in place: a copy per pod is quadratic
        else without.push(p);
      }
      if (byPort.size === 0) return { ok: false, error: `port ${JSON.stringify(port)}: ${to.label} has no ${protocol} container port of that name` };
      if (without.length) notes.push(`${without.length} of ${to.pods.length} pods of ${to.label} have no ${protocol} port named ${port}: left out`);
      destinations = [...byPort].map(([n, pods]) => ({ pods, port: n }));
    }
    dialled = destinations.length === 1 ? destinations[0]!.port : typeof port === 'number' ? port : destinations[0]!.port;
  } else {
    if (typeof port === 'string') {
      const pod = to.endpoint.kind === 'pod' ? to.endpoint.pod : undefined;
      const cp = pod?.ports.find((x) => x.name === port && x.protocol === protocol);
      if (!cp) return { ok: false, error: `port ${JSON.stringify(port)}: not a number, nor a ${protocol} port name of ${to.label}` };
      dialled = cp.port;
    } else dialled = port;
    if (to.endpoint.kind === 'pod') destinations = [{ pods: [to.endpoint.pod], port: dialled }];
    else external = { endpoint: to.endpoint, port: dialled };
  }

  // enumerate the distinct pairs, each with the number of pod pairs it stands for
  const fromPods = from.kind === 'pods' ? from.pods : [];
  const fromGroups = from.kind === 'pods' ? groupsOf(from.pods) : [];
  const fromSet = new Set(fromPods);
  interface Pair {
    conn: Connection;
    count: number;
    backend?: string;
  }
  const pairs: Pair[] = [];
  const selfOnly: Pair[] = [];
  const withService = (c: Connection): Connection => (service ? { ...c, service } : c);
  if (external) {
    for (const g of from.kind === 'pods' ? fromGroups : [{ key: '', pods: [] as Pod[] }]) {
      const src: Endpoint = from.kind === 'pods' ? { kind: 'pod', pod: g.pods[0]! } : sources[0]!;
      pairs.push({ conn: { from: src, to: external.endpoint, port: external.port, protocol }, count: from.kind === 'pods' ? g.pods.length : 1 });
    }
  }
  for (const d of destinations) {
    for (const dg of groupsOf(d.pods)) {
      const srcGroups = from.kind === 'pods' ? fromGroups : [{ key: '', pods: [] as Pod[] }];
      for (const sg of srcGroups) {
        if (from.kind !== 'pods') {
          pairs.push({ conn: withService({ from: sources[0]!, to: { kind: 'pod', pod: dg.pods[0]! }, port: d.port, protocol }), count: dg.pods.length, ...(d.backend ? { backend: d.backend } : {}) });
          continue;
        }
        const overlap = sg.key === dg.key ? dg.pods.filter((p) => fromSet.has(p)).length : 0;
        const count = sg.pods.length * dg.pods.length - overlap;
        const a = sg.pods[0]!;
        if (count === 0) {
          // one pod to itself: loopback, kept only if nothing else is asked
          selfOnly.push({ conn: withService({ from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: a }, port: d.port, protocol }), count: 1, ...(d.backend ? { backend: d.backend } : {}) });
          continue;
        }
        const b = dg.pods.find((p) => p !== a) ?? dg.pods[0]!;
        const a2 = b === a ? sg.pods.find((p) => p !== b)! : a;
        pairs.push({ conn: withService({ from: { kind: 'pod', pod: a2 }, to: { kind: 'pod', pod: b }, port: d.port, protocol }), count, ...(d.backend ? { backend: d.backend } : {}) });
      }
    }
  }
  if (pairs.length === 0 && selfOnly.length > 0) {
    pairs.push(...selfOnly);
    const pod = selfOnly[0]!.conn.from as { kind: 'pod'; pod: Pod };
    if (from.kind === 'pods' && from.workload && to.kind === 'pods' && to.workload) {
      // no second replica to talk to: say so, and what two replicas would get
      const twin: Pod = { ...pod.pod, name: `${pod.pod.name} (a second replica)` };
      const v = engine.decide({ from: pod, to: { kind: 'pod', pod: twin }, port: selfOnly[0]!.conn.port, protocol });
      notes.push(`${from.label} runs one pod: the only pair is the pod with itself (loopback, which no policy can deny); between two replicas it would be ${v.allowed ? 'allowed' : 'denied'}${decider.dataplane === 'eks' ? ' by the specification' : ''}`);
    }
  }

  let allowedPairs = 0;
  let total = 0;
  let allowedEx: Verdict | undefined;
  let deniedEx: Verdict | undefined;
  let allowedCmp: Comparison | undefined;
  let deniedCmp: Comparison | undefined;
  let disagreements = 0;
  const perBackend = new Map<string, { pairs: number; allowed: number }>();
  const decided = new Map<Pair, boolean>();
  for (const p of pairs) {
    const d = decider.decide(p.conn);
    const v = { ...d.verdict, allowed: d.allowed };
    decided.set(p, v.allowed);
    total += p.count;
    if (d.comparison && !d.comparison.agree) disagreements += p.count;
    if (v.allowed) {
      allowedPairs += p.count;
      if (!allowedEx) {
        allowedEx = d.verdict;
        allowedCmp = d.comparison;
      }
    } else if (!deniedEx) {
      deniedEx = d.verdict;
      deniedCmp = d.comparison;
    }
    if (p.backend) {
      const b = perBackend.get(`${p.backend}\u0000${p.conn.port}`) ?? { pairs: 0, allowed: 0 };
      b.pairs += p.count;
      if (v.allowed) b.allowed += p.count;
      perBackend.set(`${p.backend}\u0000${p.conn.port}`, b);
    }
    for (const w of v.warnings) if (!warnings.includes(w)) warnings.push(w);
  }
  if (external) {
    // a name must be resolved first: each allowed source, named as the user named it
    for (const p of pairs) {
      for (const w of dnsWarnings(engine, p.conn.from, p.conn.to, decided.get(p)!)) {
        const text = from.kind === 'pods' && from.workload && p.conn.from.kind === 'pod' ? w.split(`${p.conn.from.pod.namespace}/${p.conn.from.pod.name}`).join(from.label) : w;
        if (!warnings.includes(text)) warnings.push(text);
      }
    }
  }
  const outcome: Outcome = total === 0 ? 'none' : allowedPairs === total ? 'allow' : allowedPairs === 0 ? 'deny' : 'mixed';
  let backends: BackendSummary[] | undefined;
  if (to.kind === 'service' && to.service.type !== 'ExternalName') {
    backends = [];
    for (const d of destinations) {
      const b = perBackend.get(`${d.backend}\u0000${d.port}`) ?? { pairs: 0, allowed: 0 };
      backends.push({ workload: d.backend!, pods: d.pods.length, port: d.port, pairs: b.pairs, allowedPairs: b.allowed });
    }
    for (const u of unreachable(engine, to.service, port, protocol, fromOutside)) backends.push(u);
    backends.sort((a, b) => a.workload.localeCompare(b.workload) || (a.port ?? 0) - (b.port ?? 0));
  }
  return {
    ok: true,
    judgement: {
      from: from.label,
      to: to.label,
      port: dialled,
      protocol,
      outcome,
      pairs: total,
      allowedPairs,
      podPairs: pairs.every((p) => p.conn.from.kind === 'pod' && p.conn.to.kind === 'pod'),
      decided: pairs.length,
      ...(allowedEx ? { allowed: allowedEx } : {}),
      ...(deniedEx ? { denied: deniedEx } : {}),
      dataplane: decider.dataplane,
      ...(allowedCmp ? { allowedComparison: allowedCmp } : {}),
      ...(deniedCmp ? { deniedComparison: deniedCmp } : {}),
      disagreements,
      ...(summary ? { service: summary } : {}),
      ...(backends ? { backends } : {}),
      notes,
      warnings,
    },
  };
}

/** One Service backend workload's pods, grouped by the port each answers on. */
function backendDestinations(workload: string, pods: Pod[], sp: ServicePort | undefined, port: number | string, protocol: Protocol): Destination[] {
  const byPort = new Map<number, Pod[]>();
  for (const p of pods) {
    // headless without a matching Service port: the client dials the pod port itself
    const n = sp ? targetPortOf(sp, p) : typeof port === 'number' ? port : p.ports.find((x) => x.name === port && x.protocol === protocol)?.port;
    if (n === undefined) continue;
    byPort.get(n)?.push(p) ?? byPort.set(n, [p]); // in place: a copy per pod is quadratic
  }
  return [...byPort].map(([n, list]) => ({ pods: list, port: n, backend: workload }));
}

/** Selected pods that are no endpoint of this port: a named targetPort they do not declare. */
function unreachable(engine: Engine, svc: Service, port: number | string, protocol: Protocol, fromOutside: boolean): BackendSummary[] {
  const sp = findServicePort(svc, port, protocol, fromOutside);
  const out = new Map<string, BackendSummary>();
  for (const p of selectedPods(engine.cluster, svc)) {
    const n = sp ? targetPortOf(sp, p) : typeof port === 'number' ? port : p.ports.find((x) => x.name === port && x.protocol === protocol)?.port;
    if (n !== undefined) continue;
    const w = workloadId(p);
    const b = out.get(w) ?? { workload: w, pods: 0, pairs: 0, allowedPairs: 0, note: `no ${protocol} container port named ${sp ? sp.targetPort : port}: not an endpoint of ${serviceId(svc)} on this port` };
    b.pods++;
    out.set(w, b);
  }
  return [...out.values()];
}
