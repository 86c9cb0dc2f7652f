// API keys in DynamoDB. The secret is stored only as a hash (lambdas/domain/secrets.ts).
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ApiKeyRecord, type ApiKeyRepository, SCOPES, type Scope } from '../domain/api-keys.js';
import { resultIf } from './conditional.js';

export { SCOPES, type ApiKeyRecord, type Scope };

type ApiKeyItem = {
  api_key: string;
  partner_id: string;
  scopes: Scope[];
  secret_hash: string;
  created_at: string;
  revoked_at?: string;
};

const fromItem = (i: Record<string, unknown>): ApiKeyRecord => {
  const item = i as ApiKeyItem;
  return {
    apiKey: item.api_key,
    partnerId: item.partner_id,
    scopes: item.scopes,
    secretHash: item.secret_hash,
    createdAt: item.created_at,
    ...(item.revoked_at ? { revokedAt: item.revoked_at } : {}),
  };
};

export class ApiKeyStore implements ApiKeyRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: ApiKeyRecord): Promise<void> {
    const item: ApiKeyItem = {
      api_key: record.apiKey,
      partner_id: record.partnerId,
      scopes: record.scopes,
      secret_hash: record.secretHash,
      created_at: record.createdAt,
      ...(record.revokedAt ? { revoked_at: record.revokedAt } : {}),
    };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async get(apiKey: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { api_key: apiKey } }));
    return Item ? fromItem(Item) : undefined;
  }

  /** Admin listing for the keys CLI (a scan: the table holds a handful of keys per partner). */
  async list(partnerId?: string): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start }));
      records.push(...(page.Items ?? []).map(fromItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return records
      .filter((r) => partnerId === undefined || r.partnerId === partnerId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Marks the key revoked; returns the record, or undefined when no such key exists. */
  async revoke(apiKey: string, at: string): Promise<ApiKeyRecord | undefined> {
    const revoked = await resultIf(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { api_key: apiKey },
          UpdateExpression: 'SET revoked_at = if_not_exists(revoked_at, :at)',
          ConditionExpression: 'attribute_exists(api_key)',
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return revoked?.Attributes ? fromItem(revoked.Attributes) : undefined;
  }
}
