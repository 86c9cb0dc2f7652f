// Endpoint health (domain/endpoint-health.ts) in DynamoDB, one item per webhook, shared by every
// delivery function instance. Written only when the health changes.
import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EndpointHealth } from '../domain/endpoint-health.js';
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
  expires_at: number;
};

/** BatchGetItem's limit of keys per call. */
const BATCH_GET_MAX = 100;
/** Rounds of UnprocessedKeys retried before the read gives up (throttling). */
const BATCH_GET_ROUNDS = 5;

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
});

export class EndpointStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(webhookId: string): Promise<EndpointHealth | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { webhook_id: webhookId } }));
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

  /** Kept 30 days past its last change: an endpoint quiet that long starts healthy again. */
  async put(health: EndpointHealth, now: Date): Promise<void> {
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
      expires_at: expiresAt(now),
    };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  /** One probe per interval across all instances: moves `probe_at` on, if nobody did since `seen`. */
  async takeProbe(webhookId: string, seen: number, next: number): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { webhook_id: webhookId },
          UpdateExpression: 'SET probe_at = :next',
          ConditionExpression: 'probe_at = :seen',
          ExpressionAttributeValues: { ':next': next, ':seen': seen },
        }),
      ),
    );
  }
}
