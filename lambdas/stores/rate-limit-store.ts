// Shared window counters in DynamoDB (atomic ADD), so a limit holds across every
// concurrent function instance. Each window's item expires by TTL shortly after it closes.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export class RateLimitStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Adds one to the counter and returns its new value. */
  async increment(bucket: string, expiresAtSeconds: number): Promise<number> {
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

  async read(bucket: string): Promise<number> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { bucket } }));
    return Number(Item?.hits ?? 0);
  }
}
