// DynamoDB TTL for the local runtime: dynalite never expires items, so every table with a TTL
// attribute is scanned now and then and items past their expiry are deleted, as DynamoDB would
// (eventually) do. It stands in for the engine, so its calls are not counted as the functions'.
import { type DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES, type TableDefinition, type TableName } from '../lambdas/stores/table-definitions.js';

export async function deleteExpiredItems(client: DynamoDBClient, names: Record<TableName, string>, nowSeconds: number): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  let deleted = 0;
  for (const [key, def] of Object.entries(TABLES) as [TableName, TableDefinition][]) {
    if (!def.timeToLiveAttribute) continue;
    const keyNames = [def.partitionKey, ...(def.sortKey ? [def.sortKey] : [])];
    let start: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: names[key],
          FilterExpression: '#ttl < :now',
          ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(', '),
          ExpressionAttributeNames: { '#ttl': def.timeToLiveAttribute, ...Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k])) },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
          ExclusiveStartKey: start,
        }),
      );
      const keys = page.Items ?? [];
      for (let i = 0; i < keys.length; i += 25) {
        await db.send(
          new BatchWriteCommand({
            RequestItems: { [names[key]]: keys.slice(i, i + 25).map((k) => ({ DeleteRequest: { Key: unmarshallKey(k) } })) },
          }),
        );
      }
      deleted += keys.length;
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return deleted;
}

/** Key attributes as the Document client writes them (the tables' keys are strings). */
function unmarshallKey(item: Record<string, { S?: string; N?: string }>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? Number(v.N)]));
}
