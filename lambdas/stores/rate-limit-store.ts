// Rate-limit state in DynamoDB: one item per API key (and one per client address for failed
// authentication), shared by every function instance. The per-key item is written back with a
// conditional update on its version (lambdas/domain/rate-limiter.ts decides); failure counters
// are atomic ADDs. Every item expires by TTL shortly after its windows close.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FailureCounter } from '../domain/auth-failure-limiter.js';
import type { RateLimitState, RateLimitStateStore, SlotCounts } from '../domain/rate-limiter.js';

const KEY_PREFIX = 'key#';

export class RateLimitStore implements RateLimitStateStore, FailureCounter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(key: string): Promise<{ state: RateLimitState; version: number } | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { bucket: KEY_PREFIX + key }, ConsistentRead: true }));
    if (!Item || typeof Item.version !== 'number') return undefined;
    return { state: { second: slots(Item.second), minute: slots(Item.minute) }, version: Item.version };
  }

  async write(key: string, state: RateLimitState, expectedVersion: number | undefined, expiresAtSeconds: number): Promise<boolean> {
    try {
      await this.db.send(
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
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Eventually consistent: a count a moment old is good enough to refuse a flood. */
  async failures(bucket: string): Promise<number> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { bucket } }));
    return Number(Item?.hits ?? 0);
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
}

const slots = (value: unknown): SlotCounts =>
  Array.isArray(value)
    ? value.filter((p): p is [number, number, number] => Array.isArray(p) && p.length === 3).map(([s, c, l]) => [Number(s), Number(c), Number(l)])
    : [];
