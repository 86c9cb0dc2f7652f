// Rate-limit state in DynamoDB: one item per API key (and, per client address, one per minute
// counting failed authentications and one listing the keys that authenticated from it), shared by
// every function instance. The per-key item is written back with a
// conditional update on its version (lambdas/domain/rate-limiter.ts decides); failure counters
// are atomic ADDs. Every item expires by TTL shortly after its windows close.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FailureCounter } from '../domain/auth-failure-limiter.js';
import type { RateLimitState, RateLimitStateStore, SlotCounts } from '../domain/rate-limiter.js';
import type { SlotSchedule, SlotScheduleStore } from '../domain/delivery-rate.js';
import { resultIf, writeIf } from './conditional.js';

const KEY_PREFIX = 'key#';
/** Per client address: the API keys that authenticated from it (lambdas/domain/auth-failure-limiter.ts). */
const KNOWN_PREFIX = 'authok#';
/** Per webhook with a delivery rate limit (SPEC §11): its next free attempt slot (lambdas/domain/delivery-rate.ts). */
const SCHEDULE_PREFIX = 'webhook-rate#';
/** A schedule item outlives its last slot by this long (seconds), then expires. */
const SCHEDULE_TTL_SECONDS = 3600;

export class RateLimitStore implements RateLimitStateStore, FailureCounter, SlotScheduleStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(key: string): Promise<{ state: RateLimitState; version: number } | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { bucket: KEY_PREFIX + key }, ConsistentRead: true }));
    if (!Item || typeof Item.version !== 'number') return undefined;
    return { state: { second: slots(Item.second), minute: slots(Item.minute) }, version: Item.version };
  }

  write(key: string, state: RateLimitState, expectedVersion: number | undefined, expiresAtSeconds: number): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { bucket: KEY_PREFIX + key },
          UpdateExpression: 'SET #second = :second, #minute = :minute, #version = :next, expires_at = :exp',
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(#version)' : '#version = :expected',
          ExpressionAttributeNames: { '#second': 'second', '#minute': 'minute', '#version': 'version' },
          ExpressionAttributeValues: {
            ':second': state.second,
            ':minute': state.minute,
            ':next': (expectedVersion ?? 0) + 1,
            ':exp': expiresAtSeconds,
            ...(expectedVersion === undefined ? {} : { ':expected': expectedVersion }),
          },
        }),
      ),
    );
  }

  async readSchedule(webhookId: string): Promise<SlotSchedule | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { bucket: SCHEDULE_PREFIX + webhookId }, ConsistentRead: true }));
    return typeof Item?.next_at === 'number' ? { nextAt: Item.next_at } : undefined;
  }

  advanceSchedule(webhookId: string, seen: SlotSchedule | undefined, nextAt: number): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { bucket: SCHEDULE_PREFIX + webhookId },
          UpdateExpression: 'SET next_at = :next, expires_at = :exp',
          ConditionExpression: seen === undefined ? 'attribute_not_exists(next_at)' : 'next_at = :seen',
          ExpressionAttributeValues: {
            ':next': nextAt,
            ':exp': Math.ceil(nextAt / 1000) + SCHEDULE_TTL_SECONDS,
            ...(seen === undefined ? {} : { ':seen': seen.nextAt }),
          },
        }),
      ),
    );
  }

  async reserve(bucket: string, limit: number, expiresAtSeconds: number): Promise<number | undefined> {
    const reserved = await resultIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { bucket },
          UpdateExpression: 'ADD hits :one SET expires_at = if_not_exists(expires_at, :exp)',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: { ':one': 1, ':exp': expiresAtSeconds, ':limit': limit },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return reserved === undefined ? undefined : Number(reserved.Attributes?.hits ?? 1);
  }

  async release(bucket: string): Promise<void> {
    // Nothing to give back when the count is at zero.
    await writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { bucket },
          UpdateExpression: 'ADD hits :minus',
          ConditionExpression: 'hits > :zero',
          ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
        }),
      ),
    );
  }

  async addFailure(bucket: string, expiresAtSeconds: number): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { bucket },
        UpdateExpression: 'ADD hits :one SET expires_at = if_not_exists(expires_at, :exp)',
        ExpressionAttributeValues: { ':one': 1, ':exp': expiresAtSeconds },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.hits ?? 1);
  }

  /** Eventually consistent: a key remembered a moment ago is found on the next block. */
  async knownKeys(address: string): Promise<string[]> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { bucket: KNOWN_PREFIX + address } }));
    return Item?.keys instanceof Set ? [...(Item.keys as Set<string>)] : [];
  }

  async rememberKey(address: string, apiKey: string, expiresAtSeconds: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { bucket: KNOWN_PREFIX + address },
        UpdateExpression: 'ADD #keys :key SET expires_at = :exp',
        ExpressionAttributeNames: { '#keys': 'keys' },
        ExpressionAttributeValues: { ':key': new Set([apiKey]), ':exp': expiresAtSeconds },
      }),
    );
  }
}

const slots = (value: unknown): SlotCounts =>
  Array.isArray(value)
    ? value.filter((p): p is [number, number, number] => Array.isArray(p) && p.length === 3).map(([s, c, l]) => [Number(s), Number(c), Number(l)])
    : [];
