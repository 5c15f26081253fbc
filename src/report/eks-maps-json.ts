/**
 * `podwall eks maps -o json` as the command writes it: the text of the podwall.eks-maps/v1 document
 * (../shared/eks-dataplane/FORMAT.md), exactly as `JSON.stringify(eksMapsJson(dp, mode), null, 2)` gives it, made
 * piece by piece from the maps rather than through objects. A large cluster's document is gigabytes, most of it
 * entries and sources that identifiers with the same policies repeat: the walk makes each identifier's maps when it
 * reaches it (EksDataplane.mapsInOrder) and lets them go once written, and the text of a computation the agent
 * shared is kept, within a budget, for the next identifier that shares it.
 */
import { canonicalText } from '../eks/addressing.js';
import { inOutputOrder, type EksDataplane } from '../eks/decide.js';
import type { CpEntry, CpSlot, DirectionMaps, Dropped, L4Slot, NpEntry } from '../eks/types.js';
import type { Action } from '../policy/types.js';

export const ACTION: Record<Action, string> = { allow: 'Accept', deny: 'Deny', pass: 'Pass' };

// the layout of JSON.stringify(x, null, 2): depth n is indented by 2n spaces
const INDENT = Array.from({ length: 10 }, (_, n) => '  '.repeat(n));
const str = JSON.stringify;

/** An object whose values are already text at `depth` + 1 (JSON.stringify puts no space before the colon's value). */
function object(fields: readonly (readonly [string, string])[], depth: number): string {
  if (fields.length === 0) return '{}';
  const inner = INDENT[depth + 1]!;
  return `{\n${fields.map(([k, v]) => `${inner}${str(k)}: ${v}`).join(',\n')}\n${INDENT[depth]}}`;
}

/** An array whose items are already text at `depth` + 1. */
function array(items: readonly string[], depth: number): string {
  if (items.length === 0) return '[]';
  const inner = INDENT[depth + 1]!;
  return `[\n${inner}${items.join(`,\n${inner}`)}\n${INDENT[depth]}]`;
}

/** A number as JSON writes it. */
function num(n: number): string {
  return str(n) ?? 'null';
}

function whereField(e: NpEntry | CpEntry): readonly [string, string] {
  return e.cidr ? ['cidr', str(canonicalText(e.cidr))] : ['domain', str(e.domain!)];
}

// where the pieces sit: identifiers (1) > identifier (2) > direction (3) > its lists (4) > entry or source (5)
const ITEM = 5;

/** A slot in an entry's `l4` list (at ITEM + 2), or a dropped item's `l4` (at ITEM + 1). */
function slotText(s: L4Slot, depth = ITEM + 2): string {
  if (s.protocol === 'ANY' || s.protocol === 'RESERVED') return object([['protocol', str(s.protocol)]], depth);
  return object([['protocol', str(s.protocol)], ['port', num(s.port)], ['end_port', num(s.endPort)]], depth);
}

function ruleText(r: CpSlot, depth = ITEM + 2): string {
  const l4: (readonly [string, string])[] = r.protocol === 'ANY' ? [['protocol', '"ANY"']] : [['protocol', str(r.protocol)], ['port', num(r.port)], ['end_port', num(r.endPort)]];
  return object([['tier', str(r.tier)], ['priority', num(r.priority)], ['action', str(ACTION[r.action])], ...l4], depth);
}

function npEntryText(e: NpEntry): string {
  return object([whereField(e), ['l4', array(e.l4.map((s) => slotText(s)), ITEM + 1)]], ITEM);
}

function cpEntryText(e: CpEntry): string {
  return object([whereField(e), ['rules', array(e.rules.map((r) => ruleText(r)), ITEM + 1)]], ITEM);
}

function droppedText(d: Dropped): string {
  const s = d.slot;
  const slot = !s ? undefined : 'tier' in s ? ruleText(s, ITEM + 1) : slotText(s, ITEM + 1);
  const fields: (readonly [string, string])[] = [];
  if (d.cidr) fields.push(['cidr', str(d.cidr)]);
  if (slot) fields.push(['l4', slot]);
  fields.push(['what', str(d.what)], ['why', str(d.why)]);
  if (d.mechanism) fields.push(['mechanism', str(d.mechanism)]);
  if (d.source) fields.push(['policy', str(d.source.policy)], ['rule', num(d.source.rule)]);
  return object(fields, ITEM);
}

/** The policies and rules behind a direction's entries, each once, in the order of the entries. */
function sourcesText(d: DirectionMaps): string {
  const seen = new Set<string>();
  const items: string[] = [];
  for (const e of [...d.entries, ...d.cpEntries]) {
    const where = whereField(e);
    for (const s of e.sources) {
      if (s.rule < 0) continue;
      const key = `${where[1]}|${s.policy}|${s.rule}`;
      if (seen.has(key)) continue;
      seen.add(key);
      items.push(object([where, ['policy', str(s.policy)], ['rule', num(s.rule)], ...(s.ruleName ? [['rule_name', str(s.ruleName)] as const] : [])], ITEM));
    }
  }
  return array(items, ITEM - 1);
}

/** The texts made for one computation the agent shared (DirectionMaps.shared). */
interface SharedTexts {
  entries: Map<NpEntry | CpEntry, string>;
  sources: string;
  dropped: string;
  chars: number;
}

/**
 * Texts of the computations the agent shared, the most recently used kept up to a budget of characters. Directions
 * that share one differ at most in their node entries, which have no sources: their sources, drops and other entries
 * are written once and reused. Keyed by a number per computation, so that a computation let go is not held here.
 */
class SharedTextCache {
  private readonly ids = new WeakMap<object, number>();
  private next = 0;
  private readonly texts = new Map<number, SharedTexts>();
  private chars = 0;

  constructor(private readonly budget: number) {}

  direction(d: DirectionMaps): string {
    const shared = d.shared ? this.of(d, d.shared) : undefined;
    const entry = <E extends NpEntry | CpEntry>(e: E, text: (e: E) => string): string => {
      if (!shared || e.kind === 'node') return text(e);
      let t = shared.entries.get(e);
      if (t === undefined) {
        shared.entries.set(e, (t = text(e)));
        shared.chars += t.length;
        this.chars += t.length;
      }
      return t;
    };
    const text = object(
      [
        ['pod_state', str(d.podState)],
        ['cp_pod_state', str(d.cpPodState)],
        ['entries', array(d.entries.map((e) => entry(e, npEntryText)), ITEM - 1)],
        ['cp_entries', array(d.cpEntries.map((e) => entry(e, cpEntryText)), ITEM - 1)],
        ['dropped', shared?.dropped ?? array(d.dropped.map(droppedText), ITEM - 1)],
        ['sources', shared?.sources ?? sourcesText(d)],
      ],
      ITEM - 2,
    );
    this.evict();
    return text;
  }

  private of(d: DirectionMaps, key: object): SharedTexts {
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.next++));
    let t = this.texts.get(id);
    if (t) {
      this.texts.delete(id); // most recently used last
    } else {
      const sources = sourcesText(d);
      const dropped = array(d.dropped.map(droppedText), ITEM - 1);
      t = { entries: new Map(), sources, dropped, chars: sources.length + dropped.length };
      this.chars += t.chars;
    }
    this.texts.set(id, t);
    return t;
  }

  private evict(): void {
    for (const [id, t] of this.texts) {
      if (this.chars <= this.budget || this.texts.size === 1) return;
      this.texts.delete(id);
      this.chars -= t.chars;
    }
  }
}

/** The texts the cache keeps, in characters: a few computations of a large cluster, against its gigabytes of output. */
const SHARED_TEXT_BUDGET = 64 << 20;

/** The document in pieces, about one per identifier. */
export function* eksMapsJsonChunks(dp: EksDataplane, enforcingMode: string): Generator<string> {
  const maps = [...dp.maps].sort(inOutputOrder);
  // an identifier with maps on several nodes is keyed identifier/node
  const count = new Map<string, number>();
  for (const m of maps) count.set(m.identifier, (count.get(m.identifier) ?? 0) + 1);
  const nodes: Record<string, { ip: string }> = {};
  const pods: Record<string, unknown> = {};
  for (const m of maps) {
    nodes[m.node] = { ip: m.nodeIp.text };
    for (const p of m.pods) pods[`${p.namespace}/${p.name}`] = { ip: dp.addressing.podAddress(p).text, node: m.node, identifier: m.identifier };
  }
  const head = { format: 'podwall.eks-maps/v1', agent: dp.options.version, enforcingMode, family: dp.addressing.family === 4 ? 'ipv4' : 'ipv6', nodes, pods };
  // the head without its closing brace, then the identifiers one by one
  yield `${str(head, null, 2).slice(0, -2)},\n  "identifiers": ${maps.length === 0 ? '{}' : '{'}`;
  const texts = new SharedTextCache(SHARED_TEXT_BUDGET);
  let first = true;
  for (const m of dp.mapsInOrder()) {
    const key = count.get(m.identifier)! > 1 ? `${m.identifier}/${m.node}` : m.identifier;
    const podList = array(m.pods.map((p) => str(`${p.namespace}/${p.name}`)), 3);
    const identifier = object([['node', str(m.node)], ['pods', podList], ['ingress', texts.direction(m.ingress)], ['egress', texts.direction(m.egress)]], 2);
    yield `${first ? '' : ','}\n    ${str(key)}: ${identifier}`;
    first = false;
  }
  yield `${maps.length === 0 ? '' : '\n  }'}\n}\n`;
}

/** eksMapsJsonChunks handed to `write`. */
export function writeEksMapsJson(dp: EksDataplane, enforcingMode: string, write: (chunk: string) => void): void {
  for (const chunk of eksMapsJsonChunks(dp, enforcingMode)) write(chunk);
}
