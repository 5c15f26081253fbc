/**
 * What a dashboard worker is given to load the served model (worker.ts), and the loading itself. The
 * worker reads the same files again rather than receiving the parsed objects: the line of each parsed
 * object and key lives beside it in a WeakMap (src/k8s/positions.ts), which a message between threads
 * cannot carry, and the answers name file and line. Objects of a live cluster have no lines and are
 * sent as they are. `fingerprint` lets the server check that both threads loaded the same cluster.
 */
import { withPolicies } from '../analysis/overlay.js';
import { buildCluster, expandLists, type BuildOptions, type SourceObject } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import { readDocuments } from '../sources/files.js';
import { DashboardApi, type DashboardDataplane, type DashboardState, type FlowSource } from './api.js';

/** The observed pairs of `serve --flows` (the only part of the flows a heavy answer reads). */
export type FlowPairs = ReturnType<FlowSource['pairs']>;

export interface WorkerInputs {
  /** `-f` paths, read again by the worker. */
  files: string[];
  /** What the server read from stdin for `-f -` (stdin cannot be read twice). */
  stdin?: string;
  /** `--proposed` paths. */
  proposed?: string[];
  /** The objects of a watched cluster, in the order the server built them (before the files). */
  liveObjects?: SourceObject[];
  options: BuildOptions;
  dataplane: DashboardDataplane;
  flows?: { files: string[]; pairs: FlowPairs };
  source: string;
  live: boolean;
}

/** A few counts that two loadings of the same inputs share: a file changed in between shows here. */
export function fingerprint(cluster: Cluster, proposed?: Cluster): string {
  const counts = (c: Cluster): string => `${c.namespaces.size} namespaces, ${c.pods.length} pods, ${c.policies.length} policies, ${c.nodes.length} nodes`;
  return proposed ? `${counts(cluster)}; proposed ${counts(proposed)}` : counts(cluster);
}

/** `-f` paths read again in a worker thread, with their lines (`stdin`: what the server read for `-f -`). */
export function readAgain(paths: string[], stdin: string | undefined): SourceObject[] {
  // the server printed the warnings already
  return paths.length ? expandLists(readDocuments(paths, { readStdin: () => stdin ?? '', warn: () => undefined })) : [];
}

/** The heavy views' model, loaded in the worker from the same inputs as the server's. */
export function loadApi(inputs: WorkerInputs): { api: DashboardApi; fingerprint: string } {
  const read = (paths: string[]): SourceObject[] => readAgain(paths, inputs.stdin);
  const objects = [...(inputs.liveObjects ?? []), ...read(inputs.files)];
  const cluster = buildCluster(objects, inputs.options);
  const proposed = inputs.proposed ? buildCluster(withPolicies(objects, read(inputs.proposed)), inputs.options) : undefined;
  const pairs = inputs.flows?.pairs;
  const state: DashboardState = {
    cluster,
    ...(proposed ? { proposed } : {}),
    source: inputs.source,
    dataplane: inputs.dataplane,
    ...(inputs.flows && pairs
      ? { flows: { files: inputs.flows.files, pairs: () => pairs, pair: () => undefined, window: () => ({ from: null, to: null }), counts: () => ({ unattributed: 0, expired: 0 }) } }
      : {}),
    live: inputs.live,
  };
  return { api: new DashboardApi(state), fingerprint: fingerprint(cluster, proposed) };
}
