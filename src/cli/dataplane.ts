import type { Command } from 'commander';
import type { Compute } from '../eks/types.js';
import { chooseControllerVersion, chooseVersion } from '../eks/versions.js';
import type { Cluster } from '../model/cluster.js';
import { UsageError } from './io.js';

export type DataplaneName = 'eks' | 'kubernetes';

export interface DataplaneFlags {
  dataplane?: string;
  eksVersion?: string;
  eksControllerVersion?: string;
  compute?: string;
}

/** --eks-version and --compute: which EKS agent behaviour is modelled. */
export function addEksOptions(cmd: Command): Command {
  return cmd
    .option('--eks-version <version>', 'the EKS network policy agent version to model (e.g. v1.4.1, main); default: the aws-node DaemonSet\'s agent image tag, else the newest known release')
    .option('--eks-controller-version <version>', 'the EKS network policy controller release to model (e.g. v1.1.7); default: the newest known release')
    .option('--compute <kind>', 'auto (EKS Auto Mode: domain names enforced) or ec2 (the open agent: domain names dropped); default: from the inputs, else auto');
}

/** --dataplane eks|kubernetes plus the EKS options. */
export function addDataplaneOptions(cmd: Command): Command {
  cmd.option('--dataplane <name>', 'eks (what the EKS controller and agent enforce; default) or kubernetes (the specification)');
  return addEksOptions(cmd);
}

export function parseDataplane(v: string | undefined): DataplaneName {
  const d = v ?? 'eks';
  if (d !== 'eks' && d !== 'kubernetes') throw new UsageError(`--dataplane must be eks or kubernetes, got ${JSON.stringify(v)}`);
  return d;
}

export interface EksChoice {
  version: string;
  compute: Compute;
  controller: string;
  /** Where each came from, for the output. */
  versionSource: string;
  computeSource: string;
  controllerSource: string;
}

/** The agent version and compute kind, from the flags, else the inputs, else the defaults, each with its source. */
export function eksChoice(flags: DataplaneFlags, cluster: Cluster): EksChoice {
  const v = chooseVersion(flags.eksVersion, cluster);
  if ('error' in v) throw new UsageError(v.error);
  const controller = chooseControllerVersion(flags.eksControllerVersion);
  if ('error' in controller) throw new UsageError(controller.error);
  let compute: Compute;
  let computeSource: string;
  if (flags.compute !== undefined) {
    if (flags.compute !== 'auto' && flags.compute !== 'ec2') throw new UsageError(`--compute must be auto or ec2, got ${JSON.stringify(flags.compute)}`);
    compute = flags.compute;
    computeSource = '--compute';
  } else if (cluster.settings.awsNode) {
    compute = 'ec2';
    computeSource = 'the aws-node DaemonSet is in the inputs (EC2 nodes)';
  } else if (cluster.settings.vpcCniConfigMap) {
    compute = 'auto';
    computeSource = 'the EKS Auto Mode kube-system/amazon-vpc-cni ConfigMap is in the inputs';
  } else {
    compute = 'auto';
    computeSource = 'default (nothing in the inputs says; use --compute ec2 for the open agent on EC2 nodes)';
  }
  return { version: v.text, compute, controller: controller.text, versionSource: v.source, computeSource, controllerSource: controller.source };
}

export function describeChoice(c: EksChoice): string {
  return `EKS agent ${c.version} (${c.versionSource}); compute ${c.compute} (${c.computeSource}); controller ${c.controller} (${c.controllerSource})`;
}
