// WebhookStore's contract in memory, for unit tests of WebhookService (test/contract/webhook-store.test.ts
// runs the same cases on both): the per-partner limit, a webhook read back as the store reads it
// (a copy), changes applied field by field (null removes), a rotation keeping the replaced secret,
// the delivery path's disable only in the active period it saw, and an expired previous secret
// erased by the next update. Not modelled: the counter item and its repair after a crash.
import type { DisabledReason, Webhook } from '../../lambdas/domain/webhook.js';
import type { WebhookChanges } from '../../lambdas/domain/webhook-service.js';
import type { WebhookStore } from '../../lambdas/stores/webhook-store.js';

type Store = Pick<WebhookStore, 'create' | 'get' | 'list' | 'listAll' | 'update' | 'rotateSecret' | 'disable' | 'delete'>;

/** A webhook as WebhookStore reads it back: a disabled one always has its reason and time. */
function asStored(w: Webhook): Webhook {
  const copy = structuredClone(w);
  for (const key of Object.keys(copy) as (keyof Webhook)[]) if (copy[key] === undefined) delete copy[key];
  if (copy.status !== 'disabled') return copy;
  return { ...copy, disabledReason: copy.disabledReason ?? 'manual', disabledAt: copy.disabledAt ?? copy.updatedAt };
}

export class FakeWebhooks implements Store {
  /** By webhook id (ids are unique across partners), as stored. */
  readonly items = new Map<string, Webhook>();

  async create(webhook: Webhook, maxPerPartner: number) {
    if ([...this.items.values()].filter((w) => w.partnerId === webhook.partnerId).length >= maxPerPartner) return false;
    this.items.set(webhook.id, asStored(webhook));
    return true;
  }

  async get(partnerId: string, id: string) {
    const webhook = this.find(partnerId, id);
    return webhook && asStored(webhook);
  }

  /** Oldest first: by id (UUIDv7), as the store's sort key orders them. */
  async list(partnerId: string, page: { limit: number; afterId?: string }) {
    const all = [...this.items.values()]
      .filter((w) => w.partnerId === partnerId && (page.afterId === undefined || w.id > page.afterId))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    return { items: all.slice(0, page.limit).map(asStored), hasMore: all.length > page.limit };
  }

  async listAll(partnerId: string) {
    return (await this.list(partnerId, { limit: Infinity })).items;
  }

  async update(partnerId: string, id: string, changes: WebhookChanges) {
    const current = this.find(partnerId, id);
    if (!current) return undefined;
    const next: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete next[key];
      else if (value !== undefined) next[key] = structuredClone(value);
    }
    let updated = next as Webhook;
    // The next write that sees an expired previous secret erases it.
    if (updated.previousSecret && Date.parse(updated.previousSecret.expiresAt) <= Date.parse(changes.updatedAt)) {
      const { previousSecret: _erased, ...rest } = updated;
      updated = rest;
    }
    this.items.set(id, updated);
    return asStored(updated);
  }

  async rotateSecret(partnerId: string, id: string, change: { secretCiphertext: string; previousExpiresAt?: string; updatedAt: string }) {
    const current = this.find(partnerId, id);
    if (!current) return false;
    const { previousSecret: _replaced, ...rest } = current;
    this.items.set(id, {
      ...rest,
      secretCiphertext: change.secretCiphertext,
      updatedAt: change.updatedAt,
      ...(change.previousExpiresAt ? { previousSecret: { ciphertext: current.secretCiphertext, expiresAt: change.previousExpiresAt } } : {}),
    });
    return true;
  }

  async disable(partnerId: string, id: string, seen: { activeSince: string }, reason: DisabledReason, at: string) {
    const current = this.find(partnerId, id);
    if (!current || current.status !== 'active' || current.activeSince !== seen.activeSince) return false;
    this.items.set(id, { ...current, status: 'disabled', disabledReason: reason, disabledAt: at, updatedAt: at });
    return true;
  }

  async delete(partnerId: string, id: string) {
    return this.find(partnerId, id) !== undefined && this.items.delete(id);
  }

  private find(partnerId: string, id: string): Webhook | undefined {
    const webhook = this.items.get(id);
    return webhook?.partnerId === partnerId ? webhook : undefined;
  }
}
