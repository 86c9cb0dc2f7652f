// Puts items into one or more tables with as few calls as DynamoDB allows (BatchWriteItem: 25
// items a call), retrying what DynamoDB leaves unprocessed; throws if anything is still unwritten.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type ItemPut = { tableName: string; item: Record<string, unknown> };

const MAX_ITEMS = 25;
const MAX_RETRIES = 5;

export async function batchPut(db: DynamoDBDocumentClient, puts: ItemPut[]): Promise<void> {
  for (let i = 0; i < puts.length; i += MAX_ITEMS) {
    let requests: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> = {};
    for (const { tableName, item } of puts.slice(i, i + MAX_ITEMS)) {
      (requests[tableName] ??= []).push({ PutRequest: { Item: item } });
    }
    for (let attempt = 0; Object.keys(requests).length > 0; attempt++) {
      if (attempt > MAX_RETRIES) throw new Error('BatchWriteItem left items unprocessed after retries');
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: requests }));
      requests = (UnprocessedItems ?? {}) as typeof requests;
    }
  }
}
