// Delivery history in DynamoDB: one item per attempt, kept 30 days (TTL), written by the
// delivery worker's batch (attemptToItem). Listed newest first
// per webhook; `status` and `event_id` filters are applied while paging so a page stays full.
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

export class DeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes a batch's attempts together (BatchWriteItem, unprocessed items retried). */
  async record(attempts: DeliveryAttempt[]): Promise<void> {
    await batchPut(this.db, attempts.map((a) => ({ tableName: this.tableName, item: attemptToItem(a) })));
  }

  /** Newest first, after the attempt `beforeId` (a cursor), at most `limit`. */
  async list(
    webhookId: string,
    page: { limit: number; beforeId?: string } & DeliveryFilter,
  ): Promise<{ items: DeliveryAttempt[]; hasMore: boolean }> {
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
          Limit: Math.max(page.limit + 1, 50),
        }),
      );
      items.push(...(result.Items ?? []).map(fromItem));
      start = result.LastEvaluatedKey;
    } while (start && items.length <= page.limit);
    return { items: items.slice(0, page.limit), hasMore: items.length > page.limit };
  }
}
