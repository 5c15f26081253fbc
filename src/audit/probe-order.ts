/**
 * The order in which the audit's EKS comparison asks its probes (eks-differences.ts): round robin over
 * the sources, so that a bound cut short still asks about every pod. Each pod's queue holds every other
 * pod, then every address, every domain name and every Service port; each address's queue holds every
 * pod (the reverse direction). Pods come first, then addresses, in the order given.
 *
 * The pairs are yielded one by one, never listed: there are pods² of them (36 million for 6,000 pods
 * in one namespace), and the probe bound (20,000) stops long before. Listing them first made a large
 * namespace's audit quadratic in time and memory; each pair yielded here costs a constant amount of
 * work, whatever the number of pods (test/audit/probe-order.test.ts counts the reads).
 */
import type { Protocol } from '../net/protocol.js';

export interface ProbePair {
  from: string;
  to: string;
  ports?: readonly number[];
  protocol?: Protocol;
}

export interface ServicePort {
  /** `NAMESPACE/svc/NAME`, as explain takes it. */
  ref: string;
  port: number;
  protocol: Protocol;
}

/** A queue known by its length and its k-th pair, made only when reached. */
interface Queue {
  length: number;
  at(k: number): ProbePair;
}

export function* probePairs(pods: readonly string[], addresses: readonly string[], domains: readonly string[], services: readonly ServicePort[]): Generator<ProbePair> {
  const queues: Queue[] = [];
  const P = pods.length;
  if (P === 0) return;
  const X = addresses.length;
  const D = domains.length;
  for (let i = 0; i < P; i++) {
    const others = P - 1; // every pod but itself, in order
    queues.push({
      length: others + X + D + services.length,
      at: (k) => {
        const from = pods[i]!;
        if (k < others) return { from, to: pods[k < i ? k : k + 1]! };
        k -= others;
        if (k < X) return { from, to: addresses[k]! };
        k -= X;
        if (k < D) return { from, to: domains[k]! };
        const s = services[k - D]!;
        return { from, to: s.ref, ports: [s.port], protocol: s.protocol };
      },
    });
  }
  for (let x = 0; x < X; x++) queues.push({ length: P, at: (k) => ({ from: addresses[x]!, to: pods[k]! }) });
  let longest = 0;
  for (const q of queues) if (q.length > longest) longest = q.length;
  for (let k = 0; k < longest; k++) for (const q of queues) if (k < q.length) yield q.at(k);
}
