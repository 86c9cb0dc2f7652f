// Webhook lookups for the delivery worker. Lookups of the same webhook that overlap share one
// read (a batch often holds several jobs for the same few webhooks), so a disable or delete is
// seen by every attempt that starts after it (SPEC §4: "at once"). WEBHOOK_CACHE_TTL_MS can keep
// a read for longer, trading that promptness for fewer reads; it is 0 by default.
import type { Webhook } from '../domain/webhook.js';
import type { WebhookStore } from '../stores/webhook-store.js';

type Entry = { fetchedAt: number; pending: boolean; webhook: Promise<Webhook | undefined> };

const MAX_ENTRIES = 1000;

export class WebhookLookup {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: Pick<WebhookStore, 'get'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(partnerId: string, webhookId: string): Promise<Webhook | undefined> {
    const key = `${partnerId}/${webhookId}`;
    const cached = this.entries.get(key);
    if (cached && (cached.pending || this.now() - cached.fetchedAt < this.ttlMs)) return cached.webhook;
    const entry: Entry = { fetchedAt: this.now(), pending: true, webhook: this.store.get(partnerId, webhookId) };
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    entry.webhook.then(
      () => {
        entry.pending = false;
        entry.fetchedAt = this.now();
        if (this.ttlMs <= 0 && this.entries.get(key) === entry) this.entries.delete(key);
      },
      // A failed read is not remembered.
      () => this.entries.get(key) === entry && this.entries.delete(key),
    );
    return entry.webhook;
  }
}
