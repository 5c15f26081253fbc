/**
 * Workloads as they run: every replica a workload's controller would start, made from its pod
 * template, for the workloads whose pods are not in the input (Helm and kustomize output has none).
 * Names follow the controllers' patterns so that the EKS pod identifier (the name without its last
 * `-segment`) comes out as on a real cluster.
 */
import type { Cursor } from '../k8s/cursor.js';
import type { Diagnostic, SourceLocation } from '../k8s/errors.js';
import { matches, selectorFromLabels, type Labels } from '../k8s/labels.js';
import type { Node, Pod, WorkloadRef } from './cluster.js';
import { parsePodSpec } from './pods.js';

export interface Workload {
  kind: string;
  name: string;
  namespace: string;
  labels: Labels;
  spec: Cursor;
  template: Cursor;
  owner?: WorkloadRef;
  location: SourceLocation;
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusable digits). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A stable pseudo-random suffix: the same input always gives the same pod names. */
function suffix(seed: string, length: number): string {
  let h = hash(seed);
  let out = '';
  for (let i = 0; i < length; i++) {
    if (i % 6 === 5) h = hash(`${seed}#${i}`);
    out += ALPHABET[h % ALPHABET.length];
    h = Math.floor(h / ALPHABET.length);
  }
  return out;
}

function count(c: Cursor, fallback: number): number {
  if (c.missing || c.value === null) return fallback;
  const n = c.integer();
  if (n < 0) c.fail(`must not be negative, got ${n}`);
  return n;
}

interface Replica {
  name: string;
  labels?: Labels;
  nodeName?: string;
}

/** The pods a workload's controller runs: names, per-replica labels, nodes. */
function replicas(w: Workload, nodes: readonly Node[], warn: (message: string) => void): Replica[] {
  const id = `${w.namespace}/${w.name}`;
  const templateText = JSON.stringify(w.template.value);
  switch (w.kind) {
    case 'Deployment': {
      const templateHash = suffix(`${id}|${templateText}`, 10);
      return range(count(w.spec.field('replicas'), 1)).map((i) => ({
        name: `${w.name}-${templateHash}-${suffix(`${id}|${i}`, 5)}`,
        labels: { 'pod-template-hash': templateHash },
      }));
    }
    case 'StatefulSet':
      return range(count(w.spec.field('replicas'), 1)).map((i) => ({
        name: `${w.name}-${i}`,
        labels: { 'statefulset.kubernetes.io/pod-name': `${w.name}-${i}`, 'apps.kubernetes.io/pod-index': String(i) },
      }));
    case 'ReplicaSet':
    case 'ReplicationController':
      return range(count(w.spec.field('replicas'), 1)).map((i) => ({ name: `${w.name}-${suffix(`${id}|${i}`, 5)}` }));
    case 'Job':
      return range(jobPods(w.spec)).map((i) => ({ name: `${w.name}-${suffix(`${id}|${i}`, 5)}`, labels: { 'job-name': w.name, 'batch.kubernetes.io/job-name': w.name } }));
    case 'CronJob': {
      const job = `${w.name}-${29000000 + (hash(id) % 1000000)}`;
      return range(jobPods(w.spec.field('jobTemplate').field('spec'))).map((i) => ({ name: `${job}-${suffix(`${id}|${i}`, 5)}`, labels: { 'job-name': job, 'batch.kubernetes.io/job-name': job } }));
    }
    case 'DaemonSet': {
      const one = { name: `${w.name}-${suffix(id, 5)}` };
      if (nodes.length === 0) return [one];
      const nodeSelector = w.template.field('spec').field('nodeSelector').stringMap();
      const sel = selectorFromLabels(nodeSelector);
      const fit = nodes.filter((n) => matches(sel, n.labels));
      if (fit.length === 0) warn(`no Node in the input matches its nodeSelector: it runs no pods here`);
      return fit.map((n) => ({ name: `${w.name}-${suffix(`${id}|${n.name}`, 5)}`, nodeName: n.name }));
    }
  }
  return [{ name: w.name }];
}

/** Pods a Job runs at once: `parallelism` (default 1), at most `completions`. */
function jobPods(spec: Cursor): number {
  const parallelism = count(spec.field('parallelism'), 1);
  const completions = spec.field('completions');
  return completions.missing || completions.value === null ? parallelism : Math.min(parallelism, count(completions, 1));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Every replica of each workload whose pods are not in the input. A ReplicaSet or Job owned by a
 * workload in the input is that workload's; real Pods of a workload replace all its synthesized ones.
 */
export function synthesizeWorkloadPods(workloads: readonly Workload[], pods: readonly Pod[], nodes: readonly Node[], warnings: Diagnostic[]): Pod[] {
  const present = new Set(workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}`));
  const covered = new Set(pods.filter((p) => p.workload).map((p) => `${p.namespace}/${p.workload!.kind}/${p.workload!.name}`));
  const out: Pod[] = [];
  for (const w of workloads) {
    if (covered.has(`${w.namespace}/${w.kind}/${w.name}`)) continue;
    if (w.owner && present.has(`${w.namespace}/${w.owner.kind}/${w.owner.name}`)) continue;
    if (w.owner && covered.has(`${w.namespace}/${w.owner.kind}/${w.owner.name}`)) continue;
    const warn = (message: string): void => {
      warnings.push({ ...w.location, severity: 'warning', message });
    };
    const list = replicas(w, nodes, warn);
    if (list.length === 0 && w.kind !== 'DaemonSet') warn(`runs no pods (${w.kind === 'Job' || w.kind === 'CronJob' ? 'parallelism' : 'replicas'}: 0): no connection to or from it is modelled`);
    if (list.length === 0) continue;
    const labels = w.template.field('metadata').field('labels').stringMap();
    const spec = parsePodSpec(w.template.field('spec'));
    for (const r of list) {
      const nodeName = r.nodeName ?? spec.nodeName;
      out.push({
        name: r.name,
        namespace: w.namespace,
        labels: { ...labels, ...r.labels },
        ips: [],
        ports: spec.ports,
        hostNetwork: spec.hostNetwork,
        ...(nodeName ? { nodeName } : {}),
        workload: { kind: w.kind, name: w.name },
        synthesized: true,
        location: w.location,
      });
    }
  }
  return out;
}
