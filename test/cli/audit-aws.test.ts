// The live add-on check, through the real AWS SDK and real HTTP, against a stand-in EKS API on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { podwallAsync } from '../helpers.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const handlers = new Map<string, Handler>();
const hits = new Map<string, number>();
let endpoint = '';

const server = createServer((req, res) => {
  // EKS DescribeAddon: GET /clusters/{name}/addons/{addonName}, signed with SigV4
  const m = /^\/clusters\/([^/]+)\/addons\/([^/?]+)/.exec(req.url ?? '');
  if (!m || req.method !== 'GET' || !String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256')) {
    res.writeHead(400).end();
    return;
  }
  hits.set(m[1]!, (hits.get(m[1]!) ?? 0) + 1);
  const h = handlers.get(m[1]!);
  if (h) h(req, res);
  else error(res, 404, 'ResourceNotFoundException', `No cluster found for name: ${m[1]}.`);
});

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.eks/` });
  res.end(JSON.stringify({ message }));
}

function addon(configurationValues: string): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ addon: { addonName: 'vpc-cni', clusterName: 'x', status: 'ACTIVE', addonVersion: 'v1.19.0-eksbuild.1', configurationValues } }));
  };
}

const env = (): NodeJS.ProcessEnv => ({
  AWS_ENDPOINT_URL_EKS: endpoint,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_RETRY_MODE: 'standard',
});
const audit = (cluster: string, extra: NodeJS.ProcessEnv = {}) => podwallAsync(['audit', '-f', 'examples/shop', '--cluster', cluster, '--region', 'eu-west-1', '-o', 'json'], { ...env(), ...extra });

describe('podwall audit --cluster (DescribeAddon)', () => {
  before(async () => {
    handlers.set('enabled', addon('{"enableNetworkPolicy":"true"}'));
    handlers.set('disabled', addon(''));
    handlers.set('denied', (_q, r) => error(r, 403, 'AccessDeniedException', 'User is not authorized to perform: eks:DescribeAddon'));
    handlers.set('throttled', (_q, r) => error(r, 429, 'ThrottlingException', 'Rate exceeded'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('reads enableNetworkPolicy from the live add-on', async () => {
    const on = await audit('enabled');
    assert.equal(on.code, 0, on.stderr);
    assert.equal(JSON.parse(on.stdout).kpis.enforcement, 'enabled');
    // the SDK's notice that its later releases need Node 22 is not the user's business (src/sources/aws-eks.ts)
    assert.doesNotMatch(on.stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript/);
    const off = await audit('disabled');
    assert.equal(off.code, 1, 'enforcement-disabled is an error');
    const f = JSON.parse(off.stdout).findings.find((x: { check: string }) => x.check === 'enforcement-disabled');
    assert.match(f.message, /add-on default is "false"/);
  });

  it('turns service errors into one clear message, exit 2', async () => {
    const missing = await audit('nope');
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /cluster nope in eu-west-1: not found, or it has no vpc-cni add-on/);
    const denied = await audit('denied');
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /access denied: the credentials need eks:DescribeAddon/);
    const throttled = await audit('throttled');
    assert.equal(throttled.code, 2);
    assert.match(throttled.stderr, /throttling requests, still after retries/);
    assert.ok(hits.get('throttled')! >= 2, 'the SDK retried before giving up');
    for (const r of [missing, denied, throttled]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('without credentials says so', async () => {
    const r = await audit('enabled', { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'podwall-no-such-profile', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /credentials|profile/i);
  });
});
