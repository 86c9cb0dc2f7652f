// DynamoDB for the local runtime: dynalite on a thread of the runtime's own (engine-thread.ts), on
// disk under DATA_DIR, with the tables of lambdas/stores/table-definitions.ts created on start.
import { join } from 'node:path';
import { CreateTableCommand, type CreateTableCommandInput, DescribeTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { makeDataDirPrivate } from './data-dir.js';
import { startEngineThread } from './engine-thread.js';
import { TABLES, type TableDefinition, type TableName } from '../lambdas/stores/table-definitions.js';

export type LocalDynamo = { endpoint: string; stop(): Promise<void> };

/** `onCrash`: the engine's thread died while running (default: said on stderr). */
export async function startDynalite(dataDir: string, port: number, onCrash: (error: Error) => void = (error) => void process.stderr.write(`dynalite: ${error.message}\n`)): Promise<LocalDynamo> {
  // The engine's files (LevelDB, created now and as it runs) are private: 0700 / 0600.
  makeDataDirPrivate(dataDir);
  const options = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: join(dataDir, 'dynamodb') };
  const { url, stop } = await startEngineThread('dynalite', options, port, onCrash);
  return { endpoint: url, stop };
}

export function createTableInput(tableName: string, def: TableDefinition): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>([[def.partitionKey, 'S']]);
  if (def.sortKey) attributes.set(def.sortKey, 'S');
  for (const index of def.indexes ?? []) {
    attributes.set(index.partitionKey, 'S');
    attributes.set(index.sortKey, index.sortKeyType);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' as const }] : []),
    ],
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    ...(def.indexes?.length
      ? {
          GlobalSecondaryIndexes: def.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
              { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: index.projection },
          })),
        }
      : {}),
  };
}

/** Creates each table unless it exists (a restart on the same DATA_DIR keeps them). */
export async function ensureTables(client: DynamoDBClient, names: Record<TableName, string>): Promise<void> {
  for (const [key, def] of Object.entries(TABLES) as [TableName, TableDefinition][]) {
    try {
      await client.send(new CreateTableCommand(createTableInput(names[key], def)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      await assertSameKeys(client, names[key], def);
    }
  }
}

/**
 * A table kept from an earlier start must have the keys and indexes this version uses: dynalite
 * cannot change them, and a mismatch would otherwise surface as failing queries much later.
 */
async function assertSameKeys(client: DynamoDBClient, tableName: string, def: TableDefinition): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const keys = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const expected = createTableInput(tableName, def);
  const indexes = (list: { IndexName?: string; KeySchema?: { AttributeName?: string; KeyType?: string }[] }[] | undefined) =>
    (list ?? []).map((i) => `${i.IndexName}(${keys(i.KeySchema)})`).sort().join(' ');
  if (keys(Table?.KeySchema) !== keys(expected.KeySchema) || indexes(Table?.GlobalSecondaryIndexes) !== indexes(expected.GlobalSecondaryIndexes)) {
    throw new Error(
      `Table ${tableName} in DATA_DIR was made by an earlier version with other keys or indexes; ` +
        'this version cannot use it. Start with a new DATA_DIR (or remove the old one).',
    );
  }
}
