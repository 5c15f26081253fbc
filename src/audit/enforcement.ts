/**
 * Is network policy enforcement on? From `aws eks describe-addon` output (or the same answer read
 * live), and from EKS Auto Mode's amazon-vpc-cni ConfigMap when it is among the inputs.
 */
import { parse } from 'yaml';
import { Cursor } from '../k8s/cursor.js';
import { InputError } from '../k8s/errors.js';
import type { Cluster } from '../model/cluster.js';
import type { EnforcementState } from './context.js';

/** `addon` as DescribeAddon returns it: configurationValues is a JSON (or YAML) string. */
export function enforcementFromAddon(addon: unknown, file: string, source: string): EnforcementState {
  const c = Cursor.root(addon, { file, object: 'vpc-cni add-on' });
  c.object();
  const name = c.field('addonName').optString();
  if (name !== undefined && name !== 'vpc-cni') c.field('addonName').fail(`expected the vpc-cni add-on, got ${JSON.stringify(name)}`);
  const raw = c.field('configurationValues').optString();
  let values: unknown = {};
  if (raw !== undefined && raw.trim() !== '') {
    try {
      values = parse(raw);
    } catch (e) {
      c.field('configurationValues').fail(`is not valid JSON or YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const setting = values && typeof values === 'object' ? (values as Record<string, unknown>).enableNetworkPolicy : undefined;
  const enabled = setting === true || setting === 'true';
  return {
    source,
    enabled,
    location: { file, object: 'vpc-cni add-on' },
    detail: enabled ? 'enableNetworkPolicy is "true"' : setting === undefined ? 'configurationValues does not set enableNetworkPolicy (the add-on default is "false")' : `enableNetworkPolicy is ${JSON.stringify(setting)}`,
  };
}

/** The JSON `aws eks describe-addon` prints: `{"addon": {...}}`. */
export function enforcementFromDescribeAddonJson(text: string, file: string): EnforcementState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not the JSON of aws eks describe-addon: ${(e as Error).message}`, { file });
  }
  const addon = json && typeof json === 'object' && 'addon' in json ? (json as { addon: unknown }).addon : json;
  return enforcementFromAddon(addon, file, 'vpc-cni add-on');
}

export function enforcementFromCluster(cluster: Cluster): EnforcementState[] {
  const cm = cluster.settings.vpcCniConfigMap;
  if (!cm || !('enable-network-policy-controller' in cm.data)) return [];
  const v = cm.data['enable-network-policy-controller'];
  return [
    {
      source: 'ConfigMap kube-system/amazon-vpc-cni',
      enabled: v === 'true',
      location: cm.location,
      detail: `enable-network-policy-controller is ${JSON.stringify(v)} (EKS Auto Mode)`,
    },
  ];
}
