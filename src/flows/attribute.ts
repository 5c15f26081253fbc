/**
 * Attribution: which pod, node or service is behind each address (in the snapshot in force at the
 * flow's time, because EKS reuses pod IPs), what the model decides for the flow, which policy
 * decides it, and whether the log agrees.
 */
import { Engine } from '../engine/engine.js';
import { tierLabel } from '../engine/verdict-text.js';
import type { SideVerdict, Verdict } from '../engine/verdict.js';
import type { SourceObject } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import type { Endpoint } from '../model/endpoint.js';
import type { Address } from '../net/ip.js';
import { ClassVerdicts } from './class-verdicts.js';
import { FlowEndpoints, type FlowDestination, type FlowTarget } from './endpoints.js';
import { ABSENT, Ipv4Tuples } from './ipv4-tuples.js';
import { plainRecord, plainV4, PROTOCOL_CODE } from './plain-connection.js';
import type { FlowRecord } from './record.js';

export interface Snapshot {
  /** When this snapshot came into force (ms); undefined = always. */
  at?: number;
  label: string;
  cluster: Cluster;
  /** The objects the cluster was built from, when the caller keeps them (incidents compare policies). */
  objects?: readonly SourceObject[];
}

export interface EndpointInfo {
  /** Workload id (`ns/name`), `node/NAME`, `svc ns/name`, or the address. */
  label: string;
  namespace?: string;
  inCluster: boolean;
}

export interface Attribution {
  src: EndpointInfo;
  dst: EndpointInfo;
  /** The model's answer for the side the log speaks of (both sides when it does not say). */
  modelAllowed: boolean;
  /** Does the log's verdict match the model's? (expired flows always agree.) */
  agrees: boolean;
  /** The policy (or tier) that decides: for a denial the denying side's, else the ingress side's. */
  decidedBy: string;
  /** The namespace whose policy decided a denial. */
  deciderNamespace?: string;
  snapshot: string;
  /** Was the source's egress side allowed? */
  egressAllowed: boolean;
  /** `src -> dst port/proto`, the key of the pair tables. */
  pair: string;
}

interface PreparedSnapshot extends Snapshot {
  engine: Engine;
  endpoints: FlowEndpoints;
  /** Verdicts per (source, destination) as the policies see them: endpoints of one class share them. */
  verdicts?: ClassVerdicts;
  /** Each address's endpoint, resolved once (by its text: the label of an outside address is its text). */
  sources: Map<string, ResolvedSource>;
  /** Each tuple (addresses, port, protocol) judged once, whatever the verdicts and sides it is logged with. */
  tuples: Map<string, Judgement>;
  /**
   * The same for tuples between plain-spelled IPv4 addresses (plain-connection.ts), found by
   * numbers (addresses; port and protocol) rather than a key string: a number in `judgements`.
   */
  plainTuples: Ipv4Tuples;
  judgements: Judgement[];
}

interface ResolvedSource {
  endpoint: Endpoint;
  info: EndpointInfo;
}

/**
 * What the model makes of a tuple, which neither the log's verdict nor its side changes: the
 * endpoints and the verdict of each place the flow may have gone. Its attributions, one per side
 * logged (none, ingress, egress) and log verdict, are derived from it when first asked.
 */
interface Judgement {
  src: ResolvedSource;
  dstInfo: EndpointInfo;
  judged: { target: FlowTarget; verdict: Verdict }[];
  /** The pair table's key, the same for every side and verdict (one string: its hash is computed once). */
  pair: string;
  variants: (Attribution | undefined)[];
}

const CACHE_LIMIT = 200_000;
/** The port and protocol of a connection's meta (plain-connection.ts): the tuple's part of it, which judgement() keys by. */
const TUPLE_BITS = 0x3ffff;
const SIDES = { ingress: 1, egress: 2 } as const;
const LOG_VERDICTS = { allow: 0, deny: 1, expired: 2 } as const;

export class Attributor {
  private readonly snapshots: PreparedSnapshot[];

  constructor(snapshots: Snapshot[]) {
    if (snapshots.length === 0) throw new Error('attribution needs a cluster snapshot');
    this.snapshots = [...snapshots].sort((a, b) => (a.at ?? -Infinity) - (b.at ?? -Infinity)).map((s) => prepare(s));
  }

  /** How many states of the cluster flows are attributed in: with one, a flow's time does not matter. */
  get snapshotCount(): number {
    return this.snapshots.length;
  }

  /** A snapshot that came into force after every one held (`watch`: the cluster as it is now). */
  add(snapshot: Snapshot): void {
    const last = this.snapshots[this.snapshots.length - 1]!;
    if (snapshot.at === undefined || (last.at !== undefined && snapshot.at < last.at)) throw new Error('snapshots are added in time order');
    this.snapshots.push(prepare(snapshot));
  }

  /** Forgets snapshots no flow will be placed in again (a long-running `watch` bounds its memory). */
  drop(labels: ReadonlySet<string>): void {
    for (let i = this.snapshots.length - 1; i >= 0 && this.snapshots.length > 1; i--) if (labels.has(this.snapshots[i]!.label)) this.snapshots.splice(i, 1);
  }

  /** The latest snapshot taken at or before `time`; the earliest when the flow predates them all. */
  private snapshotFor(time: number | undefined): PreparedSnapshot {
    if (time === undefined) return this.snapshots[this.snapshots.length - 1]!;
    let chosen = this.snapshots[0]!;
    for (const s of this.snapshots) if (s.at === undefined || s.at <= time) chosen = s;
    return chosen;
  }

  attribute(flow: FlowRecord): Attribution {
    const snap = this.snapshotFor(flow.time);
    const j = judgement(snap, flow);
    return (j.variants[variantOf(flow)] ??= derive(j, snap.label, flow));
  }

  /**
   * The same for a flow whose side and verdict are not asked again with its tuple (a tally's
   * distinct connection): derived and not kept, so memory holds a judgement per tuple and no
   * attribution per connection (a tally's are used once, while counting it).
   */
  attributeOnce(flow: FlowRecord): Attribution {
    const snap = this.snapshotFor(flow.time);
    const j = judgement(snap, flow);
    return j.variants[variantOf(flow)] ?? derive(j, snap.label, flow);
  }

  /**
   * Judges ahead the tuple of a connection in the plain spelling (its numbers as plain-connection.ts
   * packs them), with one state of the cluster: its flows then find it judged. Nothing else changes:
   * a judgement depends on the tuple and the snapshot only.
   */
  prime(src: number, dst: number, meta: number): void {
    if (this.snapshots.length !== 1) return;
    const snap = this.snapshots[0]!;
    // a tuple judged already (another verdict or side of it, or the same connection sent by
    // another counting thread) is found by its numbers, without a record or its texts
    if (snap.plainTuples.get(src >>> 0, dst >>> 0, meta & TUPLE_BITS) !== ABSENT) return;
    judgement(snap, plainRecord(src >>> 0, dst >>> 0, meta));
  }

  /** The model's whole verdict for a flow, with every step, in the snapshot in force at its time. */
  verdict(flow: FlowRecord): Verdict {
    const snap = this.snapshotFor(flow.time);
    return snap.engine.decide({ from: endpointFor(snap, flow.src).endpoint, to: endpointFor(snap, flow.dst).endpoint, port: flow.dstPort, protocol: flow.protocol });
  }
}

/** The side and verdict a flow was logged with, as an index in Judgement.variants. */
function variantOf(flow: FlowRecord): number {
  return (flow.direction ? SIDES[flow.direction] : 0) * 3 + LOG_VERDICTS[flow.verdict];
}

function prepare(s: Snapshot): PreparedSnapshot {
  return { ...s, engine: new Engine(s.cluster), endpoints: new FlowEndpoints(s.cluster), sources: new Map(), tuples: new Map(), plainTuples: new Ipv4Tuples(), judgements: [] };
}

function endpointFor(snap: PreparedSnapshot, address: Address): ResolvedSource {
  let r = snap.sources.get(address.text);
  if (r) return r;
  const { endpoint, label } = snap.endpoints.resolve(address);
  r = endpoint.kind === 'pod' ? { endpoint, info: { label, namespace: endpoint.pod.namespace, inCluster: true } } : { endpoint, info: { label, inCluster: endpoint.node !== undefined } };
  if (snap.sources.size >= CACHE_LIMIT) snap.sources.clear();
  snap.sources.set(address.text, r);
  return r;
}

/** The tuple of a flow judged in a snapshot, once. */
function judgement(snap: PreparedSnapshot, flow: FlowRecord): Judgement {
  const src = plainV4(flow.src.text);
  const dst = src < 0 ? -1 : plainV4(flow.dst.text);
  const protocol = PROTOCOL_CODE[flow.protocol] ?? 0;
  if (dst >= 0 && protocol) {
    const meta = flow.dstPort | (protocol << 16);
    const i = snap.plainTuples.get(src, dst, meta);
    if (i !== ABSENT) return snap.judgements[i]!;
    const j = judge(snap, flow);
    if (snap.judgements.length >= CACHE_LIMIT) {
      snap.plainTuples = new Ipv4Tuples();
      snap.judgements = [];
    }
    snap.plainTuples.add(src, dst, meta, snap.judgements.push(j) - 1);
    return j;
  }
  const key = `${flow.src.text}|${flow.dst.text}|${flow.dstPort}|${flow.protocol}`;
  let j = snap.tuples.get(key);
  if (j) return j;
  j = judge(snap, flow);
  if (snap.tuples.size >= CACHE_LIMIT) snap.tuples.clear();
  snap.tuples.set(key, j);
  return j;
}

/** What the model makes of the flow's tuple. */
function judge(snap: PreparedSnapshot, flow: FlowRecord): Judgement {
  const src = endpointFor(snap, flow.src);
  const dst = snap.endpoints.destination(flow.dst, flow.dstPort, flow.protocol);
  // A ClusterIP flow went to one backend, and the log does not say which: the model agrees with
  // the log when some backend gets the log's verdict, and that backend's verdict is shown.
  const judged = (snap.verdicts ??= new ClassVerdicts(snap.engine)).decide(src.endpoint, dst, flow.protocol);
  const dstInfo = destinationInfo(dst);
  const shownPort = judged.length === 1 ? judged[0]!.target.port : dst.port;
  return { src, dstInfo, judged, pair: `${src.info.label} -> ${dstInfo.label} ${shownPort}/${flow.protocol}`, variants: [] };
}

/** The attribution of a flow of the judged tuple, by the side and verdict it was logged with. */
function derive(j: Judgement, snapshot: string, flow: FlowRecord): Attribution {
  const { src, dstInfo, judged } = j;
  const sideAllowed = (v: Verdict): boolean => (flow.direction ? v[flow.direction].allowed : v.allowed);
  const logAllowed = flow.verdict === 'allow';
  const match = flow.verdict === 'expired' ? undefined : judged.find((x) => sideAllowed(x.verdict) === logAllowed);
  const { verdict } = match ?? judged[0]!;
  const modelAllowed = sideAllowed(verdict);
  // the side the log speaks of decides; without one, the side that denied (else ingress)
  const deciding: SideVerdict = flow.direction ? verdict[flow.direction] : !verdict.egress.allowed ? verdict.egress : verdict.ingress;
  return {
    src: src.info,
    dst: dstInfo,
    modelAllowed,
    agrees: flow.verdict === 'expired' || match !== undefined,
    decidedBy: decider(deciding),
    ...(deciding.tier !== 'none' ? { deciderNamespace: deciding.direction === 'egress' ? src.info.namespace : dstInfo.namespace } : {}),
    snapshot,
    egressAllowed: verdict.egress.allowed,
    pair: j.pair,
  };
}

function destinationInfo(dst: FlowDestination): EndpointInfo {
  const t = dst.targets[0]!.endpoint;
  if (dst.service) return { label: dst.label, namespace: dst.service.namespace, inCluster: true };
  if (t.kind === 'pod') return { label: dst.label, namespace: t.pod.namespace, inCluster: true };
  return { label: dst.label, inCluster: t.node !== undefined };
}

// tuples of one class pair share their Verdict objects (class-verdicts.ts): each side's text is made once
const deciders = new WeakMap<SideVerdict, string>();

function decider(side: SideVerdict): string {
  let d = deciders.get(side);
  if (d === undefined) deciders.set(side, (d = deciderText(side)));
  return d;
}

function deciderText(side: SideVerdict): string {
  const step = side.steps[side.steps.length - 1]!;
  if (step.rule) return `${step.rule.kind} ${step.rule.namespace ? `${step.rule.namespace}/` : ''}${step.rule.name}`;
  if (step.policies?.length) return step.policies.join(' + ');
  if (step.tier === 'default') return step.outcome === 'deny' ? 'default deny (strict mode)' : 'default allow';
  return tierLabel(step.tier);
}
