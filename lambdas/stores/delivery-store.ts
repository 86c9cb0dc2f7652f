// Delivery history in DynamoDB: one item per attempt, kept 30 days (TTL), written by the
// delivery worker's batch (attemptToItem). Listed newest first per webhook. `status` and
// `event_id` are filters applied while paging (no index: an index would cost write units on every
// attempt), so one request reads at most MAX_FILTERED_SCAN items: when that many were read before
// the page filled up, the page holds what was found and a cursor to go on from there.
//
// A webhook's attempts are spread over HISTORY_SHARDS partitions by attempt id (a partition takes
// about 1,000 writes/s, and one webhook failing 1,000 events/s writes that many records and more):
// shard 0 is the bare webhook id (where every attempt lived before the history was sharded),
// shard n is `<webhook id>#n`. Attempt ids are UUIDv7, ordered by time across shards, so a listing
// queries every shard newest first and merges them, and the cursor stays one attempt id.
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AttemptStatus, DeliveryAttempt } from '../domain/delivery.js';
import { batchPut } from './batch-writer.js';
import { expiresAt, shardOf } from './table-definitions.js';

/** Partitions of one webhook's history. Raising it later is safe; lowering it hides attempts of the shards dropped. */
export const HISTORY_SHARDS = 8;

/** The partition key of an attempt: stable per attempt id, so writing a record again overwrites it. */
export function historyPartition(webhookId: string, attemptId: string): string {
  const shard = shardOf(attemptId, HISTORY_SHARDS);
  return shard === '0' ? webhookId : `${webhookId}#${shard}`;
}

const partitions = (webhookId: string): string[] => Array.from({ length: HISTORY_SHARDS }, (_, n) => (n === 0 ? webhookId : `${webhookId}#${n}`));
const webhookOfPartition = (partition: string): string => partition.replace(/#\d+$/, '');

type AttemptItem = {
  webhook_id: string;
  id: string;
  event_id: string;
  event_type: DeliveryAttempt['eventType'];
  status: AttemptStatus;
  http_status: number | null;
  response_time_ms: number | null;
  attempt_number: number;
  attempted_at: string;
  next_retry_at: string | null;
  error: string | null;
  expires_at: number;
};

const fromItem = (i: Record<string, unknown>): DeliveryAttempt => {
  const item = i as AttemptItem;
  return {
    id: item.id,
    webhookId: webhookOfPartition(item.webhook_id),
    eventId: item.event_id,
    eventType: item.event_type,
    status: item.status,
    httpStatus: item.http_status ?? null,
    responseTimeMs: item.response_time_ms ?? null,
    attemptNumber: item.attempt_number,
    attemptedAt: item.attempted_at,
    nextRetryAt: item.next_retry_at ?? null,
    error: item.error ?? null,
  };
};

/** The stored form of an attempt, kept 30 days (TTL). */
export function attemptToItem(attempt: DeliveryAttempt): AttemptItem {
  return {
    webhook_id: historyPartition(attempt.webhookId, attempt.id),
    id: attempt.id,
    event_id: attempt.eventId,
    event_type: attempt.eventType,
    status: attempt.status,
    http_status: attempt.httpStatus,
    response_time_ms: attempt.responseTimeMs,
    attempt_number: attempt.attemptNumber,
    attempted_at: attempt.attemptedAt,
    next_retry_at: attempt.nextRetryAt,
    error: attempt.error,
    expires_at: expiresAt(new Date(attempt.attemptedAt)),
  };
}

export type DeliveryFilter = { status?: AttemptStatus; eventId?: string };

/** Items a filtered listing reads at most per request, in Query pages of FILTERED_PAGE_SIZE. */
export const MAX_FILTERED_SCAN = 1000;
const FILTERED_PAGE_SIZE = 250;

/** A page of attempts; `nextBeforeId` (the cursor) when the history goes on past it. */
export type DeliveryPage = { items: DeliveryAttempt[]; nextBeforeId?: string };

export class DeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes a batch's attempts together (BatchWriteItem, unprocessed items retried). */
  async record(attempts: DeliveryAttempt[]): Promise<void> {
    await batchPut(this.db, attempts.map((a) => ({ tableName: this.tableName, item: attemptToItem(a) })));
  }

  /**
   * Newest first, after the attempt `beforeId` (a cursor), at most `limit`. Filtered, it reads at
   * most MAX_FILTERED_SCAN items and may return fewer than `limit` with a `nextBeforeId`.
   */
  async list(webhookId: string, page: { limit: number; beforeId?: string } & DeliveryFilter): Promise<DeliveryPage> {
    const query = listQuery(page);
    const shards = await Promise.all(partitions(webhookId).map((partition) => this.readShard(partition, query, page.limit)));
    // Each shard was read down to its `frontier` (or to its end): below the newest frontier some
    // shard is unread, so the page holds only what lies at or above it, and goes on from there.
    const frontiers = shards.flatMap((s) => (s.frontier ? [s.frontier] : []));
    const cutoff = frontiers.length ? frontiers.reduce((a, b) => (a > b ? a : b)) : undefined;
    const items = shards
      .flatMap((s) => s.items)
      .filter((a) => cutoff === undefined || a.id >= cutoff)
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    if (items.length > page.limit) return { items: items.slice(0, page.limit), nextBeforeId: items[page.limit - 1]!.id };
    return { items, ...(cutoff ? { nextBeforeId: cutoff } : {}) };
  }

  /** One shard newest first below the cursor: until `limit` + 1 matches, its end, or its share of the read cap. */
  private async readShard(partition: string, query: ListQuery, limit: number) {
    const cap = Math.ceil(MAX_FILTERED_SCAN / HISTORY_SHARDS);
    const items: DeliveryAttempt[] = [];
    let start: Record<string, unknown> | undefined;
    let scanned = 0;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          ...query.expression,
          ExpressionAttributeValues: { ...query.values, ':w': partition },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
          Limit: query.filtered ? Math.min(FILTERED_PAGE_SIZE, cap - scanned) : limit + 1,
        }),
      );
      scanned += result.ScannedCount ?? 0;
      items.push(...(result.Items ?? []).map(fromItem));
      start = result.LastEvaluatedKey;
    } while (start && items.length <= limit && scanned < cap);
    return { items, frontier: start ? String(start.id) : undefined };
  }
}

type ListQuery = ReturnType<typeof listQuery>;

/** A listing's key condition and filters, the same for every shard (each adds its partition as `:w`). */
function listQuery(page: { beforeId?: string } & DeliveryFilter) {
  const filters: string[] = [];
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  if (page.status) {
    filters.push('#status = :status');
    names['#status'] = 'status';
    values[':status'] = page.status;
  }
  if (page.eventId) {
    filters.push('event_id = :event');
    values[':event'] = page.eventId;
  }
  if (page.beforeId) values[':before'] = page.beforeId;
  return {
    filtered: filters.length > 0,
    values,
    expression: {
      KeyConditionExpression: page.beforeId ? 'webhook_id = :w AND id < :before' : 'webhook_id = :w',
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    },
  };
}
