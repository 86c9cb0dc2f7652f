// Delivery jobs in DynamoDB: created once per (webhook, event) with a conditional put; each
// attempt rewrites the job's item (batched with the history, see delivery/delivery-worker.ts).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type DeliveryJob, type JobRecord, jobFromRecord, jobToRecord } from '../domain/delivery.js';
import { DUE_BUCKET_PENDING, DUE_INDEX, expiresAt } from './table-definitions.js';

type JobItem = JobRecord & { due_bucket?: string; expires_at: number };

const fromItem = (item: Record<string, unknown>): DeliveryJob => jobFromRecord(item as JobItem);

/**
 * The stored form of a job. Only pending jobs carry `due_bucket`, so finished jobs leave the
 * sweeper's index. Writing a job's full item (not an update) lets the delivery worker record
 * many jobs' new state in one BatchWriteItem.
 */
export function jobToItem(job: DeliveryJob): JobItem {
  return {
    ...jobToRecord(job),
    ...(job.status === 'pending' ? { due_bucket: DUE_BUCKET_PENDING } : {}),
    expires_at: expiresAt(new Date(job.createdAt)),
  };
}

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores a new pending job; false when the job already exists (duplicate publish or retried fan-out). */
  async createIfAbsent(job: DeliveryJob): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: jobToItem(job), ConditionExpression: 'attribute_not_exists(job_id)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(jobId: string): Promise<DeliveryJob | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { job_id: jobId } }));
    return Item ? fromItem(Item) : undefined;
  }

  /** Pending jobs due at or before `dueBefore` (epoch ms), oldest due first. */
  async listDue(dueBefore: number, limit: number): Promise<DeliveryJob[]> {
    const jobs: DeliveryJob[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: DUE_INDEX,
          KeyConditionExpression: 'due_bucket = :b AND next_attempt_at <= :t',
          ExpressionAttributeValues: { ':b': DUE_BUCKET_PENDING, ':t': dueBefore },
          ExclusiveStartKey: start,
          Limit: Math.min(1000, limit - jobs.length),
        }),
      );
      jobs.push(...(page.Items ?? []).map(fromItem));
      start = page.LastEvaluatedKey;
    } while (start && jobs.length < limit);
    return jobs;
  }

  /** Moves a pending job's due time, unless it changed meanwhile (the sweeper's lease). */
  async reschedule(jobId: string, from: number, to: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { job_id: jobId },
          UpdateExpression: 'SET next_attempt_at = :to',
          ConditionExpression: '#status = :pending AND next_attempt_at = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ':from': from, ':pending': 'pending' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
