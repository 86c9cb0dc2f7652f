// DynamoDB for the local runtime: dynalite in-process, on disk under DATA_DIR, with the tables
// of lambdas/stores/table-definitions.ts created on start.
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLES, type TableName } from '../lambdas/stores/table-definitions.js';

export type LocalDynamo = { endpoint: string; stop(): Promise<void> };

export async function startDynalite(dataDir: string, port: number): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: join(dataDir, 'dynamodb') });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Creates each table unless it exists (a restart on the same DATA_DIR keeps them). */
export async function ensureTables(client: DynamoDBClient, names: Record<TableName, string>): Promise<void> {
  for (const [key, def] of Object.entries(TABLES) as [TableName, (typeof TABLES)[TableName]][]) {
    const sortKey = 'sortKey' in def ? def.sortKey : undefined;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: names[key],
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: def.partitionKey, KeyType: 'HASH' },
            ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
          ],
          AttributeDefinitions: [
            { AttributeName: def.partitionKey, AttributeType: 'S' },
            ...(sortKey ? [{ AttributeName: sortKey, AttributeType: 'S' as const }] : []),
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
}
