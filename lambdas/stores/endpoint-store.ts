// Endpoint health (domain/endpoint-health.ts) in DynamoDB, one item per webhook, shared by every
// delivery function instance. Written only when the health changes.
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
  expires_at: number;
};

export class EndpointStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(webhookId: string): Promise<EndpointHealth | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { webhook_id: webhookId } }));
    if (!Item) return undefined;
    const item = Item as EndpointItem;
    return {
      webhookId,
      lane: item.lane,
      consecutiveFailures: item.consecutive_failures,
      circuit: item.circuit,
      probeAt: item.probe_at,
      fastStreak: item.fast_streak,
      lastSuccessAt: item.last_success_at,
      lastFailureAt: item.last_failure_at,
    };
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
