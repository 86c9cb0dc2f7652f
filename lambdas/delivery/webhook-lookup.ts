// Webhook lookups for the delivery worker. Lookups of the same webhook that overlap share one
// read (a batch often holds several jobs for the same few webhooks), so a disable or delete is
// seen by every attempt that starts after it (SPEC §4: "at once"). WEBHOOK_CACHE_TTL_MS can keep
// a read for longer, trading that promptness for fewer reads; it is 0 by default.
import type { Clock } from '../domain/clock.js';
import type { Webhook } from '../domain/webhook.js';
import { PromiseCache } from '../shared/promise-cache.js';
import type { WebhookStore } from '../stores/webhook-store.js';

const MAX_ENTRIES = 1000;

export class WebhookLookup {
  private readonly cache: PromiseCache<Webhook | undefined>;

  constructor(
    private readonly store: Pick<WebhookStore, 'get'>,
    ttlMs: number,
    clock?: Clock,
  ) {
    this.cache = new PromiseCache({ ttlMs, maxEntries: MAX_ENTRIES, ...(clock ? { clock } : {}) });
  }

  get(partnerId: string, webhookId: string): Promise<Webhook | undefined> {
    return this.cache.get(`${partnerId}/${webhookId}`, () => this.store.get(partnerId, webhookId));
  }
}
