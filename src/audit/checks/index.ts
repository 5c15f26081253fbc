import type { Check } from '../check.js';
import { allowAllEgress, allowAllIngress } from './allow-all.js';
import { egressBlocksDns } from './egress-blocks-dns.js';
import { anpPolicyTypesMissing, eksDiffers, eksNamedPortIpBlock, eksPortLimit } from './eks-differs.js';
import { eksDrift } from './eks-drift.js';
import { eksOneDirectionIsolation } from './eks-hazards.js';
import { eksSamePriorityConflict } from './eks-same-priority-conflict.js';
import { enforcementDisabled } from './enforcement-disabled.js';
import { missingLabels, missingOwner } from './missing-metadata.js';
import { namespaceWithoutDefaultDeny } from './namespace-without-default-deny.js';
import { namespaceWithoutPolicy } from './namespace-without-policy.js';
import { peerSelectsNothing } from './peer-selects-nothing.js';
import { podsUnprotected } from './pods-unprotected.js';
import { policySelectsNothing } from './policy-selects-nothing.js';
import { shadowedRule } from './shadowed-rule.js';

/** Every check, in report order. Ids are stable: SARIF and history track findings by them. */
export const CHECKS: readonly Check[] = [
  enforcementDisabled,
  namespaceWithoutPolicy,
  namespaceWithoutDefaultDeny,
  egressBlocksDns,
  allowAllIngress,
  allowAllEgress,
  policySelectsNothing,
  peerSelectsNothing,
  podsUnprotected,
  missingLabels,
  missingOwner,
  shadowedRule,
  eksSamePriorityConflict,
  eksOneDirectionIsolation,
  eksPortLimit,
  eksNamedPortIpBlock,
  anpPolicyTypesMissing,
  eksDiffers,
  eksDrift,
];

export const CHECK_IDS = CHECKS.map((c) => c.id);
