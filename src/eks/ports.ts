/**
 * Named-port and Service-port lookups as the EKS controller does them (controller ecc7e6a7,
 * pkg/k8s/pod_utils.go LookupContainerPortAndName, pkg/k8s/service_utils.go, pkg/resolvers/endpoints.go).
 */
import type { ContainerPort, Pod, Service } from '../model/cluster.js';
import type { Protocol } from '../net/protocol.js';
import type { PortMatch } from '../policy/types.js';
import type { PortSpec } from './types.js';

/** A policy port item as the controller reads it. */
export function portSpec(pm: PortMatch): PortSpec {
  switch (pm.type) {
    case 'range':
      return pm.to > pm.from ? { protocol: pm.protocol, port: pm.from, endPort: pm.to } : { protocol: pm.protocol, port: pm.from };
    case 'protocol':
      return { protocol: pm.protocol };
    case 'named':
      return { protocol: pm.protocol ?? 'TCP', named: pm.name };
  }
}

/** The container ports the controller looks at: spec.containers only, unless init containers count (spec behaviour). */
export function containerPorts(pod: Pod, includeInit: boolean): readonly ContainerPort[] {
  return includeInit ? pod.ports : pod.ports.filter((p) => !p.init);
}

/**
 * getPortList for one pod: a named port resolves to the pod's container port of that name and protocol,
 * or is left out; numbers and protocol-only items pass as they are.
 */
export function resolveOnPod(pod: Pod, specs: readonly PortSpec[], includeInit: boolean): PortSpec[] {
  const out: PortSpec[] = [];
  for (const s of specs) {
    if (s.named === undefined) {
      out.push(s);
      continue;
    }
    const cp = containerPorts(pod, includeInit).find((c) => c.name === s.named && c.protocol === s.protocol);
    if (cp) out.push({ protocol: s.protocol, port: cp.port });
  }
  return out;
}

export function portKey(p: PortSpec): string {
  return `${p.protocol}@${p.port ?? ''}@${p.endPort ?? ''}${p.named ? `@${p.named}` : ''}`;
}

export function dedupPorts(ports: readonly PortSpec[]): PortSpec[] {
  const seen = new Map<string, PortSpec>();
  for (const p of ports) if (!seen.has(portKey(p))) seen.set(portKey(p), p);
  return [...seen.values()];
}

/** Does a numeric port fall within the policy's numeric or protocol-only port items (isNumericPortAllowed)? */
function numericAllowed(port: number, protocol: Protocol, specs: readonly PortSpec[]): boolean {
  return specs.some((s) => s.protocol === protocol && s.named === undefined && (s.port === undefined || (port >= s.port && port <= (s.endPort ?? s.port))));
}

/**
 * The Service port that leads to a policy port (getMatchingServicePort): a Service port whose targetPort is
 * that number or name, else one whose targetPort names or numbers a backing pod's container port that the
 * policy port resolves to. Numeric policy ports are refused when a named targetPort lets some backing pod
 * be reached on a port the policy does not allow (hasTargetPortBypass).
 */
export function serviceListenPort(svc: Service, spec: PortSpec, all: readonly PortSpec[], backing: readonly Pod[], includeInit: boolean): number | undefined {
  const ports = svc.ports ?? [];
  const wanted = spec.named ?? spec.port!;
  let listen = ports.find((sp) => sp.protocol === spec.protocol && typeof sp.targetPort === typeof wanted && sp.targetPort === wanted)?.port;
  if (listen === undefined) {
    for (const pod of backing) {
      const cps = containerPorts(pod, includeInit).filter((c) => c.protocol === spec.protocol);
      const cp = spec.named !== undefined ? cps.find((c) => c.name === spec.named) : cps.find((c) => c.port === spec.port) ?? { port: spec.port!, protocol: spec.protocol };
      if (!cp) continue;
      const found = ports.find((sp) => sp.protocol === spec.protocol && (typeof sp.targetPort === 'string' ? sp.targetPort === cp.name : sp.targetPort === cp.port));
      if (found) {
        listen = found.port;
        break;
      }
    }
  }
  if (listen === undefined) return undefined;
  if (spec.named === undefined) {
    const named = ports.find((sp) => sp.port === listen && sp.protocol === spec.protocol && typeof sp.targetPort === 'string');
    if (named) {
      for (const pod of backing) {
        const cp = pod.ports.find((c) => !c.init && c.name === named.targetPort && c.protocol === spec.protocol);
        if (cp && !numericAllowed(cp.port, spec.protocol, all)) return undefined;
      }
    }
  }
  return listen;
}
