// Webhooks in DynamoDB, partitioned by partner. Single-item conditional writes only (no
// transactions: dynalite has none). The per-partner count lives in a counter item so the
// limit holds under concurrent creates.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Webhook, WebhookStatus } from '../domain/webhook.js';

const WEBHOOK_PREFIX = 'webhook#';
const COUNTER_SK = 'partner';

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
  secret_ciphertext: string;
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
  secret_ciphertext: w.secretCiphertext,
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
    secretCiphertext: item.secret_ciphertext,
  };
};

export type WebhookChanges = Partial<Pick<Webhook, 'url' | 'events' | 'status' | 'activeSince'>> & { updatedAt: string };

export class WebhookStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Inserts the webhook unless the partner already has `maxPerPartner`; false when at the limit. */
  async create(webhook: Webhook, maxPerPartner: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { partner_id: webhook.partnerId, sk: COUNTER_SK },
          UpdateExpression: 'ADD webhook_count :one',
          ConditionExpression: 'attribute_not_exists(webhook_count) OR webhook_count < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': maxPerPartner },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
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
    };
    const set = Object.entries(fields).filter(([, v]) => v !== undefined);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { partner_id: partnerId, sk: WEBHOOK_PREFIX + id },
          UpdateExpression: `SET ${set.map(([k]) => `#${k} = :${k}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(sk)',
          ExpressionAttributeNames: Object.fromEntries(set.map(([k]) => [`#${k}`, k])),
          ExpressionAttributeValues: Object.fromEntries(set.map(([k, v]) => [`:${k}`, v])),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Deletes the webhook; false when there was none. */
  async delete(partnerId: string, id: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { partner_id: partnerId, sk: WEBHOOK_PREFIX + id },
          ConditionExpression: 'attribute_exists(sk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    await this.adjustCount(partnerId, -1);
    return true;
  }

  private async adjustCount(partnerId: string, delta: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { partner_id: partnerId, sk: COUNTER_SK },
        UpdateExpression: 'ADD webhook_count :d',
        ExpressionAttributeValues: { ':d': delta },
      }),
    );
  }
}
