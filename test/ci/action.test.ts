// The CI action's script end to end: a temporary git repository with a base and a head commit, a
// stand-in GitHub API on 127.0.0.1 (real HTTP), and the script run as action.yml runs it.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers.js';

const TOKEN = 'stand-in-token';
const MARKER = '<!-- podwall-ci-action -->';

const WORKLOADS = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.0.1.11}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
status: {podIP: 10.0.1.12}
`;

const policies = (to: string, port: number): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: ${to}}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: ${port}}]}]
`;

/** The stand-in: issue comments of one repository, paged as GitHub pages them. */
class StandInGitHub {
  readonly comments: { id: number; body: string }[] = [];
  readonly requests: string[] = [];
  private nextId = 1000;
  private server = createServer((req, res) => this.handle(req, res));
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  close(): void {
    this.server.close();
  }
  seed(body: string): void {
    this.comments.push({ id: this.nextId++, body });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      this.requests.push(`${req.method} ${url.pathname}`);
      const send = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'Bad credentials' });
      if (url.pathname === '/repos/acme/shop/issues/7/comments' && req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        return send(200, this.comments.slice((page - 1) * perPage, page * perPage));
      }
      if (url.pathname === '/repos/acme/shop/issues/7/comments' && req.method === 'POST') {
        const c = { id: this.nextId++, body: JSON.parse(body).body as string };
        this.comments.push(c);
        return send(201, c);
      }
      const m = /^\/repos\/acme\/shop\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (m && req.method === 'PATCH') {
        const c = this.comments.find((x) => x.id === Number(m[1]));
        if (!c) return send(404, { message: 'Not Found' });
        c.body = JSON.parse(body).body;
        return send(200, c);
      }
      send(404, { message: 'Not Found' });
    });
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

interface Run {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

describe('the CI action (action.yml -> scripts/ci-action.mjs)', () => {
  const github = new StandInGitHub();
  const repo = mkdtempSync(join(tmpdir(), 'podwall-ci-'));
  let baseSha = '';

  before(async () => {
    await github.start();
    // 101 comments of others first: the action's own must be found on the second page
    for (let i = 0; i < 101; i++) github.seed(`a reviewer's comment ${i}`);
    git(repo, 'init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'k8s'));
    writeFileSync(join(repo, 'k8s', 'workloads.yaml'), WORKLOADS);
    writeFileSync(join(repo, 'k8s', 'policies.yaml'), policies('api', 8080));
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'base: web may reach api');
    baseSha = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(repo, 'k8s', 'policies.yaml'), policies('db', 5432));
    mkdirSync(join(repo, 'flows'));
    // web -> api, which the change closes; api -> db, which the base's policies deny already though the log accepted it
    writeFileSync(
      join(repo, 'flows', 'seen.jsonl'),
      '{"time": "2026-11-20T10:00:00Z", "src": "10.0.1.10", "dst": "10.0.1.11", "dst_port": 8080, "protocol": "TCP", "verdict": "allow"}\n' +
        '{"time": "2026-11-20T10:00:01Z", "src": "10.0.1.11", "dst": "10.0.1.12", "dst_port": 5432, "protocol": "TCP", "verdict": "allow"}\n',
    );
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'head: web may reach db instead');
  });
  after(() => github.close());

  const run = (inputs: Record<string, string>): Promise<Run> => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-ci-run-'));
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 7, base: { sha: baseSha, ref: 'main' }, head: { ref: 'feature' } } }));
    const outputs = join(dir, 'outputs');
    const summary = join(dir, 'summary.md');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: `http://127.0.0.1:${github.port}`,
      GITHUB_OUTPUT: outputs,
      GITHUB_STEP_SUMMARY: summary,
      INPUT_GITHUB_TOKEN: TOKEN,
      INPUT_MANIFESTS: 'k8s',
      INPUT_SARIF_FILE: join(dir, 'podwall.sarif'),
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v])),
    };
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'scripts', 'ci-action.mjs')], { cwd: repo, env });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stdout += d));
      child.on('close', (code) => {
        const out = existsSync(outputs) ? Object.fromEntries(readFileSync(outputs, 'utf8').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string])) : {};
        resolve({ code: code ?? -1, stdout, outputs: { ...out, dir }, summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '' });
      });
    });
  };
  const mine = () => github.comments.filter((c) => c.body.includes(MARKER));

  it('audits to SARIF, diffs the PR\'s policies against the base, and posts one comment', async () => {
    const r = await run({});
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.outputs['newly-allowed'], '1', r.stdout);
    assert.equal(r.outputs['newly-denied'], '1');
    assert.equal(r.outputs.passed, 'true');
    const sarif = JSON.parse(readFileSync(join(r.outputs.dir!, 'podwall.sarif'), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0].tool.driver.name, 'podwall');
    assert.equal(mine().length, 1, 'one comment posted');
    assert.equal(github.requests.filter((q) => q.startsWith('POST')).length, 1);
    const body = mine()[0]!.body;
    assert.match(body, /1 connection opened, 1 closed/);
    assert.match(body, /### Opens \(newly allowed\)\n\n\| from[^\n]*\n[^\n]*\n\| shop\/web \| shop\/db \| TCP 5432 \|/);
    assert.match(body, /### Closes \(newly denied\)\n\n\| from[^\n]*\n[^\n]*\n\| shop\/web \| shop\/api \| TCP 8080 \|/);
    assert.equal(r.summary.trim(), body.trim(), 'the step summary holds the same comment');
  });

  it('updates the same comment on the next run, and fails on the thresholds (opened connections, observed flows it would block)', async () => {
    const id = mine()[0]!.id;
    const r = await run({ 'max-newly-allowed': '0', 'flow-logs': 'flows' });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.passed, 'false');
    assert.equal(r.outputs['would-block'], '1');
    assert.deepEqual(mine().map((c) => c.id), [id], 'still one comment, the same');
    assert.equal(github.requests.filter((q) => q.startsWith('POST')).length, 1, 'no second POST');
    assert.ok(github.requests.includes(`PATCH /repos/acme/shop/issues/comments/${id}`));
    const body = mine()[0]!.body;
    assert.match(body, /❌ thresholds not met/);
    assert.match(body, /\| ❌ \| connections the change opens \| 1 \(at most 0\) \|/);
    assert.match(body, /would block \*\*1\*\* observed connection/);
    assert.match(body, /\| shop\/web \| shop\/api \| 8080\/TCP \| 1 \| flows\/seen\.jsonl:1/);
    // the flow the base denies already is not blamed on the change, and the comment says so
    assert.ok(!/\| shop\/api \| shop\/db \|/.test(body), body);
    assert.match(body, /1 observed connection the policies of `main` deny already, though the logs show it accepted/);
    assert.match(r.stdout, /::error title=podwall::connections the change opens: 1 \(at most 0\)/);
  });

  it('passes the same change when the thresholds allow it, and holds audit findings to fail-on', async () => {
    const ok = await run({ 'max-newly-allowed': '1', 'max-newly-denied': '1', 'fail-on': 'error' });
    assert.equal(ok.code, 0, ok.stdout);
    const strict = await run({ 'fail-on': 'info' });
    const findings = JSON.parse(readFileSync(join(strict.outputs.dir!, 'podwall.sarif'), 'utf8')).runs[0].results.length;
    assert.ok(findings > 0, 'the fixture has findings below error (egress is not isolated)');
    assert.equal(strict.code, 1, strict.stdout);
    assert.equal(mine().length, 1);
  });

  it('says what is wrong, with exit 2, for a base ref that does not exist, a bad threshold or a refused token', async () => {
    const ref = await run({ 'base-ref': 'no-such-branch' });
    assert.equal(ref.code, 2);
    assert.match(ref.stdout, /::error title=podwall[^:]*::.*base ref "no-such-branch" is not a commit/);
    const bad = await run({ 'max-newly-allowed': 'few' });
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /input max-newly-allowed must be a whole number, got "few"/);
    const refused = await run({ 'github-token': 'wrong' });
    assert.equal(refused.code, 2);
    assert.match(refused.stdout, /HTTP 401/);
    assert.ok(!/internal error|    at /.test(ref.stdout + bad.stdout + refused.stdout), 'no stack trace');
  });

  it('is a composite action whose every input reaches the script', () => {
    const action = parseAllDocuments(readFileSync(join(ROOT, 'action.yml'), 'utf8'))[0]!.toJS() as { runs: { using: string; steps: { env?: Record<string, string>; run?: string }[] }; inputs: Record<string, unknown> };
    assert.equal(action.runs.using, 'composite');
    const step = action.runs.steps.find((s) => s.run?.includes('scripts/ci-action.mjs'))!;
    for (const name of Object.keys(action.inputs)) {
      const env = `INPUT_${name.toUpperCase().replace(/-/g, '_')}`;
      assert.equal(step.env?.[env], `\${{ inputs.${name} }}`, env);
    }
  });
});
