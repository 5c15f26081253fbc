import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../src/engine/engine.js';
import type { Verdict } from '../src/engine/verdict.js';
import { parseDocuments } from '../src/k8s/yaml.js';
import { buildCluster, expandLists, type BuildOptions } from '../src/model/build.js';
import type { Cluster } from '../src/model/cluster.js';
import type { Protocol } from '../src/net/protocol.js';
import type { Endpoint } from '../src/model/endpoint.js';
import { EndpointResolver } from '../src/model/refs.js';

/** The repository root (tests run from dist/test). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function clusterFrom(yaml: string, options: BuildOptions = {}, file = 'test.yaml'): Cluster {
  return buildCluster(expandLists(parseDocuments(yaml, file)), options);
}

/** Decide one connection given as references, as a user would write them. */
export function decide(cluster: Cluster, from: string, to: string, port: number, protocol: Protocol = 'TCP'): Verdict {
  const resolver = new EndpointResolver(cluster);
  const ep = (ref: string): Endpoint => {
    const r = resolver.resolve(ref);
    if (!r.ok) throw new Error(r.error);
    return r.endpoint;
  };
  return new Engine(cluster).decide({ from: ep(from), to: ep(to), port, protocol });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real command line, as a user would. */
export function podwall(args: string[], input?: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'podwall.js'), ...args], {
    cwd: ROOT,
    input: input ?? '',
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function pod(ns: string, name: string, labels: Record<string, string>, extra = ''): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}: "${v}"`).join(', ');
  return `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {${l}}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080, name: http}, {containerPort: 53, protocol: UDP, name: dns}]}]}
${extra}`;
}

/** The command line without blocking this process, for tests that serve HTTP to it. */
export function podwallAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'podwall.js'), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end();
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}
