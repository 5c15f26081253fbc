/**
 * What the dashboard's browser tests share: Debian's Chromium (installed with apt-get when missing and
 * root, never downloaded by playwright), `podwall serve` on a free port, a page that records every
 * request and error, the rendered geometry of the graph, and a directory for screenshots.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';
import { serve as start, stop } from './serve-process.js';

export { killAll } from './serve-process.js';

export const CHROMIUM = '/usr/bin/chromium';
// page.evaluate bodies run in the browser; this project compiles without the DOM library
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.getuid?.() !== 0) return 'Chromium is not installed and this is not root: apt-get install chromium';
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    return `Chromium could not be installed with apt-get (${(e as Error).message.split('\n')[0]})`;
  }
  return existsSync(CHROMIUM) ? undefined : 'apt-get ran but /usr/bin/chromium is still missing';
}

export interface Served {
  origin: string;
  stop(): Promise<void>;
}

export async function serve(args: string[]): Promise<Served> {
  const s = await start(args);
  return { origin: s.origin, stop: () => stop(s) };
}

/** Where screenshots go: a fresh directory under the system's temporary one, printed for the reader. */
export function screenDir(name: string): string {
  const dir = join(tmpdir(), `podwall-screens-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  console.log(`# screenshots: ${dir}`);
  return dir;
}

/** Copies a screenshot to a second place (the lead's notes), when that place exists. */
export function share(file: string, dir = process.env.PODWALL_SCREENS): void {
  if (!dir || !existsSync(dir)) return;
  cpSync(file, join(dir, file.split('/').pop()!));
}

export async function launch(): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { chromium } = await import('playwright-core');
  // launch() gives every run a fresh, empty profile (user-data dir) of its own
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}

export interface Box {
  id: string;
  kind: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Opens the page, waits for the graph, and records every request and page error. */
export async function open(browser: any, origin: string, viewport = { width: 1500, height: 950 }): Promise<{ page: any; requests: string[]; errors: string[] }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r: any) => requests.push(r.url())); // eslint-disable-line @typescript-eslint/no-explicit-any
  page.on('pageerror', (e: Error) => errors.push(e.message));
  page.on('console', (m: any) => { if (m.type() === 'error') errors.push(m.text()); }); // eslint-disable-line @typescript-eslint/no-explicit-any
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-graph-ready="true"]', { timeout: 240_000 });
  return { page, requests, errors };
}

/** The rendered boxes of every node (page pixels): namespace boxes, folded boxes, workloads and peers. */
export async function boxes(page: any): Promise<Box[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return page.evaluate(() => {
    // Cytoscape's rendered coordinates start inside the container's border and padding
    const c = document.querySelector('#graph');
    const cb = c.getBoundingClientRect();
    const cs = window.getComputedStyle(c);
    const r = { left: cb.left + c.clientLeft + parseFloat(cs.paddingLeft), top: cb.top + c.clientTop + parseFloat(cs.paddingTop) };
    return window.podwallGraph.nodes().map((n: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const b = n.renderedBoundingBox({ includeLabels: true, includeOverlays: false });
      return { id: n.id(), kind: n.data('kind'), x1: r.left + b.x1, y1: r.top + b.y1, x2: r.left + b.x2, y2: r.top + b.y2 };
    });
  });
}

/** Pairs of boxes that overlap by more than a hair (they may touch). */
export function overlaps(list: Box[]): string[] {
  const out: string[] = [];
  const sorted = [...list].sort((a, b) => a.x1 - b.x1);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length && sorted[j]!.x1 < a.x2 - 0.5; j++) {
      const b = sorted[j]!;
      if (Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1) > 0.5 && Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) > 0.5) out.push(`${a.id} overlaps ${b.id}`);
    }
  }
  return out;
}

export interface ClickPoint {
  id: string;
  source: string;
  target: string;
  kind: string;
  /** The edge has a handle (a dot on its curve) because its midpoint is covered. */
  handle: boolean;
  loop: boolean;
  fan: boolean;
  /** Where to click it, in page pixels. */
  x: number;
  y: number;
  /** Inside the graph's visible area. */
  visible: boolean;
}

/**
 * Where each edge answers a click: its handle when it has one, else its rendered midpoint. Asks
 * Cytoscape's own hit test (the one a click uses) what a click there opens (a handle opens its edge).
 * Returns the edges that do not answer there (`misses`) and every edge's click point on the page.
 */
export async function clickPoints(page: any): Promise<{ misses: string[]; edges: ClickPoint[] }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return page.evaluate(() => {
    const cy = window.podwallGraph;
    // Cytoscape's rendered coordinates start inside the container's border and padding
    const c = document.querySelector('#graph');
    const cb = c.getBoundingClientRect();
    const cs = window.getComputedStyle(c);
    const r = { left: cb.left + c.clientLeft + parseFloat(cs.paddingLeft), top: cb.top + c.clientTop + parseFloat(cs.paddingTop) };
    const misses: string[] = [];
    const edges: unknown[] = [];
    const zoom = cy.zoom();
    const pan = cy.pan();
    for (const e of cy.edges()) {
      const h = e.data('handle') ? cy.$id(e.data('handle')) : null;
      const m = h && h.nonempty() ? h.position() : e.midpoint();
      // a click lands on whole pixels: the point and the points a pixel beside it must all open this edge
      for (const [dx, dy] of [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const hit = cy.renderer().findNearestElement(m.x + dx / zoom, m.y + dy / zoom, true, false);
        const answered = hit ? (hit.data('kind') === 'handle' ? hit.data('edge') : hit.id()) : 'nothing';
        if (answered !== e.id()) {
          misses.push(`${e.id()} (hit ${answered}${dx || dy ? ` a pixel beside` : ''})`);
          break;
        }
      }
      const x = m.x * zoom + pan.x;
      const y = m.y * zoom + pan.y;
      edges.push({ id: e.id(), source: e.data('source'), target: e.data('target'), kind: e.data('kind'), handle: Boolean(h && h.nonempty()), loop: Boolean(e.data('loop')), fan: Boolean(e.data('fan')), x: r.left + x, y: r.top + y, visible: x > 4 && y > 4 && x < c.clientWidth - 4 && y < c.clientHeight - 4 });
    }
    return { misses, edges };
  });
}

/** Clicks an edge at its click point with the real mouse and returns the explanation's title. */
export async function clickEdge(page: any, e: ClickPoint): Promise<string> { // eslint-disable-line @typescript-eslint/no-explicit-any
  await page.mouse.click(e.x, e.y);
  await page.waitForFunction((id: string) => window.podwallGraph.$id(id).hasClass('picked'), e.id, { timeout: 10_000 });
  return (await page.textContent('#explain h2')) as string;
}

export const ROOT_DIR = ROOT;
