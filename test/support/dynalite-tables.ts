// dynalite in-process for the store contract tests (test/contract/): a table of
// lambdas/stores/table-definitions.ts, a fresh one per `table()` call so cases never see each
// other's items, and the document client the functions use (SDK v3, endpoint override only).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../lambdas/shared/aws-clients.js';
import { TABLES, type TableName } from '../../lambdas/stores/table-definitions.js';
import { createTableInput, type LocalDynamo, startDynalite } from '../../local/dynamodb.js';

export type DynaliteTables = {
  db: ReturnType<typeof createDocumentClient>;
  /**
   * Creates the table `name` of the definitions under a new name; returns that name. One table, not
   * the whole set: a case uses one, and the set's ten CreateTable calls were ~40 ms of CPU a case.
   */
  table(name: TableName): Promise<string>;
  stop(): Promise<void>;
};

export async function startDynaliteTables(): Promise<DynaliteTables> {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const dataDir = mkdtempSync(join(tmpdir(), 'contract-'));
  const dynamo: LocalDynamo = await startDynalite(dataDir, 0);
  const db = createDocumentClient({ region: 'us-east-1', dynamodbEndpoint: dynamo.endpoint });
  const admin = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint });
  let created = 0;
  return {
    db,
    async table(name) {
      const tableName = `${name}-${++created}`;
      await admin.send(new CreateTableCommand(createTableInput(tableName, TABLES[name])));
      // dynalite answers while the table is CREATING (ResourceNotFound to reads and writes) and
      // makes it ACTIVE on its next turn, as DynamoDB does later.
      while ((await admin.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus !== 'ACTIVE') await sleep(5);
      return tableName;
    },
    async stop() {
      db.destroy();
      admin.destroy();
      await dynamo.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
