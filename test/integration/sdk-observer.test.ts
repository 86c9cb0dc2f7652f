// The bench's SDK observer (local/sdk-observer.ts) on a real document client against dynalite:
// the units it records for each command follow the items actually written and the table's indexes.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTables, type LocalDynamo, startDynalite } from '../../local/dynamodb.js';
import { type CapacityTable } from '../../local/capacity-units.js';
import { createSdkObserver, rawReader, type SdkObserver } from '../../local/sdk-observer.js';
import { TABLES, type TableName } from '../../lambdas/stores/table-definitions.js';
import { makeDataDir, removeDataDir } from '../support/runtime-process.js';

const NAMES = Object.fromEntries(Object.keys(TABLES).map((t) => [t, `observer-${t}`])) as Record<TableName, string>;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('bench SDK observer', () => {
  let dataDir: string;
  let dynamo: LocalDynamo;
  let raw: DynamoDBClient;
  let base: DynamoDBClient;
  let db: DynamoDBDocumentClient;
  let observer: SdkObserver;

  beforeAll(async () => {
    dataDir = makeDataDir();
    dynamo = await startDynalite(dataDir, 0);
    raw = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials });
    await ensureTables(raw, NAMES);
    observer = createSdkObserver({
      tables: () => new Map((Object.keys(NAMES) as TableName[]).map((t) => [NAMES[t], TABLES[t] as CapacityTable])),
      raw: () => rawReader(raw),
    });
    base = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials });
    observer.hook(base as never, 'DynamoDB');
    db = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  });

  afterAll(async () => {
    base?.destroy();
    raw?.destroy();
    await dynamo?.stop();
    removeDataDir(dataDir);
  });

  const wru = () => observer.snapshot().dynamodb.wru;
  const units = async (send: () => Promise<unknown>) => {
    const before = observer.snapshot().dynamodb;
    await send().catch((error: unknown) => {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    });
    const after = observer.snapshot().dynamodb;
    return { wru: after.wru - before.wru, rru: after.rru - before.rru };
  };
  const job = (id: string, extra: Record<string, unknown> = {}) => ({ job_id: id, status: 'pending', payload: 'p', ...extra });

  it('counts calls but no units while measurement is off', async () => {
    const calls = observer.snapshot().calls['DynamoDB.PutItem'] ?? 0;
    await db.send(new PutCommand({ TableName: NAMES.jobs, Item: job('off', { due_shard: '0', due_at: 1 }) }));
    expect(observer.snapshot().calls['DynamoDB.PutItem']).toBe(calls + 1);
    expect(wru()).toBe(0);
    observer.setMeasuring(true);
  });

  it('charges a new pending job the table and the due index, a finished one the table only', async () => {
    expect(await units(() => db.send(new PutCommand({ TableName: NAMES.jobs, Item: job('j1', { due_shard: '0', due_at: 1 }) })))).toEqual({ wru: 2, rru: 0 });
    expect(await units(() => db.send(new PutCommand({ TableName: NAMES.jobs, Item: job('j2', { status: 'succeeded' }) })))).toEqual({ wru: 1, rru: 0 });
    const big = job('j3', { due_shard: '0', due_at: 1, payload: 'x'.repeat(3000) });
    // The due index projects keys only: one unit whatever the item's size.
    expect(await units(() => db.send(new PutCommand({ TableName: NAMES.jobs, Item: big })))).toEqual({ wru: 4, rru: 0 });
  });

  it('charges a failed conditional put by the existing item, without index writes', async () => {
    const put = new PutCommand({ TableName: NAMES.jobs, Item: job('j1'), ConditionExpression: 'attribute_not_exists(job_id)' });
    expect(await units(() => db.send(put))).toEqual({ wru: 1, rru: 0 });
    expect(observer.snapshot().dynamodb.by_resource[`${NAMES.jobs}.PutItem (condition failed)`]?.wru).toBe(1);
  });

  it('charges an update of the index key a delete and a put on the index', async () => {
    const update = new UpdateCommand({
      TableName: NAMES.jobs,
      Key: { job_id: 'j1' },
      UpdateExpression: 'SET due_at = :t',
      ExpressionAttributeValues: { ':t': 2 },
    });
    expect(await units(() => db.send(update))).toEqual({ wru: 3, rru: 0 });
  });

  it('charges each item of a batch write, including the job leaving the index', async () => {
    const batch = new BatchWriteCommand({
      RequestItems: {
        [NAMES.jobs]: [{ PutRequest: { Item: job('j1', { status: 'succeeded' }) } }],
        [NAMES.deliveries]: [{ PutRequest: { Item: { webhook_id: 'w', id: 'd1', status: 'succeeded' } } }],
      },
    });
    expect(await units(() => db.send(batch))).toEqual({ wru: 3, rru: 0 });
    const byResource = observer.snapshot().dynamodb.by_resource;
    expect(byResource[`${NAMES.jobs}/index/due-index`]?.wru).toBe(1 + 1 + 2 + 1); // j1 in, j3 in (keys only), j1 moved (a delete and a put), j1 out
  });

  it('charges a delete by the deleted item and its index entry', async () => {
    expect(await units(() => db.send(new DeleteCommand({ TableName: NAMES.jobs, Key: { job_id: 'j3' } })))).toEqual({ wru: 4, rru: 0 });
  });

  it('charges reads by size and consistency, a query by the sum of its items', async () => {
    expect(await units(() => db.send(new GetCommand({ TableName: NAMES.jobs, Key: { job_id: 'j2' }, ConsistentRead: true })))).toEqual({ wru: 0, rru: 1 });
    expect(await units(() => db.send(new GetCommand({ TableName: NAMES.jobs, Key: { job_id: 'missing' } })))).toEqual({ wru: 0, rru: 0.5 });
    const query = new QueryCommand({ TableName: NAMES.deliveries, KeyConditionExpression: 'webhook_id = :w', ExpressionAttributeValues: { ':w': 'w' } });
    expect(await units(() => db.send(query))).toEqual({ wru: 0, rru: 0.5 });
  });
});
