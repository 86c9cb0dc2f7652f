// Webhook lookups for the delivery worker and the fan-out. Lookups of the same webhook that overlap share one
// read (a batch often holds several jobs for the same few webhooks), so a disable or delete is
// seen by every attempt that starts after it (SPEC §4: "at once"). WEBHOOK_CACHE_TTL_MS can keep
// a read for longer, trading that promptness for fewer reads; it is 0 by default (the stage option
// `deliveryWebhookCacheMs`).
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

/**
 * A partner's webhooks for the fan-out: fan-outs of one partner that overlap share one Query, and
 * PARTNER_WEBHOOKS_CACHE_TTL_MS (0 by default; the stage option `fanOutWebhookCacheMs`) keeps it
 * longer, so a partner publishing hundreds of events a second does not read its `webhooks`
 * partition for each (docs/capacity.md). A webhook created or changed meanwhile is seen by the
 * fan-out after that TTL; a disable or delete still takes effect at once (the worker reads the webhook).
 */
export class PartnerWebhooks {
  private readonly cache: PromiseCache<Webhook[]>;

  constructor(
    private readonly store: Pick<WebhookStore, 'listAll'>,
    ttlMs: number,
    clock?: Clock,
  ) {
    this.cache = new PromiseCache({ ttlMs, maxEntries: MAX_ENTRIES, ...(clock ? { clock } : {}) });
  }

  listAll(partnerId: string): Promise<Webhook[]> {
    return this.cache.get(partnerId, () => this.store.listAll(partnerId));
  }
}
