/**
 * `watch --webhook`: batches of events POSTed in the background, one at a time, each bounded by a
 * timeout, from a bounded queue. A webhook that hangs or fails never holds up the audit loop; when
 * it falls behind, the oldest batches are dropped and counted. Failures are reported once per burst.
 */
export interface WebhookOptions {
  timeoutMs?: number;
  maxQueue?: number;
}

export class WebhookSender {
  private readonly queue: string[] = [];
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  private sending = false;
  private failures = 0;
  private dropped = 0;

  constructor(
    private readonly url: string,
    private readonly report: (message: string) => void,
    options: WebhookOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxQueue = options.maxQueue ?? 100;
  }

  /** Queues one batch; returns at once. */
  send(events: unknown[]): void {
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      if (this.dropped++ === 0) this.report(`webhook ${this.url} falls behind: dropping the oldest batches beyond ${this.maxQueue} queued`);
    }
    this.queue.push(JSON.stringify({ events }));
    if (!this.sending) void this.pump();
  }

  private async pump(): Promise<void> {
    this.sending = true;
    while (this.queue.length) {
      const body = this.queue.shift()!;
      let problem: string | undefined;
      try {
        const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(this.timeoutMs) });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) problem = `answered HTTP ${res.status}`;
      } catch (e) {
        const name = (e as Error).name;
        problem = name === 'TimeoutError' || name === 'AbortError' ? `did not answer within ${this.timeoutMs / 1000}s` : `failed: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`;
      }
      if (problem) {
        if (this.failures++ === 0) this.report(`webhook ${this.url} ${problem} (later failures are counted until it recovers)`);
      } else if (this.failures || this.dropped) {
        this.report(`webhook ${this.url} recovered after ${this.failures} failed and ${this.dropped} dropped batches`);
        this.failures = 0;
        this.dropped = 0;
      }
    }
    this.sending = false;
  }
}
