// SPEC §11 `ordering: "per_entity"`: one line per webhook and entity of the jobs not ended yet,
// oldest first. The fan-out puts a job's item before it queues the job; the delivery worker
// attempts a job only while it is the head of its line, and removes its item once the job ended
// (succeeded, failed, dropped). Items expire after RETENTION_DAYS, like the jobs themselves.
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expiresAt } from './table-definitions.js';

/** A job in its line: `entityKey` = `<webhookId>#<entity>`, `seqKey` its place (domain/ordering.ts). */
export type OrderedJob = { entityKey: string; seqKey: string; webhookId: string; eventId: string };

type OrderedJobItem = { entity_key: string; seq_key: string; webhook_id: string; event_id: string; expires_at: number };

/** What the fan-out and the worker need (the fake in test/support keeps the same contract). */
export type OrderedJobs = Pick<OrderedJobStore, 'put' | 'head' | 'remove'>;

export class OrderedJobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Puts each job in its line (unconditional: a finisher putting the same keys again changes nothing). */
  async put(entries: OrderedJob[], now: Date = new Date()): Promise<void> {
    await Promise.all(
      entries.map((e) =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { entity_key: e.entityKey, seq_key: e.seqKey, webhook_id: e.webhookId, event_id: e.eventId, expires_at: expiresAt(now) } satisfies OrderedJobItem,
          }),
        ),
      ),
    );
  }

  /** The oldest job of the line not ended yet (a strongly consistent read); undefined when the line is empty. */
  async head(entityKey: string): Promise<OrderedJob | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'entity_key = :k',
        ExpressionAttributeValues: { ':k': entityKey },
        ConsistentRead: true,
        ScanIndexForward: true,
        Limit: 1,
      }),
    );
    const item = Items?.[0] as OrderedJobItem | undefined;
    return item ? { entityKey: item.entity_key, seqKey: item.seq_key, webhookId: item.webhook_id, eventId: item.event_id } : undefined;
  }

  /** The job ended: its successor may go. Removing a job that is gone already is no error. */
  async remove(entityKey: string, seqKey: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { entity_key: entityKey, seq_key: seqKey } }));
  }
}
