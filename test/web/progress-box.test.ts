// The progress box as web/progress.js fills it, run as plain JavaScript with the page's globals stubbed: the
// phase with its figures and which phase of how many, the time left in the phase at the pace the page has seen
// (only once the phase has moved for a second, and counted again when a new phase begins), and a wait behind
// another question.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { ROOT } from '../helpers.js';

interface Box {
  innerHTML: string;
  hidden: boolean;
}
type Render = (el: Box, path: string, r: unknown, seen: object, now: number) => void;

function page(): { render: Render } {
  const window: Record<string, unknown> = {};
  const context = { window, location: { origin: 'http://127.0.0.1' }, URL, Number };
  for (const file of ['common.js', 'progress.js']) runInNewContext(readFileSync(join(ROOT, 'web', file), 'utf8'), context, { filename: file });
  return window.podwallProgress as { render: Render };
}

/** The box's text as a reader sees it. */
const text = (b: Box): string => b.innerHTML.replace(/<br>/g, '\n').replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

const walk = (done: number, step = 3): object => ({ phase: 'Deciding the EKS answer between groups', done, total: 100, unit: 'namespaces', step, steps: 3 });

describe('the progress box', () => {
  it('says the phase, its figures, which phase of how many, and the time left once the phase has moved for a second', () => {
    const { render } = page();
    const box: Box = { innerHTML: '', hidden: true };
    const seen = {};
    render(box, '/api/graph', { state: 'computing', question: '/api/graph', seconds: 11.4, progress: walk(10) }, seen, 0);
    assert.equal(box.hidden, false);
    assert.equal(text(box), 'Computing the graph of every namespace started 11 s ago\nDeciding the EKS answer between groups: 10 of 100 namespaces (step 3 of 3)');
    assert.match(box.innerHTML, /<progress max="100" value="10">/);
    // half a second later: too soon to say
    render(box, '/api/graph', { state: 'computing', question: '/api/graph', seconds: 11.9, progress: walk(12) }, seen, 500);
    assert.doesNotMatch(text(box), /left/);
    // 20 namespaces in 2 s: the other 70 take about 7 s
    render(box, '/api/graph', { state: 'computing', question: '/api/graph', seconds: 13.4, progress: walk(30) }, seen, 2000);
    assert.match(text(box), /30 of 100 namespaces \(step 3 of 3\) · a few seconds left$/);
    // 10 more in 8 s: the pace so far (30 in 10 s) leaves about 20 s
    render(box, '/api/graph', { state: 'computing', question: '/api/graph', seconds: 21.4, progress: walk(40) }, seen, 10_000);
    assert.match(text(box), /· about 20 s left$/);
    // slower since: 31 in 100 s, the other 59 take about 3 min
    render(box, '/api/graph', { state: 'computing', question: '/api/graph', seconds: 111.4, progress: walk(41) }, seen, 100_000);
    assert.match(text(box), /· about 3 min left$/);
  });

  it('counts a new phase from its own start, and says the time is that phase\'s while phases follow', () => {
    const { render } = page();
    const box: Box = { innerHTML: '', hidden: true };
    const seen = {};
    const maps = (done: number): object => ({ phase: 'Building the EKS agent\'s maps of every pod', done, total: 2500, unit: 'pods', step: 1, steps: 3 });
    render(box, '/api/graph', { state: 'computing', seconds: 1, progress: maps(0) }, seen, 0);
    render(box, '/api/graph', { state: 'computing', seconds: 3, progress: maps(250) }, seen, 2000);
    assert.match(text(box), /250 of 2,500 pods \(step 1 of 3\) · about 20 s left in this step$/);
    // the next phase: nothing said of its pace until it has moved for a second of its own
    render(box, '/api/graph', { state: 'computing', seconds: 12, progress: walk(5) }, seen, 11_000);
    assert.doesNotMatch(text(box), /left/);
    render(box, '/api/graph', { state: 'computing', seconds: 14, progress: walk(45) }, seen, 13_000);
    assert.match(text(box), /45 of 100 namespaces \(step 3 of 3\) · a few seconds left$/);
  });

  it('says what a question waits behind, with that question\'s figures', () => {
    const { render } = page();
    const box: Box = { innerHTML: '', hidden: true };
    render(box, '/api/graph?namespace=ns2', { state: 'waiting', seconds: 3.2, behind: [{ question: '/api/graph?namespace=ns1', progress: walk(7) }, { question: '/api/diff' }] }, {}, 0);
    assert.equal(text(box), 'Waiting for the graph of namespace ns1 and 1 more asked 3 s ago\nbefore the graph of namespace ns2 is computed (the server computes one at a time)\nDeciding the EKS answer between groups: 7 of 100 namespaces (step 3 of 3)');
  });
});
