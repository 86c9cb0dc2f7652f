// Webhooks in DynamoDB, partitioned by partner. Single-item conditional writes only (no
// transactions: dynalite has none). The per-partner count lives in a counter item so the
// limit holds under concurrent creates. A crash between a webhook write and its counter write
// leaves the counter too high; it heals itself: when it says the limit is reached and has not
// moved for COUNTER_SETTLE_MS (longer than any create can take, so no create is half done), the
// partner's webhooks are counted and the counter is set to that, on the condition that it has
// still not moved; then the create tries again.
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { WebhookChanges, WebhookRecordStore } from '../domain/webhook-service.js';
import type { Ordering } from '../domain/delivery-controls.js';
import type { DisabledReason, Webhook, WebhookStatus } from '../domain/webhook.js';
import { resultIf, writeIf } from './conditional.js';

const WEBHOOK_PREFIX = 'webhook#';
const COUNTER_SK = 'partner';
/** A counter unchanged for this long has no create in flight (routes time out after 10 s). */
export const COUNTER_SETTLE_MS = 60_000;

type WebhookItem = {
  partner_id: string;
  sk: string;
  id: string;
  url: string;
  events: string[];
  status: WebhookStatus;
  created_at: string;
  updated_at: string;
  active_since: string;
  disabled_reason?: DisabledReason;
  disabled_at?: string;
  secret_ciphertext: string;
  previous_secret_ciphertext?: string;
  previous_secret_expires_at?: string;
  rate_limit_per_second?: number;
  ordering?: Ordering;
  /** The custom headers' names in clear, and the name → value map encrypted (headersContext). */
  header_names?: string[];
  headers_ciphertext?: string;
};

const toItem = (w: Webhook): WebhookItem => ({
  partner_id: w.partnerId,
  sk: WEBHOOK_PREFIX + w.id,
  id: w.id,
  url: w.url,
  events: w.events,
  status: w.status,
  created_at: w.createdAt,
  updated_at: w.updatedAt,
  active_since: w.activeSince,
  ...(w.disabledReason ? { disabled_reason: w.disabledReason } : {}),
  ...(w.disabledAt ? { disabled_at: w.disabledAt } : {}),
  secret_ciphertext: w.secretCiphertext,
  ...(w.previousSecret ? { previous_secret_ciphertext: w.previousSecret.ciphertext, previous_secret_expires_at: w.previousSecret.expiresAt } : {}),
  ...(w.rateLimitPerSecond === undefined ? {} : { rate_limit_per_second: w.rateLimitPerSecond }),
  ...(w.ordering === undefined ? {} : { ordering: w.ordering }),
  ...(w.customHeaders ? { header_names: w.customHeaders.names, headers_ciphertext: w.customHeaders.ciphertext } : {}),
});

const fromItem = (i: Record<string, unknown>): Webhook => {
  const item = i as WebhookItem;
  return {
    id: item.id,
    partnerId: item.partner_id,
    url: item.url,
    events: item.events ?? [],
    status: item.status,
    createdAt: item.created_at,
    updatedAt: item.updated_at,
    activeSince: item.active_since ?? item.created_at,
    // A webhook disabled before reasons were kept was disabled by hand.
    ...(item.status === 'disabled' ? { disabledReason: item.disabled_reason ?? 'manual', disabledAt: item.disabled_at ?? item.updated_at } : {}),
    secretCiphertext: item.secret_ciphertext,
    ...(item.previous_secret_ciphertext && item.previous_secret_expires_at
      ? { previousSecret: { ciphertext: item.previous_secret_ciphertext, expiresAt: item.previous_secret_expires_at } }
      : {}),
    ...(typeof item.rate_limit_per_second === 'number' ? { rateLimitPerSecond: item.rate_limit_per_second } : {}),
    ...(item.ordering ? { ordering: item.ordering } : {}),
    ...(item.header_names && item.headers_ciphertext ? { customHeaders: { names: item.header_names, ciphertext: item.headers_ciphertext } } : {}),
  };
};

export class WebhookStore implements WebhookRecordStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Inserts the webhook unless the partner already has `maxPerPartner`; false when at the limit. */
  async create(webhook: Webhook, maxPerPartner: number): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (await this.reserve(webhook.partnerId, maxPerPartner, Date.now())) break;
      if (attempt >= 2 || !(await this.repairCount(webhook.partnerId, maxPerPartner, Date.now()))) return false;
    }
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: toItem(webhook), ConditionExpression: 'attribute_not_exists(sk)' }),
      );
    } catch (error) {
      await this.adjustCount(webhook.partnerId, -1);
      throw error;
    }
    return true;
  }

  /** Counts one more webhook unless the counter is at the limit. */
  private reserve(partnerId: string, maxPerPartner: number, nowMs: number): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { partner_id: partnerId, sk: COUNTER_SK },
          UpdateExpression: 'ADD webhook_count :one SET counted_at = :now',
          ConditionExpression: 'attribute_not_exists(webhook_count) OR webhook_count < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': maxPerPartner, ':now': nowMs },
        }),
      ),
    );
  }

  /**
   * Sets a settled counter that is higher than the partner's webhooks to their number. True when
   * the counter was repaired or moved meanwhile (worth another try), false when it was right.
   */
  private async repairCount(partnerId: string, maxPerPartner: number, nowMs: number): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { partner_id: partnerId, sk: COUNTER_SK }, ConsistentRead: true }),
    );
    const counted = Number(Item?.webhook_count ?? 0);
    // Below the limit again since the reservation failed (another create repaired it): try again.
    // Without this, concurrent creates that read the counter just after such a repair saw it
    // "moved recently" and answered 409 with room left under the limit.
    if (counted < maxPerPartner) return true;
    const countedAt = typeof Item?.counted_at === 'number' ? Item.counted_at : undefined;
    if (countedAt !== undefined && nowMs - countedAt < COUNTER_SETTLE_MS) return false;
    const actual = await this.countWebhooks(partnerId);
    if (actual >= counted) return false;
    // Written, or moved meanwhile: either way worth another try.
    await writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { partner_id: partnerId, sk: COUNTER_SK },
          UpdateExpression: 'SET webhook_count = :actual, counted_at = :now',
          ConditionExpression:
            countedAt === undefined
              ? 'webhook_count = :counted AND attribute_not_exists(counted_at)'
              : 'webhook_count = :counted AND counted_at = :countedAt',
          ExpressionAttributeValues: {
            ':actual': actual,
            ':now': nowMs,
            ':counted': counted,
            ...(countedAt === undefined ? {} : { ':countedAt': countedAt }),
          },
        }),
      ),
    );
    return true;
  }

  /** The partner's webhooks, counted (consistent read). */
  private async countWebhooks(partnerId: string): Promise<number> {
    let total = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'partner_id = :p AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':p': partnerId, ':prefix': WEBHOOK_PREFIX },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      total += result.Count ?? 0;
      start = result.LastEvaluatedKey;
    } while (start);
    return total;
  }

  async get(partnerId: string, id: string): Promise<Webhook | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { partner_id: partnerId, sk: WEBHOOK_PREFIX + id } }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** Oldest first (ids are UUIDv7, so the sort key is creation order). */
  async list(partnerId: string, page: { limit: number; afterId?: string }): Promise<{ items: Webhook[]; hasMore: boolean }> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'partner_id = :p AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':p': partnerId, ':prefix': WEBHOOK_PREFIX },
        ExclusiveStartKey: page.afterId ? { partner_id: partnerId, sk: WEBHOOK_PREFIX + page.afterId } : undefined,
        Limit: page.limit + 1,
      }),
    );
    return { items: Items.slice(0, page.limit).map(fromItem), hasMore: Items.length > page.limit };
  }

  /** Every webhook of the partner, for fan-out (at most MAX_WEBHOOKS_PER_PARTNER items). */
  async listAll(partnerId: string): Promise<Webhook[]> {
    const all: Webhook[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await this.list(partnerId, { limit: 100, afterId });
      all.push(...page.items);
      if (!page.hasMore) return all;
      afterId = page.items.at(-1)!.id;
    }
  }

  /** Applies the changes if the webhook exists; returns the updated webhook. */
  async update(partnerId: string, id: string, changes: WebhookChanges): Promise<Webhook | undefined> {
    const fields: Record<string, unknown> = {
      url: changes.url,
      events: changes.events,
      status: changes.status,
      updated_at: changes.updatedAt,
      active_since: changes.activeSince,
      disabled_reason: changes.disabledReason,
      disabled_at: changes.disabledAt,
      rate_limit_per_second: changes.rateLimitPerSecond,
      ordering: changes.ordering,
      header_names: changes.customHeaders === null ? null : changes.customHeaders?.names,
      headers_ciphertext: changes.customHeaders === null ? null : changes.customHeaders?.ciphertext,
    };
    const set = Object.entries(fields).filter(([, v]) => v !== undefined && v !== null);
    const remove = Object.keys(fields).filter((k) => fields[k] === null);
    const updated = await resultIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { partner_id: partnerId, sk: WEBHOOK_PREFIX + id },
          UpdateExpression: `SET ${set.map(([k]) => `#${k} = :${k}`).join(', ')}${remove.length > 0 ? ` REMOVE ${remove.map((k) => `#${k}`).join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(sk)',
          ExpressionAttributeNames: Object.fromEntries([...set.map(([k]) => k), ...remove].map((k) => [`#${k}`, k])),
          ExpressionAttributeValues: Object.fromEntries(set.map(([k, v]) => [`:${k}`, v])),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return updated?.Attributes ? await this.eraseExpiredPreviousSecret(fromItem(updated.Attributes), new Date(changes.updatedAt)) : undefined;
  }

  /**
   * SPEC §7 rotation, one atomic update: the new secret replaces the current one, which becomes
   * the previous one until `previousExpiresAt` (none: no previous secret is kept). DynamoDB reads
   * every operand of an update expression from the item as it was before the update, so of
   * concurrent rotations each one keeps, as the previous secret, exactly the one it replaced: the
   * last writer wins and none fails. false when there is no such webhook.
   */
  async rotateSecret(
    partnerId: string,
    id: string,
    change: { secretCiphertext: string; previousExpiresAt?: string; updatedAt: string },
  ): Promise<boolean> {
    const expires = change.previousExpiresAt;
    return writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { partner_id: partnerId, sk: WEBHOOK_PREFIX + id },
          UpdateExpression: expires
            ? 'SET previous_secret_ciphertext = secret_ciphertext, previous_secret_expires_at = :e, secret_ciphertext = :s, updated_at = :u'
            : 'SET secret_ciphertext = :s, updated_at = :u REMOVE previous_secret_ciphertext, previous_secret_expires_at',
          ConditionExpression: 'attribute_exists(sk)',
          ExpressionAttributeValues: { ':s': change.secretCiphertext, ':u': change.updatedAt, ...(expires ? { ':e': expires } : {}) },
        }),
      ),
    );
  }

  /**
   * The delivery path's disable (auto-disable, 410 Gone): only if the webhook is still in the
   * active period the worker saw (`activeSince`), so a PATCH in between is never undone. False
   * when the condition failed (already disabled, re-enabled, or deleted).
   */
  disable(partnerId: string, id: string, seen: { activeSince: string }, reason: DisabledReason, at: string): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { partner_id: partnerId, sk: WEBHOOK_PREFIX + id },
          UpdateExpression: 'SET #status = :disabled, disabled_reason = :reason, disabled_at = :at, updated_at = :at',
          ConditionExpression: 'attribute_exists(sk) AND #status = :active AND (active_since = :since OR (attribute_not_exists(active_since) AND created_at = :since))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':active': 'active', ':reason': reason, ':at': at, ':since': seen.activeSince },
        }),
      ),
    );
  }

  /** An expired previous secret is erased by the next write that sees it (a conditional REMOVE: no race with a rotation). */
  private async eraseExpiredPreviousSecret(webhook: Webhook, now: Date): Promise<Webhook> {
    const expires = webhook.previousSecret?.expiresAt;
    if (expires === undefined || Date.parse(expires) > now.getTime()) return webhook;
    // Not erased when a rotation replaced it meanwhile: the one it wrote is not expired.
    await writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { partner_id: webhook.partnerId, sk: WEBHOOK_PREFIX + webhook.id },
          UpdateExpression: 'REMOVE previous_secret_ciphertext, previous_secret_expires_at',
          ConditionExpression: 'previous_secret_expires_at = :e',
          ExpressionAttributeValues: { ':e': expires },
        }),
      ),
    );
    const { previousSecret: _erased, ...rest } = webhook;
    return rest;
  }

  /** Deletes the webhook; false when there was none. */
  async delete(partnerId: string, id: string): Promise<boolean> {
    // Marks the counter first, so no repair runs while this delete is between its two writes.
    await this.adjustCount(partnerId, 0);
    const deleted = await writeIf(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { partner_id: partnerId, sk: WEBHOOK_PREFIX + id },
          ConditionExpression: 'attribute_exists(sk)',
        }),
      ),
    );
    if (!deleted) return false;
    await this.adjustCount(partnerId, -1);
    return true;
  }

  private async adjustCount(partnerId: string, delta: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { partner_id: partnerId, sk: COUNTER_SK },
        UpdateExpression: 'ADD webhook_count :d SET counted_at = :now',
        ExpressionAttributeValues: { ':d': delta, ':now': Date.now() },
      }),
    );
  }
}
