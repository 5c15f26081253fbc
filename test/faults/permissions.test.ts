// Permission faults (EACCES) as an unprivileged user sees them: every one is a sentence naming the
// path, exit 2, nothing left behind. Root reads and writes whatever the mode, so as root these run as
// `nobody` (setpriv); they are skipped where that is impossible.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers.js';
import { listing, run, unprivileged } from './run.js';

const prefix = unprivileged();
const NOT_A_CRASH = /internal error|    at |ERR_|SqliteError/;
const SHOP_POLICIES = join(ROOT, 'examples', 'shop');
const AGENT_LOG = join(ROOT, 'test', 'fixtures', 'flows', 'logs');

/** A directory the unprivileged user may enter and write (its own HOME too). */
function playground(): string {
  const dir = mkdtempSync(join(tmpdir(), 'podwall-eacces-'));
  chmodSync(dir, 0o777);
  return dir;
}

describe('permission denied (EACCES)', { skip: prefix ? false : 'cannot run as an unprivileged user here' }, () => {
  const as = (args: string[], home: string): ReturnType<typeof run> => run(args, { prefix: prefix!, env: { HOME: home, PODWALL_DB: join(home, 'history.db') } });

  it('an unreadable manifest and an unreadable directory of manifests are named', async () => {
    const dir = playground();
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'examples', 'shop', 'policies.yaml')));
    chmodSync(file, 0o000);
    const r = await as(['audit', '-f', file], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /policy\.yaml: .*permission denied/);
    assert.doesNotMatch(r.stderr, NOT_A_CRASH);
    const sub = join(dir, 'manifests');
    mkdirSync(sub);
    chmodSync(sub, 0o000);
    const d = await as(['matrix', '-f', sub], dir);
    assert.equal(d.code, 2, d.stderr);
    assert.match(d.stderr, /manifests: .*permission denied/);
    assert.doesNotMatch(d.stderr, NOT_A_CRASH);
  });

  it('an unreadable flow log and an unreadable log directory are named', async () => {
    const dir = playground();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    chmodSync(logs, 0o755);
    for (const name of listing(AGENT_LOG)) copyFileSync(join(AGENT_LOG, name), join(logs, name));
    const one = join(logs, listing(logs)[0]!);
    chmodSync(one, 0o000);
    const r = await as(['flows', 'summary', logs, '-f', SHOP_POLICIES], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(one), r.stderr);
    assert.match(r.stderr, /permission denied/);
    assert.doesNotMatch(r.stderr, NOT_A_CRASH);
    chmodSync(logs, 0o000);
    const d = await as(['flows', 'summary', logs, '-f', SHOP_POLICIES], dir);
    assert.equal(d.code, 2, d.stderr);
    assert.match(d.stderr, /logs: .*permission denied/);
    assert.doesNotMatch(d.stderr, NOT_A_CRASH);
  });

  it('a history database in a directory that may not be written: said before the work, nothing created', async () => {
    const dir = playground();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const r = await as(['audit', '-f', SHOP_POLICIES, '--record', '--db', join(locked, 'history.db')], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /locked\/history\.db: .*(permission|cannot be written)/);
    assert.doesNotMatch(r.stderr, NOT_A_CRASH);
    assert.deepEqual(listing(locked), []);
  });

  it('snapshot -o into a directory that may not be written: exit 2, no temporary file', async () => {
    const dir = playground();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const r = await as(['snapshot', '-f', SHOP_POLICIES, '-o', join(locked, 'snap.yaml')], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot write .*locked\/snap\.yaml: permission denied/);
    assert.doesNotMatch(r.stderr, NOT_A_CRASH);
    assert.deepEqual(listing(locked), []);
  });
});
