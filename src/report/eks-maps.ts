/**
 * `podwall eks maps`: the agent's maps per pod identifier, as JSON in the podwall.eks-maps/v1 format
 * (../shared/eks-dataplane/FORMAT.md) and as text for people.
 */
import { canonicalText } from '../eks/addressing.js';
import { describeSlot } from '../eks/agent.js';
import { inOutputOrder, type EksDataplane } from '../eks/decide.js';
import type { CpEntry, DirectionMaps, Dropped, EntrySource, IdentifierMaps, L4Slot, NpEntry } from '../eks/types.js';
import { ACTION } from './eks-maps-json.js';

// the streamed text of -o json, as the command writes it
export { eksMapsJsonChunks, writeEksMapsJson } from './eks-maps-json.js';

function l4Json(s: L4Slot): Record<string, unknown> {
  if (s.protocol === 'ANY' || s.protocol === 'RESERVED') return { protocol: s.protocol };
  return { protocol: s.protocol, port: s.port, end_port: s.endPort };
}

function where(e: { cidr?: Parameters<typeof canonicalText>[0]; domain?: string }): Record<string, string> {
  return e.cidr ? { cidr: canonicalText(e.cidr) } : { domain: e.domain! };
}

function sourceJson(cidr: Record<string, string>, s: EntrySource): Record<string, unknown> {
  return { ...cidr, policy: s.policy, rule: s.rule, ...(s.ruleName ? { rule_name: s.ruleName } : {}) };
}

function droppedSlotJson(s: NonNullable<Dropped['slot']>): Record<string, unknown> {
  if ('tier' in s) return { tier: s.tier, priority: s.priority, action: ACTION[s.action], ...(s.protocol === 'ANY' ? { protocol: 'ANY' } : { protocol: s.protocol, port: s.port, end_port: s.endPort }) };
  return l4Json(s);
}

function droppedJson(d: Dropped): Record<string, unknown> {
  return { ...(d.cidr ? { cidr: d.cidr } : {}), ...(d.slot ? { l4: droppedSlotJson(d.slot) } : {}), what: d.what, why: d.why, ...(d.mechanism ? { mechanism: d.mechanism } : {}), ...(d.source ? { policy: d.source.policy, rule: d.source.rule } : {}) };
}

// Identifiers with the same policies share their entries (the agent computes them once): their JSON is made once too.
const entryJson = new WeakMap<NpEntry | CpEntry, Record<string, unknown>>();
const entrySources = new WeakMap<NpEntry | CpEntry, { key: string; json: Record<string, unknown> }[]>();

function sourcesOf(e: NpEntry | CpEntry): { key: string; json: Record<string, unknown> }[] {
  let list = entrySources.get(e);
  if (!list) {
    const cidr = where(e);
    const at = e.cidr ? cidr.cidr! : e.domain!;
    list = e.sources.filter((s) => s.rule >= 0).map((s) => ({ key: `${at}|${s.policy}|${s.rule}`, json: sourceJson(cidr, s) }));
    entrySources.set(e, list);
  }
  return list;
}

function npEntryJson(e: NpEntry): Record<string, unknown> {
  let j = entryJson.get(e);
  if (!j) entryJson.set(e, (j = { ...where(e), l4: e.l4.map(l4Json) }));
  return j;
}

function cpEntryJson(e: CpEntry): Record<string, unknown> {
  let j = entryJson.get(e);
  if (!j) {
    j = { ...where(e), rules: e.rules.map((r) => ({ tier: r.tier, priority: r.priority, action: ACTION[r.action], ...(r.protocol === 'ANY' ? { protocol: 'ANY' } : { protocol: r.protocol, port: r.port, end_port: r.endPort }) })) };
    entryJson.set(e, j);
  }
  return j;
}

/** The sources and drops of a direction: node entries have no sources, so directions the agent shares share these. */
const sharedParts = new WeakMap<object, { sources: Record<string, unknown>[]; dropped: Record<string, unknown>[] }>();

function directionParts(m: DirectionMaps): { sources: Record<string, unknown>[]; dropped: Record<string, unknown>[] } {
  const cached = m.shared && sharedParts.get(m.shared);
  if (cached) return cached;
  const sources: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const addSources = (e: NpEntry | CpEntry): void => {
    for (const s of sourcesOf(e)) {
      if (seen.has(s.key)) continue;
      seen.add(s.key);
      sources.push(s.json);
    }
  };
  m.entries.forEach(addSources);
  m.cpEntries.forEach(addSources);
  const parts = { sources, dropped: m.dropped.map(droppedJson) };
  if (m.shared) sharedParts.set(m.shared, parts);
  return parts;
}

function directionJson(m: DirectionMaps): Record<string, unknown> {
  const { sources, dropped } = directionParts(m);
  return {
    pod_state: m.podState,
    cp_pod_state: m.cpPodState,
    entries: m.entries.map(npEntryJson),
    cp_entries: m.cpEntries.map(cpEntryJson),
    dropped,
    sources,
  };
}

/** Keys of `identifiers`: the identifier, or identifier/node when it has maps on several nodes. */
function keys(maps: readonly IdentifierMaps[]): Map<IdentifierMaps, string> {
  const count = new Map<string, number>();
  for (const m of maps) count.set(m.identifier, (count.get(m.identifier) ?? 0) + 1);
  return new Map(maps.map((m) => [m, count.get(m.identifier)! > 1 ? `${m.identifier}/${m.node}` : m.identifier]));
}

export function eksMapsJson(dp: EksDataplane, enforcingMode: string): unknown {
  const maps = [...dp.maps].sort(inOutputOrder);
  const key = keys(maps);
  const nodes: Record<string, { ip: string }> = {};
  const pods: Record<string, unknown> = {};
  const identifiers: Record<string, unknown> = {};
  for (const m of maps) {
    nodes[m.node] = { ip: m.nodeIp.text };
    for (const p of m.pods) pods[`${p.namespace}/${p.name}`] = { ip: dp.addressing.podAddress(p).text, node: m.node, identifier: m.identifier };
    identifiers[key.get(m)!] = { node: m.node, pods: m.pods.map((p) => `${p.namespace}/${p.name}`), ingress: directionJson(m.ingress), egress: directionJson(m.egress) };
  }
  return { format: 'podwall.eks-maps/v1', agent: dp.options.version, enforcingMode, family: dp.addressing.family === 4 ? 'ipv4' : 'ipv6', nodes, pods, identifiers };
}

export function eksMapsText(dp: EksDataplane, header: string): string {
  return [...eksMapsTextChunks(dp, header)].join('');
}

/** The text of `eks maps`, one piece per identifier, each identifier's maps let go once written. */
export function* eksMapsTextChunks(dp: EksDataplane, header: string): Generator<string> {
  const head: string[] = [header];
  for (const n of dp.controller.notEnforced) head.push(`not enforced: ${n.policy}: ${n.why}`);
  yield head.join('\n') + '\n';
  for (const m of dp.mapsInOrder()) {
    const out: string[] = [''];
    out.push(`${m.identifier} on ${m.node} (node IP ${m.nodeIp.text}): ${m.pods.map((p) => `${p.namespace}/${p.name} ${dp.addressing.podAddress(p).text}`).join(', ')}`);
    for (const d of ['ingress', 'egress'] as const) {
      const x = m[d];
      out.push(`  ${d}: pod state ${x.podState}, cluster-policy state ${x.cpPodState}${x.policies.length ? `; from ${x.policies.join(', ')}` : ''}`);
      if (x.entries.length === 0 && x.cpEntries.length === 0) out.push('    (no entries)');
      for (const e of x.entries) {
        const what = e.kind === 'node' ? ' (node)' : e.kind === 'catch-all' ? ' (catch-all: not isolated, no rules)' : e.kind === 'except' ? ' (except block)' : '';
        out.push(`    ${(e.cidr ? canonicalText(e.cidr) : e.domain!).padEnd(20)} ${e.l4.map(describeSlot).join(', ')}${what}${sourcesText(e.sources)}`);
      }
      for (const e of x.cpEntries) {
        const rules = e.rules.map((r) => `${r.tier} ${r.priority} ${ACTION[r.action]} ${describeSlot(r)}`).join(', ');
        out.push(`    cp ${(e.cidr ? canonicalText(e.cidr) : e.domain!).padEnd(17)} ${rules}${e.kind === 'node' ? ' (node)' : ''}${sourcesText(e.sources)}`);
      }
      for (const dr of x.dropped) out.push(`    dropped: ${dr.cidr ? `${dr.cidr} ` : ''}${dr.what}: ${dr.why}${dr.source ? ` (${dr.source.policy} ${dr.source.direction} rule ${dr.source.rule})` : ''}`);
    }
    yield out.join('\n') + '\n';
  }
}

function sourcesText(sources: readonly EntrySource[]): string {
  const real = sources.filter((s) => s.rule >= 0);
  if (real.length === 0) return '';
  const uniq = [...new Set(real.map((s) => `${s.policy} rule ${s.rule}`))];
  return `  <- ${uniq.join('; ')}`;
}
