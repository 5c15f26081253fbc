/**
 * A live mirror of the cluster: list every resource, then watch it from the list's resourceVersion.
 * After a dropped connection it resumes from the last resourceVersion seen (bookmarks included);
 * on 410 Gone it lists again. Events it does not understand are reported and ignored.
 */
import type { SourceObject } from '../model/build.js';
import { LiveReader, resourceName, resourcePath, withKind, type Resource } from './live.js';

type Item = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };

export interface MirrorEvents {
  /** Something changed: the model should be rebuilt. */
  change(): void;
  /** A reconnect, a relist, an event that was ignored: for the log, not the results. */
  notice(message: string): void;
}

export class ClusterMirror {
  private readonly store = new Map<Resource, Map<string, Item>>();
  private readonly version = new Map<Resource, string>();
  private readonly controllers = new Map<Resource, AbortController>();
  private readonly retries = new Map<Resource, number>();
  private extra: SourceObject[] = [];
  private stopped = false;

  constructor(
    private readonly reader: LiveReader,
    private readonly events: MirrorEvents,
    private readonly maxBackoffMs = 5000,
  ) {}

  async start(): Promise<void> {
    const { lists } = await this.reader.readAll();
    for (const [r, l] of lists) {
      this.store.set(r, new Map(l.items.map((i) => [key(i as Item), i as Item])));
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
    this.store.set(r, new Map(l.items.map((i) => [key(i as Item), i as Item])));
    this.version.set(r, l.resourceVersion);
    this.events.change();
  }

  private async watch(r: Resource): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    const items = this.store.get(r) ?? new Map<string, Item>();
    this.store.set(r, items);
    const onEvent = (type: string, obj: unknown): void => {
      try {
        const item = obj as Item;
        switch (type) {
          case 'ADDED':
          case 'MODIFIED':
            items.set(key(item), withKind(item, r) as Item);
            this.bump(r, item);
            this.events.change();
            return;
          case 'DELETED':
            items.delete(key(item));
            this.bump(r, item);
            this.events.change();
            return;
          case 'BOOKMARK':
            this.bump(r, item);
            return;
          case 'ERROR':
            if ((obj as { code?: number })?.code === 410) gone = true;
            else this.events.notice(`watch ${resourceName(r)}: error event ${JSON.stringify(obj)}`);
            return;
          default:
            this.events.notice(`watch ${resourceName(r)}: ignored an event of unknown type ${JSON.stringify(type)}`);
        }
      } catch (e) {
        this.events.notice(`watch ${resourceName(r)}: ignored an event podwall could not read (${(e as Error).message})`);
      }
    };
    const onDone = (err: unknown): void => {
      if (this.stopped) return;
      const status = (err as { statusCode?: number } | null)?.statusCode;
      if (gone || status === 410) {
        this.events.notice(`watch ${resourceName(r)}: resourceVersion expired (410 Gone); listing again`);
        this.relist(r)
          .then(() => this.watch(r))
          .catch((e: Error) => this.retry(r, e.message));
        return;
      }
      this.retry(r, err ? (err as Error).message || String(err) : 'the server closed the watch');
    };
    try {
      const path = resourcePath(r);
      const { Watch } = await import('@kubernetes/client-node'); // loaded only when watching
      const controller = await new Watch(this.reader.kc).watch(path, { resourceVersion: this.version.get(r), allowWatchBookmarks: true }, onEvent, onDone);
      this.controllers.set(r, controller);
    } catch (e) {
      this.retry(r, (e as Error).message);
    }
  }

  /** Resume from the last resourceVersion seen, after a backoff that grows while failures repeat. */
  private retry(r: Resource, why: string): void {
    if (this.stopped) return;
    const n = (this.retries.get(r) ?? 0) + 1;
    this.retries.set(r, n);
    const delay = Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(n, 10));
    this.events.notice(`watch ${resourceName(r)}: ${why}; resuming from resourceVersion ${this.version.get(r) ?? '(none)'} in ${delay} ms`);
    setTimeout(() => void this.watch(r), delay).unref?.();
  }

  private bump(r: Resource, item: Item): void {
    const rv = item?.metadata?.resourceVersion;
    if (rv) this.version.set(r, rv);
    this.retries.set(r, 0);
  }
}

function key(i: Item): string {
  return `${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}`;
}

