/**
 * The cluster a recorded row belongs to (`--record` of audit, watch and flows summary), named as
 * `podwall serve` and `podwall history` scope by it: `--cluster-name` first, then an EKS cluster name
 * the command was given, then the kubeconfig context of a live cluster, then the input files
 * (src/store/cluster.ts). Undefined when nothing names one (flow logs alone).
 */
import type { Command } from 'commander';
import { filesCluster } from '../store/cluster.js';
import { loadKubeConfig } from '../sources/live.js';
import { wantsLive, type InputFlags } from './inputs.js';
import type { CliIO } from './io.js';

export interface ClusterNameFlags extends InputFlags {
  clusterName?: string;
}

export function addClusterNameOption(cmd: Command, what: string): Command {
  return cmd.option('--cluster-name <name>', what);
}

/** The context a live reader of these flags reads, as LiveReader labels it (`cluster:NAME`). */
export async function contextName(f: InputFlags): Promise<string> {
  const kc = await loadKubeConfig({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) });
  return kc.getCurrentContext() || kc.getCurrentCluster()?.name || '';
}

export async function recordedCluster(f: ClusterNameFlags, io: CliIO, eksCluster?: string): Promise<string | undefined> {
  if (f.clusterName) return f.clusterName;
  if (eksCluster) return eksCluster;
  if (wantsLive(f, io)) return (await contextName(f)) || undefined;
  if (f.filename?.length) return filesCluster(f.filename);
  return undefined;
}
