/**
 * The PolicyEndpoints and ClusterPolicyEndpoints the EKS network policy controller wrote in a live cluster
 * (networking.k8s.aws/v1alpha1; field names from aws/amazon-network-policy-controller-k8s ecc7e6a7,
 * api/v1alpha1/policyendpoint_types.go and clusterpolicyendpoint_types.go, config/crd/bases). The controller
 * splits one policy's endpoints over several objects (GenerateName `<policy>-`, at most --endpoint-chunk-size
 * entries, 200 by default, per list: pkg/policyendpoints/manager.go packing*, clusterpolicyendpoints_chunking.go):
 * the reader keeps every object; the drift step joins the chunks of one policy.
 */
import { InputError, type SourceLocation } from '../k8s/errors.js';
import type { LiveEndpoint, LivePolicyEndpoint, WrittenEndpoints } from '../eks/drift.js';
import { LiveError, type LiveReader, type Resource } from './live.js';

export const POLICY_ENDPOINTS: Resource = { group: 'networking.k8s.aws', version: 'v1alpha1', plural: 'policyendpoints', kind: 'PolicyEndpoint', namespaced: true, optional: true };
export const CLUSTER_POLICY_ENDPOINTS: Resource = { group: 'networking.k8s.aws', version: 'v1alpha1', plural: 'clusterpolicyendpoints', kind: 'ClusterPolicyEndpoint', namespaced: false, optional: true };


/**
 * Both lists, paged as every list podwall reads. The PolicyEndpoint CRD must exist: without it there is nothing to
 * compare (error), unless `optional`, when undefined says the cluster has no EKS network policy controller.
 */
export async function readPolicyEndpoints(reader: LiveReader, optional = false): Promise<WrittenEndpoints | undefined> {
  const [pe, cpe] = await Promise.all([reader.list(POLICY_ENDPOINTS), reader.list(CLUSTER_POLICY_ENDPOINTS)]);
  if (!pe && optional) return undefined;
  if (!pe) throw new LiveError(`${reader.label} has no policyendpoints.networking.k8s.aws: is the EKS network policy controller installed (VPC CNI enableNetworkPolicy)?`);
  const policyEndpoints = pe.items.map((i) => parsePolicyEndpoint(i, 'PolicyEndpoint', reader.label));
  return cpe ? { policyEndpoints, clusterPolicyEndpoints: cpe.items.map((i) => parsePolicyEndpoint(i, 'ClusterPolicyEndpoint', reader.label)) } : { policyEndpoints };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One object as the API server sends it; anything the CRD would not hold is an error naming the object and field. */
export function parsePolicyEndpoint(item: Record<string, unknown>, kind: LivePolicyEndpoint['kind'], file: string): LivePolicyEndpoint {
  const meta = isObject(item.metadata) ? item.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  const location: SourceLocation = { file, object: `${kind} ${namespace ? `${namespace}/` : ''}${name || '(no name)'}` };
  const fail = (path: string, what: string): never => {
    throw new InputError(`${path}: ${what}`, location);
  };
  if (!name) fail('metadata.name', 'missing');
  const spec = item.spec === undefined ? {} : isObject(item.spec) ? item.spec : fail('spec', 'not an object');
  const str = (v: unknown, path: string, optional = false): string | undefined => {
    if (v === undefined || v === null || v === '') return optional ? undefined : fail(path, 'missing');
    return typeof v === 'string' ? v : fail(path, `not a string: ${JSON.stringify(v)}`);
  };
  const int = (v: unknown, path: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isInteger(v) ? v : fail(path, `not an integer: ${JSON.stringify(v)}`);
  };
  const list = (v: unknown, path: string): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : fail(path, 'not a list'));
  const obj = (v: unknown, path: string): Record<string, unknown> => (isObject(v) ? v : fail(path, 'not an object'));

  const ref = obj(spec.policyRef ?? fail('spec.policyRef', 'missing'), 'spec.policyRef');
  const policyName = str(ref.name, 'spec.policyRef.name')!;
  const policyNamespace = str(ref.namespace, 'spec.policyRef.namespace', kind === 'ClusterPolicyEndpoint');
  const owners = list(meta.ownerReferences, 'metadata.ownerReferences').filter(isObject);
  const owner = owners.find((o) => o.controller === true) ?? owners[0];
  const endpoints = (v: unknown, path: string): LiveEndpoint[] =>
    list(v, path).map((raw, i) => {
      const e = obj(raw, `${path}[${i}]`);
      const at = `${path}[${i}]`;
      const cidr = str(e.cidr, `${at}.cidr`, true);
      const domainName = str(e.domainName, `${at}.domainName`, true);
      if (!cidr && !domainName) fail(at, 'neither cidr nor domainName');
      const action = kind === 'ClusterPolicyEndpoint' ? str(e.action, `${at}.action`) : undefined;
      const ports = list(e.ports, `${at}.ports`).map((rp, j) => {
        const p = obj(rp, `${at}.ports[${j}]`);
        const protocol = str(p.protocol, `${at}.ports[${j}].protocol`, true);
        const port = int(p.port, `${at}.ports[${j}].port`);
        const endPort = int(p.endPort, `${at}.ports[${j}].endPort`);
        return { ...(protocol ? { protocol } : {}), ...(port !== undefined ? { port } : {}), ...(endPort !== undefined ? { endPort } : {}) };
      });
      return { ...(cidr ? { cidr } : {}), except: list(e.except, `${at}.except`).map((x, j) => str(x, `${at}.except[${j}]`)!), ...(domainName ? { domainName } : {}), ...(action ? { action } : {}), ports };
    });
  const pods = list(spec.podSelectorEndpoints, 'spec.podSelectorEndpoints').map((raw, i) => {
    const p = obj(raw, `spec.podSelectorEndpoints[${i}]`);
    const at = `spec.podSelectorEndpoints[${i}]`;
    return { name: str(p.name, `${at}.name`)!, namespace: str(p.namespace, `${at}.namespace`)!, podIP: str(p.podIP, `${at}.podIP`)!, hostIP: str(p.hostIP, `${at}.hostIP`, true) ?? '' };
  });
  const priority = int(spec.priority, 'spec.priority');
  const tier = str(spec.tier, 'spec.tier', true);
  return {
    kind,
    name,
    ...(namespace ? { namespace } : {}),
    policy: { name: policyName, ...(policyNamespace ? { namespace: policyNamespace } : {}) },
    ...(owner && typeof owner.kind === 'string' ? { ownerKind: owner.kind } : {}),
    podIsolation: list(spec.podIsolation, 'spec.podIsolation').map((x, i) => str(x, `spec.podIsolation[${i}]`)!),
    ...(tier ? { tier } : {}),
    ...(priority !== undefined ? { priority } : {}),
    pods,
    ingress: endpoints(spec.ingress, 'spec.ingress'),
    egress: endpoints(spec.egress, 'spec.egress'),
    location,
  };
}
