// Webhook lookups for the delivery worker, cached for a moment per function instance: under load
// a batch holds many jobs for the same few webhooks, and one read serves them all. The TTL bounds
// how long a disable or delete can go unseen (default 1 s); concurrent lookups share one read.
import type { Webhook } from '../domain/webhook.js';
import type { WebhookStore } from '../stores/webhook-store.js';

type Entry = { fetchedAt: number; webhook: Promise<Webhook | undefined> };

const MAX_ENTRIES = 1000;

export class WebhookCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: Pick<WebhookStore, 'get'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(partnerId: string, webhookId: string): Promise<Webhook | undefined> {
    const key = `${partnerId}/${webhookId}`;
    const cached = this.entries.get(key);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached.webhook;
    const webhook = this.store.get(partnerId, webhookId);
    if (this.ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { fetchedAt: this.now(), webhook });
      // A failed read is not remembered.
      webhook.catch(() => this.entries.delete(key));
    }
    return webhook;
  }
}
