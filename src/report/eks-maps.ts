/**
 * `podwall eks maps`: the agent's maps per pod identifier, as JSON in the podwall.eks-maps/v1 format
 * (../shared/eks-dataplane/FORMAT.md) and as text for people.
 */
import { canonicalText } from '../eks/addressing.js';
import { describeSlot } from '../eks/agent.js';
import type { EksDataplane } from '../eks/decide.js';
import type { CpEntry, DirectionMaps, Dropped, EntrySource, IdentifierMaps, L4Slot, NpEntry } from '../eks/types.js';
import type { Action } from '../policy/types.js';

const ACTION: Record<Action, string> = { allow: 'Accept', deny: 'Deny', pass: 'Pass' };

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
  const maps = [...dp.maps].sort((a, b) => a.identifier.localeCompare(b.identifier) || a.node.localeCompare(b.node));
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

/** `text` (JSON.stringify(x, null, 2)) as it reads nested `level` deep: every line after the first indented. */
function nested(text: string, level: number): string {
  return text.replace(/\n/g, `\n${'  '.repeat(level)}`);
}

/**
 * The same text as `JSON.stringify(eksMapsJson(dp, mode), null, 2)`, handed to `write` in pieces instead of
 * built as one string: the output of a large cluster is hundreds of megabytes, while its distinct directions
 * are few (identifiers with the same policies on one node share their arrays). Each distinct direction is
 * serialised once and its text reused.
 */
export function writeEksMapsJson(dp: EksDataplane, enforcingMode: string, write: (chunk: string) => void): void {
  const maps = [...dp.maps].sort((a, b) => a.identifier.localeCompare(b.identifier) || a.node.localeCompare(b.node));
  const key = keys(maps);
  const nodes: Record<string, { ip: string }> = {};
  const pods: Record<string, unknown> = {};
  for (const m of maps) {
    nodes[m.node] = { ip: m.nodeIp.text };
    for (const p of m.pods) pods[`${p.namespace}/${p.name}`] = { ip: dp.addressing.podAddress(p).text, node: m.node, identifier: m.identifier };
  }
  const head = { format: 'podwall.eks-maps/v1', agent: dp.options.version, enforcingMode, family: dp.addressing.family === 4 ? 'ipv4' : 'ipv6', nodes, pods };
  const headText = JSON.stringify(head, null, 2);
  // the head without its closing brace, then the identifiers one by one
  write(`${headText.slice(0, -2)},\n  "identifiers": ${maps.length === 0 ? '{}' : '{'}`);
  const ids = new Map<object, number>();
  const id = (x: object): number => {
    let n = ids.get(x);
    if (n === undefined) ids.set(x, (n = ids.size));
    return n;
  };
  const texts = new Map<string, string>();
  const directionText = (d: DirectionMaps): string => {
    const k = `${id(d.shared ?? d)}|${id(d.entries)}|${id(d.cpEntries)}|${id(d.dropped)}|${d.podState}|${d.cpPodState}`;
    let t = texts.get(k);
    if (t === undefined) texts.set(k, (t = nested(JSON.stringify(directionJson(d), null, 2), 3)));
    return t;
  };
  maps.forEach((m, i) => {
    const pods = nested(JSON.stringify(m.pods.map((p) => `${p.namespace}/${p.name}`), null, 2), 3);
    write(`${i ? ',' : ''}\n    ${JSON.stringify(key.get(m)!)}: {\n      "node": ${JSON.stringify(m.node)},\n      "pods": ${pods},\n      "ingress": ${directionText(m.ingress)},\n      "egress": ${directionText(m.egress)}\n    }`);
  });
  write(`${maps.length === 0 ? '' : '\n  }'}\n}\n`);
}

export function eksMapsText(dp: EksDataplane, header: string): string {
  const out: string[] = [header];
  const maps = [...dp.maps].sort((a, b) => a.identifier.localeCompare(b.identifier) || a.node.localeCompare(b.node));
  for (const n of dp.controller.notEnforced) out.push(`not enforced: ${n.policy}: ${n.why}`);
  for (const m of maps) {
    out.push('');
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
  }
  return out.join('\n') + '\n';
}

function sourcesText(sources: readonly EntrySource[]): string {
  const real = sources.filter((s) => s.rule >= 0);
  if (real.length === 0) return '';
  const uniq = [...new Set(real.map((s) => `${s.policy} rule ${s.rule}`))];
  return `  <- ${uniq.join('; ')}`;
}
