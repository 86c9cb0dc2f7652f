// What the management API does with webhooks, free of HTTP and of the SDK: it declares the stores
// it needs (WebhookRecordStore, EndpointHealthStore), which stores/webhook-store.ts and
// stores/endpoint-store.ts implement, and is handed them (wiring/api.ts).
import { v7 as uuidv7 } from 'uuid';
import { type EndpointHealth, halfOpened } from './endpoint-health.js';
import { ApiError, webhookNotFound } from './errors.js';
import type { SecretCipher } from './secret-cipher.js';
import { generateWebhookSecret, secretContext } from './secrets.js';
import type { UrlGuard } from './url-guard.js';
import {
  type CreateWebhookInput,
  type PublicWebhook,
  type RotateSecretInput,
  toPublicWebhook,
  type UpdateWebhookInput,
  type DisabledReason,
  type Webhook,
} from './webhook.js';
import { type Clock, clockOf } from './clock.js';
import { headersContext } from './delivery-controls.js';

/**
 * A webhook's changes in one write. `disabledReason` / `disabledAt` null: removed (a webhook made
 * active again). `rateLimitPerSecond` and `customHeaders` null: removed (no limit, no headers).
 * undefined: unchanged.
 */
export type WebhookChanges = Partial<Pick<Webhook, 'url' | 'events' | 'status' | 'activeSince' | 'ordering'>> & {
  updatedAt: string;
  disabledReason?: DisabledReason | null;
  disabledAt?: string | null;
  rateLimitPerSecond?: number | null;
  customHeaders?: Webhook['customHeaders'] | null;
};

/** The partners' webhooks as the service keeps them. */
export interface WebhookRecordStore {
  /** false when the partner already has `maxPerPartner` webhooks. */
  create(webhook: Webhook, maxPerPartner: number): Promise<boolean>;
  get(partnerId: string, id: string): Promise<Webhook | undefined>;
  /** Oldest first, after `afterId`. */
  list(partnerId: string, page: { limit: number; afterId?: string }): Promise<{ items: Webhook[]; hasMore: boolean }>;
  /** undefined when the partner has no such webhook. */
  update(partnerId: string, id: string, changes: WebhookChanges): Promise<Webhook | undefined>;
  /** The new secret replaces the current one, which stays valid until `previousExpiresAt` (none: not kept); false when there is no such webhook. */
  rotateSecret(partnerId: string, id: string, change: { secretCiphertext: string; previousExpiresAt?: string; updatedAt: string }): Promise<boolean>;
  /** false when the partner has no such webhook. */
  delete(partnerId: string, id: string): Promise<boolean>;
}

/** The endpoints' health, shown on the webhook object (SPEC §7); written by the delivery path. */
export interface EndpointHealthStore {
  get(webhookId: string): Promise<EndpointHealth | undefined>;
  getMany(webhookIds: string[]): Promise<Map<string, EndpointHealth>>;
  /** Applies `change` to the stored health (a conditional write, tried again on a race); `change` returning undefined changes nothing. */
  change(webhookId: string, change: (health: EndpointHealth) => EndpointHealth | undefined, now: Date): Promise<EndpointHealth>;
}

export type WebhookServiceDeps = {
  store: WebhookRecordStore;
  /** The endpoints' health, shown on the webhook object (SPEC §7); written by the delivery path. */
  health: EndpointHealthStore;
  cipher: SecretCipher;
  urlGuard: UrlGuard;
  maxWebhooksPerPartner: number;
  now?: Clock;
};

export class WebhookService {
  private readonly now: Clock;

  constructor(private readonly deps: WebhookServiceDeps) {
    this.now = clockOf(deps);
  }

  /** Creates the webhook; the only time its secret is returned. */
  async create(partnerId: string, input: CreateWebhookInput): Promise<PublicWebhook & { secret: string }> {
    // Stored as the guard's normalised form, so what is shown is what is delivered to.
    const url = (await this.deps.urlGuard.checkRegistration(input.url)).href;
    const id = uuidv7();
    const secret = generateWebhookSecret();
    const at = this.now().toISOString();
    const webhook: Webhook = {
      id,
      partnerId,
      url,
      events: input.events,
      status: 'active',
      createdAt: at,
      updatedAt: at,
      activeSince: at,
      secretCiphertext: await this.deps.cipher.encrypt(secret, secretContext(partnerId, id)),
      ...(input.rate_limit_per_second == null ? {} : { rateLimitPerSecond: input.rate_limit_per_second }),
      ...(input.ordering === undefined ? {} : { ordering: input.ordering }),
      ...((await this.encryptHeaders(partnerId, id, input.headers)) ?? {}),
    };
    if (!(await this.deps.store.create(webhook, this.deps.maxWebhooksPerPartner))) {
      throw new ApiError(
        'WEBHOOK_LIMIT_REACHED',
        `This partner already has the maximum of ${this.deps.maxWebhooksPerPartner} webhooks.`,
      );
    }
    return { ...toPublicWebhook(webhook, undefined), secret };
  }

  async get(partnerId: string, id: string): Promise<PublicWebhook> {
    const webhook = await this.require(partnerId, id);
    return toPublicWebhook(webhook, await this.deps.health.get(webhook.id));
  }

  /** The caller's webhook with its internal fields; 404 when the partner has no such webhook. */
  async require(partnerId: string, id: string): Promise<Webhook> {
    const webhook = await this.deps.store.get(partnerId, id);
    if (!webhook) throw webhookNotFound();
    return webhook;
  }

  async list(partnerId: string, page: { limit: number; afterId?: string }) {
    const { items, hasMore } = await this.deps.store.list(partnerId, page);
    const health = items.length > 0 ? await this.deps.health.getMany(items.map((w) => w.id)) : new Map();
    return { items: items.map((w) => toPublicWebhook(w, health.get(w.id))), nextAfterId: hasMore ? items.at(-1)?.id : undefined };
  }

  async update(partnerId: string, id: string, input: UpdateWebhookInput): Promise<PublicWebhook> {
    const url = input.url === undefined ? undefined : (await this.deps.urlGuard.checkRegistration(input.url)).href;
    const at = this.now().toISOString();
    // Re-enabling starts a new active period: retries left over from before the disable are dropped,
    // and the disable's reason goes. Disabling by hand says so (SPEC §7: disabled_reason "manual").
    const before = input.status === undefined ? undefined : await this.deps.store.get(partnerId, id);
    const reactivated = input.status === 'active' && before?.status === 'disabled';
    const disabled = input.status === 'disabled' && before?.status === 'active';
    // The whole map is replaced; null or {} removes it. Encrypted before the one write, so a
    // refused request (or a failed encryption) changes nothing stored.
    const headers = input.headers === undefined ? undefined : ((await this.encryptHeaders(partnerId, id, input.headers))?.customHeaders ?? null);
    const updated = await this.deps.store.update(partnerId, id, {
      url,
      events: input.events,
      status: input.status,
      rateLimitPerSecond: input.rate_limit_per_second,
      ordering: input.ordering,
      customHeaders: headers,
      updatedAt: at,
      ...(reactivated ? { activeSince: at, disabledReason: null, disabledAt: null } : {}),
      ...(disabled ? { disabledReason: 'manual', disabledAt: at } : {}),
    });
    if (!updated) throw webhookNotFound();
    // A PATCH to active says the endpoint is back (SPEC §9), as recover, redeliver and test do.
    const health = input.status === 'active' ? await this.endpointBack(updated.id) : await this.deps.health.get(updated.id);
    return toPublicWebhook(updated, health);
  }

  /**
   * A partner action (recover, redeliver, test, PATCH to active) tells us the endpoint is back: an
   * open circuit half-opens, so the first delivery goes at once as its probe (SPEC §9).
   */
  async endpointBack(webhookId: string): Promise<EndpointHealth> {
    const now = this.now();
    return this.deps.health.change(webhookId, (h) => halfOpened(h, now.getTime()), now);
  }

  /**
   * SPEC §7: a new secret, shown this once; the one it replaces stays valid (encrypted, like the
   * new one) for `expire_previous_in_seconds`, 0 ending it now. A previous secret still valid from
   * an earlier rotation is dropped: two secrets at most sign a delivery. One atomic write, so
   * concurrent rotations all succeed in turn (the last one's secret is current, the one it
   * replaced previous): each secret returned was the current one when it was written.
   */
  async rotateSecret(partnerId: string, id: string, input: RotateSecretInput): Promise<{ secret: string; previous_secret_expires_at: string }> {
    const now = this.now();
    const expiresAt = new Date(now.getTime() + input.expire_previous_in_seconds * 1000).toISOString();
    const secret = generateWebhookSecret();
    const rotated = await this.deps.store.rotateSecret(partnerId, id, {
      secretCiphertext: await this.deps.cipher.encrypt(secret, secretContext(partnerId, id)),
      ...(input.expire_previous_in_seconds > 0 ? { previousExpiresAt: expiresAt } : {}),
      updatedAt: now.toISOString(),
    });
    if (!rotated) throw webhookNotFound();
    return { secret, previous_secret_expires_at: expiresAt };
  }

  /** The custom headers as stored: names in clear, the map encrypted for this webhook; undefined for none. */
  private async encryptHeaders(
    partnerId: string,
    id: string,
    headers: Record<string, string> | null | undefined,
  ): Promise<{ customHeaders: NonNullable<Webhook['customHeaders']> } | undefined> {
    if (!headers || Object.keys(headers).length === 0) return undefined;
    const ciphertext = await this.deps.cipher.encrypt(JSON.stringify(headers), headersContext(partnerId, id));
    return { customHeaders: { names: Object.keys(headers), ciphertext } };
  }

  async remove(partnerId: string, id: string): Promise<void> {
    if (!(await this.deps.store.delete(partnerId, id))) throw webhookNotFound();
  }
}

/** The caller's webhook for a partner action that needs it active (test, redeliver, recover): 404 when none, 409 WEBHOOK_DISABLED when disabled. */
export async function requireActiveWebhook(webhooks: Pick<WebhookService, 'require'>, partnerId: string, webhookId: string, action: string): Promise<Webhook> {
  const webhook = await webhooks.require(partnerId, webhookId);
  if (webhook.status !== 'active') throw new ApiError('WEBHOOK_DISABLED', `This webhook is disabled; enable it to ${action}.`);
  return webhook;
}
