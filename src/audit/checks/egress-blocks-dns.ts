import type { Check, Draft } from '../check.js';
import { dnsEgressYaml } from '../fixes.js';

export const egressBlocksDns: Check = {
  id: 'egress-blocks-dns',
  title: 'Egress restricted without a way to the cluster DNS',
  severity: 'error',
  help: 'A pod whose egress is restricted must still reach the cluster DNS (kube-dns pods in kube-system) on UDP and TCP 53, or service discovery breaks. Checked by asking the engine for each workload.',
  run(ctx) {
    const out: Draft[] = [];
    const { hypothetical } = ctx.dnsPods();
    for (const pod of ctx.workloads()) {
      if (!ctx.isolated(pod, 'egress')) continue;
      const blocked = (['UDP', 'TCP'] as const).filter((p) => !ctx.canReachDns(pod, p));
      if (blocked.length === 0) continue;
      out.push({
        object: ctx.podLabel(pod),
        location: pod.location,
        message: `${ctx.podLabel(pod)} cannot reach the cluster DNS on ${blocked.map((p) => `${p} 53`).join(' and ')}${hypothetical ? ' (kube-dns pods are not in the input: checked against a standard CoreDNS pod in kube-system)' : ''}: name resolution will fail`,
        remedy: `allow egress from ${ctx.podLabel(pod)} to the kube-dns pods in kube-system on UDP and TCP 53`,
        fix: dnsEgressYaml(pod.namespace, pod.labels as Record<string, string>),
      });
    }
    return out;
  },
};
