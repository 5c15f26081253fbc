// flows summary on worker threads (src/sources/flow-tally.ts), through the CLI: a log past the size
// below which one thread reads, with thousands of distinct connections the workers send ahead to be
// judged while they count, CRLF line ends, other spellings and no newline at the end, says what
// reading it in one thread says.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pod, podwall } from '../helpers.js';

const CLUSTER = [
  pod('shop', 'web-1', { app: 'web' }, 'status: {podIP: 10.0.0.1}\n'),
  pod('shop', 'api-1', { app: 'api' }, 'status: {podIP: 10.0.0.3}\n'),
  pod('data', 'db-1', { app: 'db' }, 'status: {podIP: 10.0.1.1}\n'),
  `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\n  namespace: data\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n`,
].join('\n');

describe('flows summary on worker threads', () => {
  it('gives the figures and examples of one thread on a large log of many connections', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-flows-threads-'));
    try {
      const cluster = join(dir, 'cluster.yaml');
      writeFileSync(cluster, CLUSTER);
      const hosts = ['10.0.0.1', '10.0.0.3', '10.0.1.1', ...Array.from({ length: 60 }, (_, i) => `10.0.2.${i + 1}`)];
      let s = 3;
      const rnd = (n: number): number => {
        s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
        return (s >>> 8) % n;
      };
      const lines: string[] = [];
      let bytes = 0;
      const base = Date.UTC(2026, 10, 20);
      // past the 32 MiB below which one thread reads
      for (let i = 0; bytes < 34 * 1024 * 1024; i++) {
        const src = hosts[rnd(hosts.length)]!;
        const dst = hosts[rnd(hosts.length)]!;
        const t = new Date(base + Math.floor((i / 160_000) * 7 * 86_400_000)).toISOString();
        const msg = `Flow Info: Src IP: ${rnd(50) ? src : `0${src}`} Src Port: ${rnd(60000)} Dest IP: ${dst} Dest Port: ${[8080, 5432, 53, 443][rnd(4)]} Proto ${['TCP', 'UDP'][rnd(2)]} Verdict ${['ACCEPT', 'DENY'][rnd(2)]} Direction ${['ingress', 'egress'][rnd(2)]}, Tier NETWORK_POLICY`;
        const line = `{"level":"info","ts":"${t}","logger":"ebpf-client","msg":"${msg}"}${rnd(10) ? '' : '\r'}`;
        lines.push(line);
        bytes += line.length + 1;
      }
      const log = join(dir, 'agent.log');
      writeFileSync(log, lines.join('\n')); // no newline after the last line
      const run = (threads: string) => podwall(['flows', 'summary', log, '-f', cluster, '-o', 'json', '--by', 'pair'], undefined, { PODWALL_FLOW_THREADS: threads });
      const one = run('1');
      const two = run('2');
      assert.equal(one.code, 0, one.stderr);
      assert.equal(two.code, 0, two.stderr);
      assert.equal(JSON.parse(one.stdout).summary.flows, lines.length);
      assert.equal(two.stdout, one.stdout);
      assert.equal(two.stderr, one.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
