// Published events in DynamoDB, one item per (partner, event_id), kept 30 days: written by the
// fan-out with a conditional put (its idempotency record) before any delivery is queued, and
// read back by deliveries whose event was too large to travel in a queue message.
//
// DynamoDB items stop at 400 KB while an event may carry 1 MB: data longer than CHUNK_CHARS
// continues in chunk items keyed by the fan-out that wrote them, so a duplicate publish can
// never overwrite the chunks of the event that was kept.
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { asciiJson } from '../domain/ascii-json.js';
import type { Environment } from '../domain/environments.js';
import type { EventType } from '../domain/event-types.js';
import { batchPut } from './batch-writer.js';
import { writeIf } from './conditional.js';
import { expiresAt } from './table-definitions.js';

export type StoredEvent = {
  partnerId: string;
  eventId: string;
  eventType: EventType;
  environment: Environment;
  createdAt: string;
  data: Record<string, unknown>;
  /** The webhooks the event was fanned out to. */
  webhookIds: string[];
  /** Which fan-out invocation stored it: the same id again is that invocation retried. */
  fanOutId: string;
  /**
   * SPEC §11 per_entity ordering: of `webhookIds`, those that keep events about one entity in
   * order, and when the fan-out accepted the event (µs, its place in their lines). Absent on
   * events with no such webhook.
   */
  ordered?: { webhookIds: string[]; acceptedAtMicros: number };
};

/** Data is stored as ASCII-only JSON text, so it can be cut into chunks anywhere. */
const CHUNK_CHARS = 300_000;

type EventItem = {
  event_key: string;
  event_type: string;
  environment: Environment;
  created_at: string;
  webhook_ids: string[];
  fan_out_id: string;
  ordered_webhook_ids?: string[];
  accepted_at_us?: number;
  /** Inline data (JSON text), or the number of chunk items that hold it. */
  data?: string;
  chunks?: number;
  expires_at: number;
};

export const eventKey = (partnerId: string, eventId: string) => `${partnerId}/${eventId}`;
const chunkKey = (key: string, fanOutId: string, n: number) => `${key}#${fanOutId}#${n}`;

export class EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores the event unless one with its id exists; then returns what is stored (consistent read). */
  async putIfAbsent(event: StoredEvent): Promise<{ created: true } | { created: false; existing: Pick<StoredEvent, 'fanOutId' | 'webhookIds'> }> {
    const key = eventKey(event.partnerId, event.eventId);
    const text = asciiJson(event.data);
    const expires = expiresAt(new Date(event.createdAt));
    const chunks = text.length > CHUNK_CHARS ? Math.ceil(text.length / CHUNK_CHARS) : 0;
    if (chunks > 0) {
      await batchPut(
        this.db,
        Array.from({ length: chunks }, (_, n) => ({
          tableName: this.tableName,
          item: { event_key: chunkKey(key, event.fanOutId, n), text: text.slice(n * CHUNK_CHARS, (n + 1) * CHUNK_CHARS), expires_at: expires },
        })),
      );
    }
    const item: EventItem = {
      event_key: key,
      event_type: event.eventType,
      environment: event.environment,
      created_at: event.createdAt,
      webhook_ids: event.webhookIds,
      fan_out_id: event.fanOutId,
      ...(event.ordered ? { ordered_webhook_ids: event.ordered.webhookIds, accepted_at_us: event.ordered.acceptedAtMicros } : {}),
      ...(chunks > 0 ? { chunks } : { data: text }),
      expires_at: expires,
    };
    const created = await writeIf(() =>
      this.db.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(event_key)' })),
    );
    if (created) return { created: true };
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { event_key: key }, ConsistentRead: true, ProjectionExpression: 'fan_out_id, webhook_ids' }),
    );
    const existing = Item as Pick<EventItem, 'fan_out_id' | 'webhook_ids'> | undefined;
    // Gone between the two calls (its 30 days ran out): store it again.
    if (!existing) return this.putIfAbsent(event);
    return { created: false, existing: { fanOutId: existing.fan_out_id, webhookIds: existing.webhook_ids ?? [] } };
  }

  /** Whether the event is stored (a consistent read of its key only). */
  async exists(partnerId: string, eventId: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { event_key: eventKey(partnerId, eventId) }, ConsistentRead: true, ProjectionExpression: 'event_key' }),
    );
    return Item !== undefined;
  }

  async get(partnerId: string, eventId: string): Promise<StoredEvent | undefined> {
    const key = eventKey(partnerId, eventId);
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { event_key: key } }));
    if (!Item) return undefined;
    const item = Item as EventItem;
    const text = item.chunks ? await this.readChunks(key, item.fan_out_id, item.chunks) : item.data!;
    return {
      partnerId,
      eventId,
      eventType: item.event_type as EventType,
      environment: item.environment,
      createdAt: item.created_at,
      data: JSON.parse(text) as Record<string, unknown>,
      webhookIds: item.webhook_ids ?? [],
      fanOutId: item.fan_out_id,
      ...(item.ordered_webhook_ids && item.accepted_at_us !== undefined
        ? { ordered: { webhookIds: item.ordered_webhook_ids, acceptedAtMicros: item.accepted_at_us } }
        : {}),
    };
  }

  private async readChunks(key: string, fanOutId: string, count: number): Promise<string> {
    const parts = new Map<string, string>();
    const keys = Array.from({ length: count }, (_, n) => chunkKey(key, fanOutId, n));
    // A chunk is up to 300 KB: a few per BatchGetItem stay inside its 16 MB answer.
    for (let i = 0; i < keys.length; i += 25) {
      let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
        [this.tableName]: { Keys: keys.slice(i, i + 25).map((k) => ({ event_key: k })) },
      };
      while (request && Object.keys(request).length > 0) {
        const result = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.tableName] ?? []) parts.set(item.event_key as string, item.text as string);
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return keys.map((k) => {
      const part = parts.get(k);
      if (part === undefined) throw new Error(`event ${key}: chunk ${k} is missing`);
      return part;
    }).join('');
  }
}
