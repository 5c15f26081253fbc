// podwall audit as a user runs it: every check on a fixture, every output format, config, exit codes.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CHECK_IDS } from '../../src/audit/checks/index.js';
import { podwall } from '../helpers.js';

const FX = 'test/fixtures/audit';
const base = ['audit', '-f', `${FX}/cluster.yaml`, '--config', `${FX}/podwall.yaml`];
interface Finding {
  check: string;
  severity: string;
  object: string;
  location?: { file: string; line?: number };
  message: string;
  remedy: string;
  fix?: string;
}

function audit(args: string[]): { code: number; json: { kpis: Record<string, unknown>; findings: Finding[] } } {
  const r = podwall([...base, ...args, '-o', 'json']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return { code: r.code, json: JSON.parse(r.stdout) };
}

describe('podwall audit checks', () => {
  const { code, json } = audit(['--addon-config', `${FX}/addon-disabled.json`]);
  const by = (id: string): Finding[] => json.findings.filter((f) => f.check === id);

  it('every check but the disabled one finds its problem in the fixture', () => {
    const found = new Set(json.findings.map((f) => f.check));
    // eks-drift reads a live cluster's PolicyEndpoints: a file fixture has none (test/cli/eks-drift.test.ts)
    for (const id of CHECK_IDS.filter((x) => x !== 'allow-all-egress' && x !== 'eks-drift')) assert.ok(found.has(id), `${id} found nothing`);
    assert.ok(!found.has('allow-all-egress'), 'disabled in podwall.yaml');
    assert.equal(code, 1, 'errors reach the default --fail-on error');
  });

  it('names the object and its file and line, with a remedy', () => {
    const stale = by('policy-selects-nothing')[0]!;
    assert.equal(stale.object, 'NetworkPolicy shop/stale');
    assert.deepEqual([stale.location?.file, stale.location?.line], [`${FX}/cluster.yaml`, 63]);
    for (const f of json.findings) assert.ok(f.remedy.length > 10, `${f.check} has a remedy`);
  });

  it('finds egress without DNS by asking the engine, and offers the rule to add', () => {
    const dns = by('egress-blocks-dns').map((f) => f.object).sort();
    assert.ok(dns.includes('Deployment shop/api') && dns.includes('Deployment shop/web'), dns.join());
    assert.match(by('egress-blocks-dns')[0]!.fix!, /k8s-app: kube-dns[\s\S]*port: 53/);
  });

  it('reports the EKS hazards', () => {
    assert.match(by('eks-same-priority-conflict')[0]!.message, /Accept rule accept-shop .* overlaps Deny rule deny-everyone .* Deny wins/);
    assert.match(by('eks-one-direction-isolation')[0]!.message, /solo\/gateway .* ingress only; on EKS Baseline rules of baseline-no-internet never apply to its egress/);
    assert.match(by('eks-port-limit')[0]!.message, /has 25 port entries; the agent keeps 24/);
    assert.equal(by('anp-policytypes-missing')[0]!.object, 'ApplicationNetworkPolicy open/forgot-types');
    assert.equal(by('enforcement-disabled').length, 1);
    assert.match(by('enforcement-disabled')[0]!.message, /does not set enableNetworkPolicy/);
  });

  it('applies severity overrides and required labels from podwall.yaml', () => {
    assert.ok(by('pods-unprotected').every((f) => f.severity === 'error'));
    assert.deepEqual(by('missing-labels').map((f) => f.object).sort(), ['Deployment open/anything', 'Deployment shop/web']);
    assert.ok(!by('missing-owner').some((f) => f.object === 'NetworkPolicy solo/gateway-ingress'), 'an owner annotation counts');
  });

  it('computes the KPIs', () => {
    const k = json.kpis as { enforcement: string; namespaces: number; defaultDenyIngress: number; stalePolicies: number; cisScore: number };
    assert.equal(k.enforcement, 'disabled');
    assert.equal(k.namespaces, 4, 'kube-system is exempt');
    assert.equal(k.defaultDenyIngress, 0.5);
    assert.equal(k.stalePolicies, 1);
    assert.equal(k.cisScore, 37.5, 'mean of 0 (enforcement) and 3/4 namespaces with a policy');
  });
});

describe('podwall audit outputs', () => {
  it('SARIF validates against the SARIF 2.1.0 schema, with stable rule ids and locations', () => {
    const r = podwall([...base, '-o', 'sarif']);
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout);
    const require = createRequire(import.meta.url);
    const Ajv = require('ajv-draft-04');
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false, logger: false });
    const validate = ajv.compile(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
    assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 3)));
    const run = log.runs[0];
    assert.deepEqual(run.tool.driver.rules.map((x: { id: string }) => x.id), CHECK_IDS);
    const stale = run.results.find((x: { ruleId: string }) => x.ruleId === 'policy-selects-nothing');
    assert.equal(stale.locations[0].physicalLocation.artifactLocation.uri, `${FX}/cluster.yaml`);
    assert.equal(stale.locations[0].physicalLocation.region.startLine, 63);
    assert.ok(stale.partialFingerprints['podwall/v1']);
  });

  it('JUnit has one test case per check and object', () => {
    const r = podwall([...base, '-o', 'junit']);
    assert.match(r.stdout, /^<\?xml version="1.0"/);
    const cases = r.stdout.match(/<testcase /g)!.length;
    const failures = r.stdout.match(/<failure /g)!.length;
    const json = audit([]).json;
    assert.equal(failures, json.findings.length);
    assert.ok(cases > failures, 'checks without findings pass');
    assert.match(r.stdout, /<testsuite name="policy-selects-nothing" tests="1" failures="1"/);
  });

  it('Markdown for a pull-request comment, and grouped text without colour in a pipe', () => {
    const md = podwall([...base, '-o', 'md']).stdout;
    assert.match(md, /^## podwall audit/);
    assert.match(md, /\| error \| `egress-blocks-dns` \|/);
    const text = podwall(base).stdout;
    assert.match(text, /ERROR egress-blocks-dns \(6\)/);
    assert.doesNotMatch(text, /\x1b\[/);
  });
});

describe('podwall audit exit codes and inputs', () => {
  it('--fail-on decides the exit code', () => {
    const clean = ['audit', '-f', 'examples/shop'];
    assert.equal(podwall(clean).code, 0, 'only warnings: below the default error');
    assert.equal(podwall([...clean, '--fail-on', 'warning']).code, 1);
    assert.equal(podwall([...clean, '--fail-on', 'nope']).code, 2);
  });

  it('reads enforcement from the add-on JSON and from the Auto Mode ConfigMap', () => {
    const on = audit(['--addon-config', `${FX}/addon-enabled.json`]).json;
    assert.equal(on.kpis.enforcement, 'enabled');
    assert.ok(!on.findings.some((f) => f.check === 'enforcement-disabled'));
    const dir = mkdtempSync(join(tmpdir(), 'podwall-cm-'));
    const cm = join(dir, 'cm.yaml');
    writeFileSync(cm, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: amazon-vpc-cni, namespace: kube-system}\ndata: {enable-network-policy-controller: "false"}\n');
    const off = JSON.parse(podwall(['audit', '-f', 'examples/shop', '-f', cm, '-o', 'json']).stdout);
    assert.equal(off.kpis.enforcement, 'disabled');
    assert.match(off.findings.find((f: Finding) => f.check === 'enforcement-disabled').message, /enable-network-policy-controller is "false"/);
  });

  it('rejects invalid configuration with file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-cfg-'));
    const cfg = join(dir, 'podwall.yaml');
    writeFileSync(cfg, 'severity:\n  no-such-check: error\n');
    const r = podwall(['audit', '-f', 'examples/shop', '--config', cfg]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`${cfg}:2`), r.stderr);
    assert.match(r.stderr, /unknown check "no-such-check"/);
  });
});
