/**
 * A live mirror of the cluster: list every resource, then watch it from the list's resourceVersion.
 * After a dropped connection it resumes from the last resourceVersion seen (bookmarks included);
 * on 410 Gone it lists again. Events it does not understand are reported and ignored.
 */
import type { SourceObject } from '../model/build.js';
import { LiveReader, resourceName, withKind, type Resource } from './live.js';
import { slim } from './slim.js';

type Item = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };

export interface MirrorEvents {
  /** Something changed: the model should be rebuilt. */
  change(): void;
  /** A reconnect, a relist, an event that was ignored: for the log, not the results. */
  notice(message: string): void;
  /** One object changed (from a watch event, or found changed by a relist): for `watch --record`. */
  object?(type: 'ADDED' | 'MODIFIED' | 'DELETED', item: Record<string, unknown>): void;
}

export class ClusterMirror {
  private readonly store = new Map<Resource, Map<string, Item>>();
  private readonly version = new Map<Resource, string>();
  private readonly controllers = new Map<Resource, AbortController>();
  private readonly retries = new Map<Resource, number>();
  private readonly said = new Set<string>();
  private extra: SourceObject[] = [];
  private stopped = false;

  constructor(
    private readonly reader: LiveReader,
    private readonly events: MirrorEvents,
    private readonly maxBackoffMs = 30_000,
  ) {}

  async start(): Promise<void> {
    const { lists } = await this.reader.readAll();
    for (const [r, l] of lists) {
      this.store.set(r, new Map(l.items.map((i) => [key(i as Item), slim(i) as Item])));
      this.version.set(r, l.resourceVersion);
    }
    const cm = await this.reader.vpcCniConfigMap();
    this.extra = cm ? [this.reader.source(cm)] : [];
    for (const r of lists.keys()) void this.watch(r);
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.controllers.values()) c.abort();
  }

  objects(): SourceObject[] {
    const out: SourceObject[] = [];
    for (const items of this.store.values()) for (const i of items.values()) out.push(this.reader.source(i));
    return [...out, ...this.extra];
  }

  private async relist(r: Resource): Promise<void> {
    const l = await this.reader.list(r);
    if (!l) {
      this.store.delete(r);
      return;
    }
    const before = this.store.get(r);
    const raw = new Map(l.items.map((i) => [key(i as Item), i as Item]));
    // what is kept is slimmed (src/sources/slim.ts); a change is told with the whole object
    this.store.set(r, new Map([...raw].map(([k, i]) => [k, slim(i) as Item])));
    this.version.set(r, l.resourceVersion);
    // what changed while the watch was gone is still a change
    if (this.events.object) {
      for (const [k, i] of raw) {
        const was = before?.get(k);
        if (!was || was.metadata?.resourceVersion !== i.metadata?.resourceVersion) this.events.object(was ? 'MODIFIED' : 'ADDED', i);
      }
      for (const [k, was] of before ?? []) if (!raw.has(k)) this.events.object('DELETED', was);
    }
    this.events.change();
  }

  /**
   * One watch of `r`, from the last resourceVersion seen. An ERROR event, a failed request or an
   * early close is a failure: retried after a backoff that doubles while failures repeat, and
   * reported once per burst. 410 Gone, or an event too large to hold, lists again.
   */
  private async watch(r: Resource): Promise<void> {
    if (this.stopped) return;
    const items = this.store.get(r) ?? new Map<string, Item>();
    this.store.set(r, items);
    const controller = new AbortController();
    this.controllers.set(r, controller);
    const started = Date.now();
    let failure: string | undefined;
    let relist: string | undefined;
    try {
      for await (const ev of this.reader.watchEvents(r, this.version.get(r), controller.signal)) {
        if ('tooLong' in ev) {
          relist = `an event of ${ev.tooLong} bytes, more than podwall holds`;
          break;
        }
        if ('unreadable' in ev) {
          failure = `an event that is not JSON (${JSON.stringify(ev.unreadable)})`;
          break;
        }
        const item = ev.object as Item;
        if (ev.type === 'ERROR') {
          const status = ev.object as { code?: number; message?: string } | undefined;
          if (status?.code === 410) relist = 'resourceVersion expired (410 Gone)';
          else failure = `error event${status?.code ? ` ${status.code}` : ''}: ${status?.message ?? JSON.stringify(ev.object)}`;
          break;
        }
        if (!item || typeof item !== 'object') {
          failure = `a ${ev.type} event without an object`;
          break;
        }
        switch (ev.type) {
          case 'ADDED':
          case 'MODIFIED':
            items.set(key(item), slim(withKind(item, r)) as Item);
            this.bump(r, item);
            this.events.object?.(ev.type, withKind(item, r));
            this.events.change();
            break;
          case 'DELETED':
            items.delete(key(item));
            this.bump(r, item);
            this.events.object?.(ev.type, withKind(item, r));
            this.events.change();
            break;
          case 'BOOKMARK':
            this.bump(r, item);
            break;
          default:
            this.once(r, `ignored an event of unknown type ${JSON.stringify(ev.type)} (said once per type)`);
        }
      }
      // the API server ends every watch after a while: resume at once; an immediate close is a failure
      if (!failure && !relist && Date.now() - started < 1000) failure = 'the server closed the watch at once';
    } catch (e) {
      if (this.stopped) return;
      if ((e as { statusCode?: number }).statusCode === 410) relist = 'resourceVersion expired (410 Gone)';
      else failure = (e as Error).message || String(e);
    } finally {
      controller.abort();
    }
    if (this.stopped) return;
    if (relist) {
      this.events.notice(`watch ${resourceName(r)}: ${relist}; listing again`);
      this.relist(r)
        .then(() => this.watch(r))
        .catch((e: Error) => this.retry(r, e.message));
      return;
    }
    if (failure) return this.retry(r, failure);
    void this.watch(r);
  }

  /** A notice said once per resource and message, not once per event. */
  private once(r: Resource, what: string): void {
    const k = `${resourceName(r)}\u0000${what}`;
    if (this.said.has(k)) return;
    this.said.add(k);
    this.events.notice(`watch ${resourceName(r)}: ${what}`);
  }

  /**
   * Resume from the last resourceVersion seen, after a backoff that doubles while failures repeat
   * (up to maxBackoffMs). The first failure of a burst is reported; the rest are counted and
   * summed up when the watch recovers.
   */
  private retry(r: Resource, why: string): void {
    if (this.stopped) return;
    const n = (this.retries.get(r) ?? 0) + 1;
    this.retries.set(r, n);
    const delay = Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(n, 16));
    if (n === 1) this.events.notice(`watch ${resourceName(r)}: ${why}; resuming from resourceVersion ${this.version.get(r) ?? '(none)'} with backoff (repeated failures are reported when it recovers)`);
    setTimeout(() => void this.watch(r), delay).unref?.();
  }

  private bump(r: Resource, item: Item): void {
    const rv = item?.metadata?.resourceVersion;
    if (rv) this.version.set(r, rv);
    const failed = this.retries.get(r) ?? 0;
    if (failed > 1) this.events.notice(`watch ${resourceName(r)}: recovered after ${failed} failed attempts`);
    this.retries.set(r, 0);
  }
}

function key(i: Item): string {
  return `${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}`;
}
