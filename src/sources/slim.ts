/**
 * What a long-running mirror keeps of an object, and what reading manifest files keeps (slimRead). Everything but the server's bookkeeping
 * (managedFields, the last-applied copy of the whole object) for most kinds; for Pods, which are
 * most of a cluster and whose specs and status grow with every sidecar, probe and condition, only
 * what the model reads (src/model/pods.ts, build.ts): so watch's memory follows the model, not the
 * size of the objects the server sends. A test builds the model from full and slimmed Pods and
 * requires the same cluster.
 */

import { isPolicyKind } from '../model/build.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function pick(from: unknown, keys: readonly string[]): Obj | undefined {
  if (!isObj(from)) return undefined;
  const out: Obj = {};
  for (const k of keys) if (k in from) out[k] = from[k];
  return out;
}

/** A container reduced to what names ports: a named port in a policy resolves against these. */
function container(c: unknown): unknown {
  return isObj(c) ? pick(c, ['name', 'ports']) : c;
}

function containers(list: unknown): unknown {
  return Array.isArray(list) ? list.map(container) : list;
}

function withoutBookkeeping(meta: Obj): Obj {
  const annotations = meta.annotations;
  const lastApplied = isObj(annotations) && 'kubectl.kubernetes.io/last-applied-configuration' in annotations;
  if (!('managedFields' in meta) && !lastApplied) return meta;
  const m = { ...meta };
  delete m.managedFields;
  if (lastApplied) {
    const a = { ...(annotations as Obj) };
    delete a['kubectl.kubernetes.io/last-applied-configuration'];
    m.annotations = a;
  }
  return m;
}

function slimPod(item: Obj): Obj {
  const out: Obj = { ...pick(item, ['apiVersion', 'kind']) };
  if ('metadata' in item) out.metadata = isObj(item.metadata) ? pick(item.metadata, ['name', 'namespace', 'labels', 'ownerReferences', 'uid', 'resourceVersion', 'deletionTimestamp']) : item.metadata;
  if ('spec' in item) {
    const spec = item.spec;
    if (isObj(spec)) {
      const s = pick(spec, ['hostNetwork', 'nodeName'])!;
      if ('containers' in spec) s.containers = containers(spec.containers);
      if ('initContainers' in spec) s.initContainers = containers(spec.initContainers);
      out.spec = s;
    } else out.spec = spec;
  }
  if ('status' in item) out.status = isObj(item.status) ? pick(item.status, ['podIP', 'podIPs', 'phase']) : item.status;
  return out;
}

export function slim(item: Obj): Obj {
  if (item.kind === 'Pod' && (item.apiVersion === 'v1' || item.apiVersion === undefined)) return slimPod(item);
  const meta = item.metadata;
  if (!isObj(meta)) return item;
  const m = withoutBookkeeping(meta);
  return m === meta ? item : { ...item, metadata: m };
}

/**
 * What reading manifests keeps of an object (files.ts, for every command that builds a model): Pods as
 * the mirror keeps them; policies whole (incidents read who changed them from managedFields); every
 * other kind without the server's bookkeeping. A Pod of a typed list (`PodList`) has its kind from the
 * list: `listKind` and `listApiVersion` say what the item inherits.
 */
export function slimRead(item: Obj, listKind?: string, listApiVersion?: unknown): Obj {
  const kind = item.kind ?? listKind;
  const apiVersion = item.apiVersion ?? listApiVersion;
  if (kind === 'Pod' && apiVersion === 'v1') return slimPod(item);
  if (typeof kind === 'string' && typeof apiVersion === 'string' && isPolicyKind(apiVersion, kind)) return item;
  const meta = item.metadata;
  if (!isObj(meta)) return item;
  const m = withoutBookkeeping(meta);
  return m === meta ? item : { ...item, metadata: m };
}
