// Published events the fan-out refused (unknown type, bad data), with the reason, kept 30 days.
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { expiresAt } from './table-definitions.js';

export type RejectedEvent = { id: string; source: string; detailType: string; detail: string; reason: string; receivedAt: string };

export class RejectedEventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(event: RejectedEvent): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          id: event.id,
          source: event.source,
          detail_type: event.detailType,
          // DynamoDB items are at most 400 KB; the reason matters more than the tail of a huge detail.
          detail: event.detail.slice(0, 256 * 1024),
          reason: event.reason,
          received_at: event.receivedAt,
          expires_at: expiresAt(new Date(event.receivedAt)),
        },
      }),
    );
  }
}
