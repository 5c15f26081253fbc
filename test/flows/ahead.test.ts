// flows summary, replay and advise count the log files on worker threads while the cluster loads
// (src/cli/counted-flows.ts, aheadOnFiles): a cluster that fails is reported as before, alone, and
// the counting stops; a log that fails is reported once the cluster has loaded, as before.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pod, podwall } from '../helpers.js';

const CLUSTER = pod('shop', 'web-1', { app: 'web' }, 'status: {podIP: 10.0.0.1}\n') + pod('shop', 'api-1', { app: 'api' }, 'status: {podIP: 10.0.0.3}\n');
const LINE = '{"level":"info","ts":"2026-11-20T10:00:00.000Z","logger":"ebpf-client","msg":"Flow Info: Src IP: 10.0.0.1 Src Port: 40000 Dest IP: 10.0.0.3 Dest Port: 8080 Proto TCP Verdict ACCEPT Direction ingress, Tier NETWORK_POLICY"}\n';

describe('log files counted while the cluster loads', () => {
  it('reports a broken cluster alone, with the logs being counted on worker threads; then a missing log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-ahead-'));
    try {
      const good = join(dir, 'cluster.yaml');
      const bad = join(dir, 'bad.yaml');
      const log = join(dir, 'agent.log');
      writeFileSync(good, CLUSTER);
      writeFileSync(bad, 'kind: Pod\nmetadata: {name: x\n');
      // past the size below which one thread reads (src/sources/flow-tally.ts)
      writeFileSync(log, LINE.repeat(Math.ceil((33 * 1024 * 1024) / LINE.length)));
      const env = { PODWALL_FLOW_THREADS: '2' };
      const commands = [
        ['flows', 'summary', log],
        ['advise', log],
        ['replay', log, '--proposed', good],
      ];
      for (const args of commands) {
        const broken = podwall([...args, '-f', bad], undefined, env);
        assert.equal(broken.code, 2, `${args[0]}: ${broken.stderr}`);
        assert.equal(broken.stdout, '');
        assert.match(broken.stderr, /^podwall: .*bad\.yaml:\d+: error: invalid YAML[^\n]*\n$/, args[0]);
        const missing = podwall([...args.map((a) => (a === log ? join(dir, 'nothing.log') : a)), '-f', good], undefined, env);
        assert.equal(missing.code, 2, `${args[0]}: ${missing.stderr}`);
        assert.match(missing.stderr, /nothing\.log: error: no such file or directory\n$/, args[0]);
        const both = podwall([...args.map((a) => (a === log ? join(dir, 'nothing.log') : a)), '-f', bad], undefined, env);
        assert.equal(both.code, 2);
        assert.match(both.stderr, /bad\.yaml:\d+: error: invalid YAML/, `${args[0]}: the cluster is read first, its fault told first`);
        assert.doesNotMatch(both.stderr, /nothing\.log/);
      }
      const ok = podwall(['flows', 'summary', log, '-f', good, '-o', 'json'], undefined, env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).summary.flows, Math.ceil((33 * 1024 * 1024) / LINE.length));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
