// dynalite in-process for the store contract tests (test/contract/): the tables of
// lambdas/stores/table-definitions.ts, a fresh set per `tables()` call so cases never see each
// other's items, and the document client the functions use (SDK v3, endpoint override only).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../lambdas/shared/aws-clients.js';
import { TABLES, type TableName } from '../../lambdas/stores/table-definitions.js';
import { ensureTables, type LocalDynamo, startDynalite } from '../../local/dynamodb.js';

export type DynaliteTables = {
  db: ReturnType<typeof createDocumentClient>;
  /** Creates every table under new names; returns them. */
  tables(): Promise<Record<TableName, string>>;
  stop(): Promise<void>;
};

export async function startDynaliteTables(): Promise<DynaliteTables> {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const dataDir = mkdtempSync(join(tmpdir(), 'contract-'));
  const dynamo: LocalDynamo = await startDynalite(dataDir, 0);
  const db = createDocumentClient({ region: 'us-east-1', dynamodbEndpoint: dynamo.endpoint });
  let set = 0;
  return {
    db,
    async tables() {
      const n = ++set;
      const names = Object.fromEntries(Object.keys(TABLES).map((t) => [t, `${t}-${n}`])) as Record<TableName, string>;
      const admin = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint });
      await ensureTables(admin, names);
      admin.destroy();
      return names;
    },
    async stop() {
      db.destroy();
      await dynamo.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
