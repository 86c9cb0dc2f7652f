// Delivery history in DynamoDB: one item per attempt, kept 30 days (TTL), written by the
// delivery worker's batch (attemptToItem). Listed newest first per webhook. `status` and
// `event_id` are filters applied while paging (no index: an index would cost write units on every
// attempt), so one request reads at most MAX_FILTERED_SCAN items: when that many were read before
// the page filled up, the page holds what was found and a cursor to go on from there.
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AttemptStatus, DeliveryAttempt } from '../domain/delivery.js';
import { batchPut } from './batch-writer.js';
import { expiresAt } from './table-definitions.js';

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
    webhookId: item.webhook_id,
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
    webhook_id: attempt.webhookId,
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
    const filters: string[] = [];
    const values: Record<string, unknown> = { ':w': webhookId };
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
    const items: DeliveryAttempt[] = [];
    let start: Record<string, unknown> | undefined = page.beforeId ? { webhook_id: webhookId, id: page.beforeId } : undefined;
    let scanned = 0;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'webhook_id = :w',
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          ExclusiveStartKey: start,
          Limit: filters.length ? Math.min(FILTERED_PAGE_SIZE, MAX_FILTERED_SCAN - scanned) : page.limit + 1,
        }),
      );
      scanned += result.ScannedCount ?? 0;
      items.push(...(result.Items ?? []).map(fromItem));
      start = result.LastEvaluatedKey;
    } while (start && items.length <= page.limit && scanned < MAX_FILTERED_SCAN);
    if (items.length > page.limit) return { items: items.slice(0, page.limit), nextBeforeId: items[page.limit - 1]!.id };
    // Stopped by the read cap before the page filled up: go on after the last item read.
    return { items, ...(start ? { nextBeforeId: String(start.id) } : {}) };
  }
}
