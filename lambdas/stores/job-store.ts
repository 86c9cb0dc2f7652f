// Delivery jobs in DynamoDB (only those that need state beyond a first attempt, see
// domain/delivery.ts). Every write is conditional on the job's version, so a duplicate or
// late message can never move a job backwards (a succeeded job back to pending, say).
// Parked jobs carry the due-index keys: a shard (spread over DUE_SHARDS partitions) and a due time.
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type DropReason, type JobStatus, jobFromWire, jobIdFor, jobIdOf, jobToWire, type StoredJob } from '../domain/delivery.js';
import type { Environment } from '../domain/environments.js';
import type { EventType } from '../domain/event-types.js';
import { resultIf, writeIf } from './conditional.js';
import { DUE_INDEX, DUE_SHARDS, ENDED_INDEX, expiresAt, shardOf } from './table-definitions.js';

type JobItem = {
  job_id: string;
  partner_id: string;
  webhook_id: string;
  event_id: string;
  event_type: EventType;
  environment: Environment;
  event_created_at: string;
  queued_at: string;
  attempts: number;
  status: JobStatus;
  version: number;
  /** A job the partner asked for (domain/delivery.ts `requested`). */
  requested?: true;
  /** SPEC §11 per_entity ordering: the job's line and place (domain/delivery.ts `order`). */
  order?: { entity_key: string; seq_key: string };
  next_attempt_at: number;
  parked?: boolean;
  due_shard?: string;
  due_at?: number;
  /** ended-index keys: only on failed and dropped jobs (SPEC §7 recover). */
  ended_webhook?: string;
  ended_at?: string;
  message_id?: string;
  dropped_reason?: DropReason;
  requeued_at?: string;
  created_at: string;
  updated_at: string;
  expires_at: number;
};

/** A stable shard per job, so its index entry moves only in time, never between shards. */
export function dueShardOf(jobId: string): string {
  return shardOf(jobId, DUE_SHARDS);
}

function toItem(job: StoredJob): JobItem {
  const jobId = jobIdOf(job);
  // The data stays in the event store: a stored job is small (one write unit).
  const { data: _data, slot_at: _slot, ...wire } = jobToWire(job);
  return {
    job_id: jobId,
    ...wire,
    status: job.status,
    next_attempt_at: job.nextAttemptAt,
    ...(job.parked && job.status === 'pending' ? { parked: true, due_shard: dueShardOf(jobId), due_at: job.nextAttemptAt } : {}),
    // A leased pending job sits in the due index too, due when its lease runs out (the sweeper's own leases move due_at the same way).
    ...(!job.parked && job.status === 'pending' && job.leaseUntil !== undefined ? { due_shard: dueShardOf(jobId), due_at: job.leaseUntil } : {}),
    ...(job.status === 'failed' || job.status === 'dropped' ? { ended_webhook: job.webhookId, ended_at: job.updatedAt } : {}),
    ...(job.messageId ? { message_id: job.messageId } : {}),
    ...(job.droppedReason ? { dropped_reason: job.droppedReason } : {}),
    ...(job.requeuedAt ? { requeued_at: job.requeuedAt } : {}),
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    expires_at: expiresAt(new Date(job.createdAt)),
  };
}

function fromItem(item: JobItem): StoredJob {
  return {
    // A stored job's fields are the wire form's (without data), plus its state.
    ...jobFromWire(item),
    status: item.status,
    nextAttemptAt: item.next_attempt_at,
    parked: item.parked === true,
    ...(item.parked !== true && item.due_at !== undefined ? { leaseUntil: item.due_at } : {}),
    ...(item.message_id ? { messageId: item.message_id } : {}),
    ...(item.dropped_reason ? { droppedReason: item.dropped_reason } : {}),
    ...(item.requeued_at ? { requeuedAt: item.requeued_at } : {}),
    createdAt: item.created_at,
    updatedAt: item.updated_at,
  };
}

export type DueJob = { jobId: string; dueAt: number };

/** Where a page of the ended-index stopped. */
export type EndedKey = { endedAt: string; jobId: string };

export class JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The job's current state (a strongly consistent read). */
  async get(webhookId: string, eventId: string): Promise<StoredJob | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { job_id: jobIdFor(webhookId, eventId) }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item as JobItem) : undefined;
  }

  /**
   * Writes `job` (whose version must be `expectedVersion + 1`) if the stored job is still at
   * `expectedVersion` (0: not stored yet). false when another writer got there first.
   */
  async save(job: StoredJob, expectedVersion: number): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(job),
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(job_id)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      ),
    );
  }

  /** Parked jobs of one shard due at or before `dueBefore` (epoch ms), oldest first. */
  async listDue(shard: string, dueBefore: number, limit: number): Promise<DueJob[]> {
    const jobs: DueJob[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: DUE_INDEX,
          KeyConditionExpression: 'due_shard = :s AND due_at <= :t',
          ExpressionAttributeValues: { ':s': shard, ':t': dueBefore },
          ExclusiveStartKey: start,
          Limit: Math.min(1000, limit - jobs.length),
        }),
      );
      jobs.push(...(page.Items ?? []).map((i) => ({ jobId: i.job_id as string, dueAt: i.due_at as number })));
      start = page.LastEvaluatedKey;
    } while (start && jobs.length < limit);
    return jobs;
  }

  /**
   * Ids of the webhook's jobs that ended (failed or dropped) in [from, to], oldest first: one page
   * of at most `limit`, after `after` (the previous page's `last`). `last` is set while more may follow.
   */
  async listEnded(webhookId: string, from: string, to: string, page: { limit: number; after?: EndedKey }): Promise<{ jobIds: string[]; last?: EndedKey }> {
    const result = await this.db.send(new QueryCommand({ ...this.endedQuery(webhookId, from, to, page.after), Limit: page.limit }));
    const last = result.LastEvaluatedKey;
    return {
      jobIds: (result.Items ?? []).map((i) => i.job_id as string),
      ...(last ? { last: { endedAt: last.ended_at as string, jobId: last.job_id as string } } : {}),
    };
  }

  /**
   * How many of the webhook's jobs ended in [from, to] after `after` (the index's keys only,
   * counted by DynamoDB), page by page until done or `deadline` (epoch ms): then a lower bound.
   */
  async countEnded(webhookId: string, from: string, to: string, after?: EndedKey, deadline = Infinity): Promise<number> {
    let count = 0;
    let query = this.endedQuery(webhookId, from, to, after);
    for (;;) {
      const page = await this.db.send(new QueryCommand({ ...query, Select: 'COUNT' }));
      count += page.Count ?? 0;
      if (!page.LastEvaluatedKey || Date.now() >= deadline) return count;
      query = { ...query, ExclusiveStartKey: page.LastEvaluatedKey };
    }
  }

  /** The ended-index query of one webhook's window, from after `after` if given. */
  private endedQuery(webhookId: string, from: string, to: string, after?: EndedKey) {
    return {
      TableName: this.tableName,
      IndexName: ENDED_INDEX,
      KeyConditionExpression: 'ended_webhook = :w AND ended_at BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':w': webhookId, ':from': from, ':to': to },
      ...(after ? { ExclusiveStartKey: { ended_webhook: webhookId, ended_at: after.endedAt, job_id: after.jobId } as Record<string, unknown> } : {}),
    };
  }

  /**
   * Ends a redelivered job's lease once its message is in the queue (it leaves the due index), unless
   * the job moved on meanwhile (its worker's write already took it out). Only a job whose send never
   * completed keeps its lease, for the sweeper.
   */
  async endLease(webhookId: string, eventId: string, version: number): Promise<void> {
    await writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { job_id: jobIdFor(webhookId, eventId) },
          UpdateExpression: 'REMOVE due_shard, due_at',
          ConditionExpression: 'version = :v AND attribute_not_exists(parked)',
          ExpressionAttributeValues: { ':v': version },
        }),
      ),
    );
  }

  /**
   * The sweeper's lease: moves a parked job's due time to `leaseUntil` and bumps its version,
   * unless it changed since it was listed. The job stays in the index, so if the message the
   * sweeper sends is lost the job comes due again; a message of an older version is stale.
   */
  async lease(due: DueJob, leaseUntil: number, now: Date): Promise<StoredJob | undefined> {
    const leased = await resultIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { job_id: due.jobId },
          UpdateExpression: 'SET due_at = :lease, version = version + :one, updated_at = :now',
          ConditionExpression: 'due_at = :seen AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':lease': leaseUntil, ':seen': due.dueAt, ':pending': 'pending', ':one': 1, ':now': now.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return leased?.Attributes ? fromItem(leased.Attributes as JobItem) : undefined;
  }
}
