// deploy/prometheus/podwall-alerts.yaml: promtool accepts the rules, its unit tests (series in,
// alerts out) pass, and every series a rule names is one podwall exposes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PodwallMetrics } from '../../src/metrics/metrics.js';
import { ROOT } from '../helpers.js';

const PROMTOOL = '/usr/bin/promtool';
const DIR = join(ROOT, 'deploy', 'prometheus');

/** Debian's prometheus package ships promtool: installed as test/metrics/prometheus.test.ts installs it (root only). */
function ensurePromtool(): string | undefined {
  if (existsSync(PROMTOOL)) return undefined;
  if (process.getuid?.() !== 0) return 'promtool is not installed and this is not root: apt-get install prometheus';
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    return `promtool could not be installed with apt-get (${(e as Error).message.split('\n')[0]})`;
  }
  return existsSync(PROMTOOL) ? undefined : `apt-get ran but ${PROMTOOL} is still missing`;
}

const skip = ensurePromtool();
if (skip) console.log(`# promtool tests skipped: ${skip}`);

describe('the Prometheus alerting rules', () => {
  it('name only series podwall exposes', async () => {
    const m = new PodwallMetrics('c', 'test', () => undefined, () => ({ opened: 1, resolved: 1, open: 0, resolutionSeconds: 60, mttrSeconds: 60 }), () => ({ flowSources: 0, policyChanges: 1 }));
    const exposed = new Set([...(await m.text()).matchAll(/^(podwall_[a-z_]+)[{ ]/gm)].map((x) => x[1]));
    const rules = readFileSync(join(DIR, 'podwall-alerts.yaml'), 'utf8');
    const named = new Set(rules.match(/podwall_[a-z_]+(?=[{ [)])/g));
    assert.ok(named.size >= 4, [...named].join(' '));
    for (const n of named) assert.ok(exposed.has(n), `${n} is not a series podwall exposes`);
  });

  it('pass promtool check rules and their unit tests', { skip: skip ?? false }, () => {
    const check = spawnSync(PROMTOOL, ['check', 'rules', 'podwall-alerts.yaml'], { cwd: DIR, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: 3 rules found/);
    const test = spawnSync(PROMTOOL, ['test', 'rules', 'podwall-alerts.test.yaml'], { cwd: DIR, encoding: 'utf8' });
    assert.equal(test.status, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /SUCCESS/);
  });
});
