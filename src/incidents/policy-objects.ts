/**
 * Policy objects as the incident timeline compares them: a stable key, the content that decides
 * verdicts (everything but metadata and status), a digest of it, and who last changed the object
 * when the object says so.
 */
import { isPolicyKind, type SourceObject } from '../model/build.js';

export interface Authorship {
  /** The manager of the most recent `metadata.managedFields` entry (kubectl, helm, argocd...). */
  manager?: string;
  operation?: string;
  /** That entry's time. */
  time?: string;
  /** The `kubernetes.io/change-cause` annotation. */
  changeCause?: string;
}

export interface PolicyObject {
  /** group/Kind/namespace/name: two kinds may share a name (EKS and upstream ClusterNetworkPolicy). */
  key: string;
  /** `NetworkPolicy shop/api-ingress`, as explanations name policies. */
  label: string;
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  /** The object without metadata (but its name and namespace) and status: what a change is judged on. */
  content: unknown;
  digest: string;
  who: Authorship;
  source: SourceObject;
}

type Raw = Record<string, unknown> & { metadata?: Record<string, unknown> };

/** The policy object in `source`, or undefined for any other object. */
export function policyObject(source: SourceObject): PolicyObject | undefined {
  const raw = source.value as Raw;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  if (typeof raw.kind !== 'string' || typeof raw.apiVersion !== 'string' || !isPolicyKind(raw.apiVersion, raw.kind)) return undefined;
  const meta = raw.metadata && typeof raw.metadata === 'object' ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  const group = raw.apiVersion.includes('/') ? raw.apiVersion.slice(0, raw.apiVersion.indexOf('/')) : '';
  const { metadata: _m, status: _s, ...rest } = raw;
  const content = { ...rest, metadata: { name, ...(namespace ? { namespace } : {}) } };
  return {
    key: `${group}/${raw.kind}/${namespace ?? ''}/${name}`,
    label: `${raw.kind} ${namespace ? `${namespace}/` : ''}${name}`,
    kind: raw.kind,
    apiVersion: raw.apiVersion,
    ...(namespace ? { namespace } : {}),
    name,
    content,
    digest: stableJson(content),
    who: authorship(meta),
    source,
  };
}

function authorship(meta: Record<string, unknown>): Authorship {
  const who: Authorship = {};
  const fields = Array.isArray(meta.managedFields) ? (meta.managedFields as Record<string, unknown>[]) : [];
  let latest: Record<string, unknown> | undefined;
  for (const f of fields) {
    if (!f || typeof f !== 'object' || f.subresource === 'status') continue;
    // entries without a time are older than any with one; among equals the later entry wins
    if (!latest || String(f.time ?? '') >= String(latest.time ?? '')) latest = f;
  }
  if (latest) {
    if (typeof latest.manager === 'string') who.manager = latest.manager;
    if (typeof latest.operation === 'string') who.operation = latest.operation;
    if (typeof latest.time === 'string') who.time = latest.time;
  }
  const cause = (meta.annotations as Record<string, unknown> | undefined)?.['kubernetes.io/change-cause'];
  if (typeof cause === 'string') who.changeCause = cause;
  return who;
}

/** managedFields without their field sets (`fieldsV1`): who changed an object and when, without the bulk. */
export function withoutFieldSets(managedFields: unknown): unknown {
  if (!Array.isArray(managedFields)) return managedFields;
  return managedFields.map((f: unknown) => {
    if (!f || typeof f !== 'object') return f;
    const { fieldsV1: _f, ...rest } = f as Record<string, unknown>;
    return rest;
  });
}

/** JSON with object keys sorted, so equal content gives equal text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
