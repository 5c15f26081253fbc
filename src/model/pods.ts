import type { Cursor } from '../k8s/cursor.js';
import { parseAddress, type Address } from '../net/ip.js';
import { parsePortName, parsePortNumber, parseProtocol } from '../policy/fields.js';
import type { ContainerPort, Pod } from './cluster.js';

export interface PodSpecFacts {
  ports: ContainerPort[];
  hostNetwork: boolean;
  nodeName?: string;
}

/** What the engine needs from a PodSpec: container ports (named ones resolve policy ports), host networking, node. */
export function parsePodSpec(spec: Cursor): PodSpecFacts {
  const ports: ContainerPort[] = [];
  const containers = [...spec.field('containers').items().map((c) => ({ c, init: false })), ...spec.field('initContainers').items().map((c) => ({ c, init: true }))];
  for (const { c: container, init } of containers) {
    for (const p of container.field('ports').items()) {
      const port = parsePortNumber(p.field('containerPort'));
      const protocol = parseProtocol(p.field('protocol'));
      const nameCursor = p.field('name');
      const name = nameCursor.missing ? undefined : parsePortName(nameCursor);
      ports.push({ ...(name ? { name } : {}), port, protocol, ...(init ? { init: true as const } : {}) });
    }
  }
  const hn = spec.field('hostNetwork');
  const nodeName = spec.field('nodeName').optString();
  return { ports, hostNetwork: hn.missing ? false : hn.boolean(), ...(nodeName ? { nodeName } : {}) };
}

/** status.podIPs (or podIP); dual-stack pods have one of each family. */
export function parsePodIPs(status: Cursor): Address[] {
  const out: Address[] = [];
  const add = (c: Cursor): void => {
    const text = c.string();
    const a = parseAddress(text);
    if (!a) c.fail(`invalid IP address ${JSON.stringify(text)}`);
    if (!out.some((x) => x.value === a.value && x.family === a.family)) out.push(a);
  };
  if (status.missing) return out;
  if (status.has('podIP')) add(status.field('podIP'));
  for (const item of status.field('podIPs').items()) add(item.field('ip'));
  return out;
}

/**
 * What policies (and the own-node rule) can tell pods apart by: namespace, labels, container ports,
 * addresses, node and host networking. Pods with equal keys get equal verdicts; decide one of them.
 */
export function policyKey(p: Pod): string {
  const labels = Object.keys(p.labels).sort().map((k) => `${k}=${p.labels[k]}`).join(',');
  const ports = p.ports.map((x) => `${x.name ?? ''}:${x.port}/${x.protocol}`).sort().join(',');
  return `${p.namespace}\u0000${labels}\u0000${ports}\u0000${p.ips.map((a) => a.text).join(',')}\u0000${p.nodeName ?? ''}\u0000${p.hostNetwork}`;
}
