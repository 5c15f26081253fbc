// The agent line scanner in C (native/flow-scan, src/flows/native-scan.ts) held to the JavaScript one
// (scanAgentBytes) line by line: the usual agent lines, every edge the JavaScript scanner's own test
// reaches, lines mutated byte by byte (quotes, escapes, control and non-ASCII bytes, spaces, digits),
// days Date.parse rolls over, at every offset in a buffer; then flows summary through the command line
// with and without it. Skipped, visibly, when the scanner was not built (no C compiler).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BYTES_FLOW, BYTES_SKIP, BYTES_SLOW, scanAgentBytes, type AgentBytes } from '../../src/flows/agent-scan.js';
import { NativeAgentScanner, nativeScanAvailable, STRIDE } from '../../src/flows/native-scan.js';
import { ROOT } from '../helpers.js';

const skip = nativeScanAvailable() ? false : 'the native flow scanner was not built (npm run setup says why)';

function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return (s >>> 8) % n;
  };
}

const pick = <T>(rnd: (n: number) => number, xs: readonly T[]): T => xs[rnd(xs.length)]!;
/** Mostly one of the usual spellings, sometimes another. */
const usually = <T>(rnd: (n: number) => number, usual: readonly T[], odd: readonly T[]): T => (rnd(8) ? pick(rnd, usual) : pick(rnd, odd));

function address(rnd: (n: number) => number): string {
  return usually(rnd, ['10.0.0.1', '10.0.12.34', '192.168.255.255', '255.255.255.255', '0.0.0.0', '1.2.3.4'], ['010.0.0.1', '10.0.0.256', '10.0.0', 'fd00::1', '10.0.0.1.2', '::ffff:10.0.0.1']);
}

function time(rnd: (n: number) => number): string {
  const y = String(usually(rnd, [1970, 2026, 2024, 9999], [0, 1900])).padStart(4, '0');
  const m = String(usually(rnd, [1, 2, 4, 12], [0, 13])).padStart(2, '0');
  const d = String(usually(rnd, [1, 28, 29, 30, 31], [32, 0])).padStart(2, '0');
  const hh = String(usually(rnd, [0, 23], [24])).padStart(2, '0');
  return rnd(12) === 0 ? pick(rnd, ['2026-11-20 10:00:00', '2026-11-20T10:00:00Z', '2026-11-20T10:00:60.000Z']) : `${y}-${m}-${d}T${hh}:${usually(rnd, ['00', '59'], ['60'])}:${usually(rnd, ['00', '59'], ['7x'])}.${usually(rnd, ['000', '999'], ['12'])}Z`;
}

/** An agent line, mostly of the usual shape, each part sometimes spelt otherwise. */
function agentLine(rnd: (n: number) => number): string {
  const msg = `Flow Info: Src IP: ${address(rnd)} Src Port: ${usually(rnd, ['0', '443', '65535'], ['007', '4294967295', '1234567890'])} Dest IP: ${address(rnd)} Dest Port: ${usually(rnd, ['80', '8080', '65535', '0'], ['65536', '00', '123456'])} Proto ${usually(rnd, ['TCP', 'UDP', 'SCTP'], ['tcp', 'ICMP', '6'])} Verdict ${usually(rnd, ['ACCEPT', 'DENY', 'EXPIRED/DELETED'], ['DROP', 'EXPIRED'])}${rnd(3) ? ` Direction ${usually(rnd, ['ingress', 'egress'], ['Ingress'])}, Tier ${pick(rnd, ['NETWORK_POLICY', 'ADMIN_TIER', 'X'])}` : ''}`;
  const fields = [`"level":"info"`, `"${pick(rnd, ['ts', 'ts', 'time', 'timestamp'])}":"${time(rnd)}"`, `"logger":"ebpf-client"`, `"msg":"${rnd(10) ? msg : pick(rnd, ['Processing policy endpoint', 'Flow Info', 'Flow Info:'])}"`];
  if (rnd(6) === 0) fields.push(`"msg":"other"`);
  if (rnd(6) === 0) fields.unshift(`"ts":"${time(rnd)}"`);
  if (rnd(10) === 0) fields.push(`"Src IP":"10.0.0.1"`);
  if (rnd(4) === 0) fields.sort(() => rnd(3) - 1);
  const sep = rnd(5) === 0 ? ' , ' : ',';
  return `${rnd(8) === 0 ? ' ' : ''}{${rnd(8) === 0 ? ' ' : ''}${fields.join(sep)}${rnd(8) === 0 ? ' ' : ''}}${rnd(8) === 0 ? '  ' : ''}`;
}

const ODD = [...'"\\ :,{}0123456789./\tT-Z', '\x7f', '\x00', '\u00e9', '\r', '\n'];

/** The line with a few bytes replaced, inserted or taken out. */
function mutated(rnd: (n: number) => number, line: string): string {
  let s = line;
  for (let k = 0, n = 1 + rnd(3); k < n; k++) {
    const at = rnd(s.length + 1);
    const c = pick(rnd, ODD);
    const how = rnd(3);
    s = how === 0 ? s.slice(0, at) + c + s.slice(at + 1) : how === 1 ? s.slice(0, at) + c + s.slice(at) : s.slice(0, at) + s.slice(at + 1);
  }
  return s;
}

const fresh = (): AgentBytes => ({ srcStart: -9, srcEnd: -9, restStart: -9, restEnd: -9, srcPort: -9, time: -9, srcIp: -9, dstIp: -9, meta: -9 });

/** A line's outcome: its kind, and the fields a flow sets (positions from the line's start). */
function fieldsOf(k: number, out: AgentBytes, offset: number): unknown[] {
  if (k !== BYTES_FLOW) return [k];
  const at = (x: number): number => x - offset;
  return [k, at(out.srcStart), at(out.srcEnd), at(out.restStart), at(out.restEnd), out.srcPort, out.time, out.meta, ...(out.meta >= 0 ? [out.srcIp, out.dstIp] : [])];
}

/** The line (no newline in it) at `offset` in a buffer of other bytes, as the reader gives it to scanAgentBytes: without a carriage return at its end. */
function jsOutcome(line: string, offset: number): unknown[] {
  const body = Buffer.from(line);
  const b = Buffer.alloc(offset + body.length + 3, 0x7d); // '}' around the line: nothing may be read outside it
  body.copy(b, offset);
  const end = offset + body.length - (line.endsWith('\r') ? 1 : 0);
  const out = fresh();
  return fieldsOf(end === offset ? BYTES_SLOW : scanAgentBytes(b, offset, end, out), out, offset);
}

/** The same line and a newline at `offset`, split and scanned in C. */
function nativeOutcome(native: NativeAgentScanner, line: string, offset: number): unknown[] {
  const body = Buffer.from(`${line}\n`);
  const b = Buffer.alloc(offset + body.length + 3, 0x7d);
  body.copy(b, offset);
  native.use(b);
  assert.equal(native.lines(offset, b.length), 1);
  const r = native.records;
  assert.deepEqual([r[0], r[1]], [offset, offset + body.length - 1], 'the line ends at its newline');
  const out = fresh();
  if (r[2] === BYTES_FLOW) native.fields(0, out);
  return fieldsOf(r[2]!, out, offset);
}

describe('the agent line scanner in C', () => {
  it('reads every line as the JavaScript scanner does, at every offset', { skip }, () => {
    const native = NativeAgentScanner.create()!;
    const rnd = random(23);
    const kinds = [0, 0, 0];
    let plain = 0;
    for (let i = 0; i < 40_000; i++) {
      const base = agentLine(rnd);
      // (a newline is the reader's: lines never hold one)
      const line = rnd(3) === 0 ? mutated(rnd, base).replace(/\n/g, ' ') : base;
      const offset = rnd(8);
      const js = jsOutcome(line, offset);
      assert.deepEqual(nativeOutcome(native, line, offset), js, JSON.stringify(line));
      kinds[js[0] as number]!++;
      if (js[0] === BYTES_FLOW && (js[7] as number) >= 0) plain++;
    }
    // the sample reaches every outcome, and many lines of the plain spelling
    assert.ok(kinds[BYTES_SLOW]! > 1000 && kinds[BYTES_FLOW]! > 1000 && kinds[BYTES_SKIP]! > 100, `kinds ${kinds}`);
    assert.ok(plain > 1000, `plain ${plain}`);
  });

  it('reads the time of day 1 to 31 of every month as Date.parse does, and leaves the rest', { skip }, () => {
    const native = NativeAgentScanner.create()!;
    for (const y of ['0000', '1969', '1970', '2000', '2024', '2026', '2100', '9999']) {
      for (let m = 0; m <= 13; m++) {
        for (let d = 0; d <= 32; d++) {
          const line = `{"ts":"${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T23:59:59.999Z","msg":"Flow Info: Src IP: 10.0.0.1 Src Port: 1 Dest IP: 10.0.0.2 Dest Port: 80 Proto TCP Verdict DENY"}`;
          assert.deepEqual(nativeOutcome(native, line, 1), jsOutcome(line, 1), line);
        }
      }
    }
  });

  it('splits a chunk into lines as the reader does, a batch at a time, carriage returns and empty lines too', { skip }, () => {
    const native = NativeAgentScanner.create()!;
    const rnd = random(41);
    const lines = Array.from({ length: 5000 }, () => (rnd(10) === 0 ? '' : agentLine(rnd)) + (rnd(4) === 0 ? '\r' : ''));
    const text = lines.join('\n') + '\n{"msg":"a line without its newline"';
    const b = Buffer.from(text);
    const seen: unknown[][] = [];
    native.use(b);
    for (let at = 0; ; ) {
      const n = native.lines(at, b.length);
      for (let k = 0; k < n; k++) {
        const r = native.records.subarray(k * STRIDE);
        const out = fresh();
        if (r[2] === BYTES_FLOW) native.fields(k, out);
        seen.push(fieldsOf(r[2]!, out, r[0]!));
        assert.equal(b[r[1]!], 10);
        at = r[1]! + 1;
      }
      if (n === 0) break;
    }
    assert.equal(seen.length, lines.length, 'every line that ends with a newline, and not the last one');
    lines.forEach((l, i) => assert.deepEqual(seen[i], jsOutcome(l, 0), JSON.stringify(l)));
  });

  it('flows summary gives the same report with it and without it (PODWALL_NATIVE_SCAN=0)', { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwall-native-scan-'));
    try {
      const rnd = random(5);
      const lines = Array.from({ length: 30_000 }, () => (rnd(20) === 0 ? mutated(rnd, agentLine(rnd)) : `{"level":"info","ts":"2026-11-${String(1 + rnd(28)).padStart(2, '0')}T10:00:00.000Z","logger":"ebpf-client","msg":"Flow Info: Src IP: 10.0.0.${1 + rnd(4)} Src Port: ${rnd(60000)} Dest IP: 10.0.${rnd(2)}.${1 + rnd(4)} Dest Port: ${pick(rnd, [80, 8080, 5432])} Proto TCP Verdict ${pick(rnd, ['ACCEPT', 'DENY'])} Direction ${pick(rnd, ['ingress', 'egress'])}, Tier NETWORK_POLICY"}`));
      // a file over the split size, so that two workers count it
      const log = join(dir, 'agent.log');
      writeFileSync(log, `${lines.join('\n')}\n`.repeat(8));
      const run = (env: Record<string, string>, format: string) => spawnSync(process.execPath, [join(ROOT, 'bin', 'podwall.js'), 'flows', 'summary', '-f', join(ROOT, 'examples', 'shop'), '--format', 'agent', log, '-o', format], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
      for (const format of ['json', 'text']) {
        const withC = run({}, format);
        const without = run({ PODWALL_NATIVE_SCAN: '0' }, format);
        assert.equal(withC.status, 0, withC.stderr);
        assert.equal(without.status, 0, without.stderr);
        assert.equal(withC.stdout, without.stdout);
        assert.equal(withC.stderr, without.stderr);
      }
      assert.match(run({}, 'json').stdout, /"flows": 2[0-9]{5}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
