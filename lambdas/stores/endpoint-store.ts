// Endpoint health (domain/endpoint-health.ts) in DynamoDB, one item per webhook, shared by every
// delivery function instance. Written only when the health changes, and each write is conditional
// on the version the writer read: an instance's cached copy never overwrites a newer transition.
import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type EndpointHealth, healthyEndpoint } from '../domain/endpoint-health.js';
import type { EndpointHealthStore } from '../domain/webhook-service.js';
import { writeIf } from './conditional.js';
import { expiresAt } from './table-definitions.js';

type EndpointItem = {
  webhook_id: string;
  lane: EndpointHealth['lane'];
  consecutive_failures: number;
  circuit: EndpointHealth['circuit'];
  probe_at: number | null;
  fast_streak: number;
  last_success_at: string | null;
  last_failure_at: string | null;
  /** Absent on items written before auto-disable existed. */
  failing_since?: string | null;
  /** Absent on items written before writes were conditional: read as version 0. */
  probe_taken_at?: number | null;
  version?: number;
  expires_at: number;
};

/** BatchGetItem's limit of keys per call. */
const BATCH_GET_MAX = 100;
/** Rounds of UnprocessedKeys retried before the read gives up (throttling). */
const BATCH_GET_ROUNDS = 5;
/** Reads and conditional writes of one change before it gives up on an item that keeps changing. */
export const CHANGE_TRIES = 5;

/** A change of an endpoint's health: the new health, or undefined when nothing changes. */
export type HealthChange = (health: EndpointHealth) => EndpointHealth | undefined;

/**
 * Applies `change` to the stored health (a consistent read) and writes it conditionally, reading
 * again when another writer got there first. The health as it then stands. (The one loop the
 * store and its in-memory fake share.)
 */
export async function changeHealth(
  store: { get(webhookId: string, options: { consistent: boolean }): Promise<EndpointHealth | undefined>; save(health: EndpointHealth, now: Date): Promise<boolean> },
  webhookId: string,
  change: HealthChange,
  now: Date,
): Promise<EndpointHealth> {
  for (let tries = 0; tries < CHANGE_TRIES; tries++) {
    const current = (await store.get(webhookId, { consistent: true })) ?? healthyEndpoint(webhookId);
    const next = change(current);
    if (!next) return current;
    if (await store.save(next, now)) return { ...next, version: current.version + 1 };
  }
  throw new Error(`endpoint health of ${webhookId} kept changing while it was being written`);
}

const fromItem = (item: EndpointItem): EndpointHealth => ({
  webhookId: item.webhook_id,
  lane: item.lane,
  consecutiveFailures: item.consecutive_failures,
  circuit: item.circuit,
  probeAt: item.probe_at,
  fastStreak: item.fast_streak,
  lastSuccessAt: item.last_success_at,
  lastFailureAt: item.last_failure_at,
  failingSince: item.failing_since ?? null,
  probeTakenAt: item.probe_taken_at ?? null,
  version: item.version ?? 0,
});

export class EndpointStore implements EndpointHealthStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(webhookId: string, options: { consistent?: boolean } = {}): Promise<EndpointHealth | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { webhook_id: webhookId }, ConsistentRead: options.consistent === true }));
    return Item ? fromItem(Item as EndpointItem) : undefined;
  }

  /** The health of each of these webhooks that has any (the webhooks API's list page: BatchGetItem). */
  async getMany(webhookIds: string[]): Promise<Map<string, EndpointHealth>> {
    const found = new Map<string, EndpointHealth>();
    const unique = [...new Set(webhookIds)];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + BATCH_GET_MAX).map((id) => ({ webhook_id: id }));
      for (let round = 0; keys && keys.length > 0; round++) {
        if (round >= BATCH_GET_ROUNDS) throw new Error('endpoint health: BatchGetItem left keys unprocessed');
        const result: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of result.Responses?.[this.tableName] ?? []) found.set(String(item.webhook_id), fromItem(item as EndpointItem));
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  /**
   * Writes `health` as the next version of the item read at `health.version` (0: none stored),
   * if nobody wrote it since; false otherwise. Kept 30 days past its last change: an endpoint
   * quiet that long starts healthy again.
   */
  async save(health: EndpointHealth, now: Date): Promise<boolean> {
    const item: EndpointItem = {
      webhook_id: health.webhookId,
      lane: health.lane,
      consecutive_failures: health.consecutiveFailures,
      circuit: health.circuit,
      probe_at: health.probeAt,
      fast_streak: health.fastStreak,
      last_success_at: health.lastSuccessAt,
      last_failure_at: health.lastFailureAt,
      failing_since: health.failingSince,
      probe_taken_at: health.probeTakenAt,
      version: health.version + 1,
      expires_at: expiresAt(now),
    };
    return writeIf(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...(health.version === 0
            ? { ConditionExpression: 'attribute_not_exists(webhook_id) OR attribute_not_exists(version)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': health.version } }),
        }),
      ),
    );
  }

  /** Applies `change` to the stored health, conditionally (changeHealth). */
  change(webhookId: string, change: HealthChange, now: Date): Promise<EndpointHealth> {
    return changeHealth(this, webhookId, change, now);
  }

  /**
   * One probe per interval across all instances: moves `probe_at` on to `next` and notes when the
   * probe was taken, if nobody did since `seen` (a new version, so no writer's older copy lands on it).
   */
  async takeProbe(webhookId: string, seen: number, next: number, now: number): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { webhook_id: webhookId },
          UpdateExpression: 'SET probe_at = :next, probe_taken_at = :now, version = if_not_exists(version, :zero) + :one',
          ConditionExpression: 'probe_at = :seen',
          ExpressionAttributeValues: { ':next': next, ':seen': seen, ':now': now, ':zero': 0, ':one': 1 },
        }),
      ),
    );
  }
}
