/**
 * Behaviours of the EKS network policy agent that changed between releases, keyed by version. The version
 * comes from --eks-version, else the aws-node DaemonSet's agent image tag, else the newest release known.
 */
import type { Cluster } from '../model/cluster.js';

/** The newest agent release whose source podwall's model was read from. */
export const NEWEST_KNOWN = 'v1.4.1';
/** The agent's main branch read for this model (after v1.4.1): `--eks-version main`. */
export const MAIN_COMMIT = 'c8619c05';

export interface AgentVersion {
  /** As given or found, e.g. v1.4.1, v1.2.0-eksbuild.1, main. */
  text: string;
  /** Where it came from, for the output. */
  source: string;
  /** [major, minor, patch]; main sorts after every release. */
  parts: readonly [number, number, number];
}

export function parseAgentVersion(text: string, source: string): AgentVersion | undefined {
  const t = text.trim();
  if (t === 'main' || t === 'HEAD' || t === MAIN_COMMIT) return { text: 'main', source, parts: [Infinity, 0, 0] };
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(t);
  if (!m) return undefined;
  return { text: t.startsWith('v') ? t : `v${t}`, source, parts: [Number(m[1]), Number(m[2]), Number(m[3])] };
}

/** --eks-version, else the aws-node image tag in the inputs, else the newest known release. */
export function chooseVersion(flag: string | undefined, cluster: Cluster): AgentVersion | { error: string } {
  if (flag !== undefined) {
    return parseAgentVersion(flag, '--eks-version') ?? { error: `--eks-version must be an agent version like v1.4.1 (or main), got ${JSON.stringify(flag)}` };
  }
  const aws = cluster.settings.awsNode;
  if (aws?.agentImageTag) {
    const v = parseAgentVersion(aws.agentImageTag, `aws-node DaemonSet image tag (${aws.location.file}${aws.location.line ? `:${aws.location.line}` : ''})`);
    if (v) return v;
  }
  return parseAgentVersion(NEWEST_KNOWN, 'the newest agent release podwall knows')!;
}

function after(v: AgentVersion, major: number, minor: number, patch: number): boolean {
  const [a, b, c] = v.parts;
  return a !== major ? a > major : b !== minor ? b > minor : c > patch;
}

/** What differs by version. */
export interface VersionBehaviour {
  /** The node IP gets Admin Accept priority 0 in the cluster-policy maps (commit 7b17620, after v1.4.1). */
  cpNodeEntry: boolean;
  /**
   * A cluster-policy port without a protocol means TCP (agent utils.go ComputeTrieValueForCPE; the CNP, PE and
   * CPE CRDs default it too) in every version read: the policy reader already applies it, so nothing branches on it.
   */
  cpMissingProtocolIsTcp: boolean;
  /**
   * What joins the pod name prefix and the namespace in the pod identifier: `-` up to v1.3.7, which lets pods of two
   * namespaces share maps (`web-x-abc` in prod and `web-abc` in x-prod are both `web-x-prod`); `@` since v1.4.0
   * (PR #576, 8e2bd30).
   */
  identifierSeparator: '@' | '-';
}

export function behaviour(v: AgentVersion): VersionBehaviour {
  return { cpNodeEntry: after(v, 1, 4, 1), cpMissingProtocolIsTcp: true, identifierSeparator: after(v, 1, 3, 7) ? '@' : '-' };
}

/**
 * The controller (aws/amazon-network-policy-controller-k8s) runs in the EKS control plane and has releases of its
 * own. Its source was read in full at v1.1.7 (ecc7e6a7, the newest tag in the mirror); later merges are known from
 * their pull requests (PR #232 read at its head ba1194f; it shipped by v1.1.9). AWS runs the controller for the
 * user and no input names its release, so the model follows the newest release known, as it does for the agent,
 * unless told otherwise (--eks-controller-version, EksOptions.controller).
 */
export const CONTROLLER_READ = 'v1.1.7';
export const CONTROLLER_NEWEST = 'v1.1.9';

/** --eks-controller-version, else the newest controller release known. */
export function chooseControllerVersion(flag: string | undefined): AgentVersion | { error: string } {
  if (flag !== undefined) {
    return parseAgentVersion(flag, '--eks-controller-version') ?? { error: `--eks-controller-version must be a controller version like v1.1.7, got ${JSON.stringify(flag)}` };
  }
  return parseAgentVersion(CONTROLLER_NEWEST, 'the newest controller release podwall knows; EKS runs it for you')!;
}

/** What differs by controller release. */
export interface ControllerBehaviour {
  /**
   * A ClusterNetworkPolicy ingress rule takes the namespaces it resolves in from its first peer only
   * (`resolveCNPIngressRules`, v1.1.7 clusternetworkpolicy_resolver.go l.404-437): a rule whose first peer matches
   * no namespace writes nothing. PR #232 ("Eliminate redundant namespace loop in CNP resolver", merged after
   * v1.1.7) resolves the rule once with every peer's own selector.
   */
  cnpIngressFirstPeerNamespaces: boolean;
  /**
   * A CNP `namedPort` reaches the shared resolver without a protocol and the controller panics on it (maintainers,
   * PR #237/#243); PR #232 gives it TCP: ingress named ports then resolve on the subject pods of the first subject
   * namespace by name, egress ones per destination pod, and network peers drop them.
   */
  cnpNamedPortCrash: boolean;
  /**
   * The controller writes only the directions `policyTypes` names (controller PR #229 "Respect policyTypes in
   * NetworkPolicy", head 41fbe84, still open when re-read on 2026-11-24): no release has it, so this is false for every
   * release podwall knows of, v1.1.9 included. When a release ships it, set POLICY_TYPES_FIXED_IN below.
   */
  policyTypesRespected: boolean;
}

export function parseControllerVersion(text: string | undefined): AgentVersion {
  return parseAgentVersion(text ?? CONTROLLER_NEWEST, 'controller') ?? parseAgentVersion(CONTROLLER_NEWEST, 'controller')!;
}

/** The first controller release with PR #229 (policyTypes respected): none yet. */
const POLICY_TYPES_FIXED_IN: string | undefined = undefined;

export function controllerBehaviour(v: AgentVersion): ControllerBehaviour {
  return { cnpIngressFirstPeerNamespaces: !after(v, 1, 1, 7), cnpNamedPortCrash: !after(v, 1, 1, 7), policyTypesRespected: POLICY_TYPES_FIXED_IN !== undefined && !after(parseAgentVersion(POLICY_TYPES_FIXED_IN, 'PR #229')!, ...v.parts) };
}
