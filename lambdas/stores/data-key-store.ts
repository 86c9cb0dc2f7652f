// The current data key of the secrets cipher, shared by every encrypting instance
// (lambdas/stores/kms-secret-cipher.ts): one item in the webhooks table under a partition no
// partner can have (partner ids are letters, digits, ".", "_" and "-"). Only the wrapped key is
// stored; an instance that adopts it unwraps it with KMS.
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DataKeyStore, StoredDataKey } from './kms-secret-cipher.js';
import { writeIf } from './conditional.js';

export const DATA_KEY_ITEM = { partner_id: '#secrets', sk: 'data-key' } as const;

export class DynamoDataKeyStore implements DataKeyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async current(): Promise<StoredDataKey | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: DATA_KEY_ITEM, ConsistentRead: true }));
    if (!Item || typeof Item.wrapped !== 'string' || typeof Item.created_at !== 'number') return undefined;
    return { wrapped: Item.wrapped, createdAt: Item.created_at };
  }

  async replace(next: StoredDataKey, previous: StoredDataKey | undefined): Promise<StoredDataKey> {
    const written = await writeIf(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...DATA_KEY_ITEM, wrapped: next.wrapped, created_at: next.createdAt },
          ...(previous
            ? {
                // WRAPPED is one of DynamoDB's reserved words: named through a placeholder.
                ConditionExpression: '#wrapped = :w AND created_at = :c',
                ExpressionAttributeNames: { '#wrapped': 'wrapped' },
                ExpressionAttributeValues: { ':w': previous.wrapped, ':c': previous.createdAt },
              }
            : { ConditionExpression: 'attribute_not_exists(sk)' }),
        }),
      ),
    );
    if (written) return next;
    return (await this.current()) ?? next;
  }
}

/** The same contract in memory (unit tests, the bench). */
export class InMemoryDataKeyStore implements DataKeyStore {
  private item?: StoredDataKey;
  reads = 0;
  writes = 0;

  async current(): Promise<StoredDataKey | undefined> {
    this.reads++;
    return this.item;
  }

  async replace(next: StoredDataKey, previous: StoredDataKey | undefined): Promise<StoredDataKey> {
    this.writes++;
    const same = previous ? this.item?.wrapped === previous.wrapped && this.item.createdAt === previous.createdAt : this.item === undefined;
    if (!same) return this.item ?? next;
    this.item = next;
    return next;
  }
}
