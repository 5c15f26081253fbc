/**
 * podwall.yaml: what the organisation requires. Invalid configuration is an input error.
 *
 * ```yaml
 * exemptNamespaces: [kube-system, kube-public, kube-node-lease]   # the default list
 * requiredPodLabels: [app.kubernetes.io/name, team]
 * ownerKey: team                                                   # label or annotation on every policy
 * severity: {pods-unprotected: error}
 * disabled: [peer-selects-nothing]
 * ```
 */
import { Cursor } from '../k8s/cursor.js';
import type { ParsedDocument } from '../k8s/yaml.js';
import type { FindingSeverity } from './types.js';

export interface AuditConfig {
  exemptNamespaces: string[];
  requiredPodLabels: string[];
  ownerKey?: string;
  severity: Record<string, FindingSeverity>;
  disabled: string[];
}

/** System namespaces that application teams do not own; audited only when the config says so. */
export const DEFAULT_EXEMPT_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

export function defaultConfig(): AuditConfig {
  return { exemptNamespaces: [...DEFAULT_EXEMPT_NAMESPACES], requiredPodLabels: [], severity: {}, disabled: [] };
}

export function parseConfig(docs: readonly ParsedDocument[], file: string, knownChecks: readonly string[]): AuditConfig {
  const config = defaultConfig();
  const doc = docs[0];
  if (!doc) return config;
  const c = Cursor.root(doc.value, { file, line: doc.line, object: 'podwall config' });
  c.object();
  c.onlyKeys(['exemptNamespaces', 'requiredPodLabels', 'ownerKey', 'severity', 'disabled']);
  if (c.has('exemptNamespaces')) config.exemptNamespaces = c.field('exemptNamespaces').items().map((x) => x.string());
  config.requiredPodLabels = c.field('requiredPodLabels').items().map((x) => x.string());
  const owner = c.field('ownerKey').optString();
  if (owner) config.ownerKey = owner;
  const checkId = (x: Cursor, id: string): string => {
    if (!knownChecks.includes(id)) x.fail(`unknown check ${JSON.stringify(id)} (known: ${knownChecks.join(', ')})`);
    return id;
  };
  const sev = c.field('severity');
  for (const id of sev.keys()) {
    const v = sev.field(id);
    checkId(v, id);
    const s = v.string();
    if (s !== 'error' && s !== 'warning' && s !== 'info') v.fail(`severity must be error, warning or info, got ${JSON.stringify(s)}`);
    config.severity[id] = s as FindingSeverity;
  }
  config.disabled = c.field('disabled').items().map((x) => checkId(x, x.string()));
  return config;
}
