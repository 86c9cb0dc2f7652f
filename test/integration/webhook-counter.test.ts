// The per-partner webhook counter heals after a crash and still holds the limit under concurrent
// creates. A crash between a webhook write and its counter write is played by
// writing the counter item wrong, straight into the table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_SETTLE_MS } from '../../lambdas/stores/webhook-store.js';
import { apiClient } from '../support/api-client.js';
import { issueTestApiKey } from '../support/api-keys.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';

const MAX = 3;
const PUBLIC = 'https://93.184.216.34';
let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  rt = await startRuntime({ env: { MAX_WEBHOOKS_PER_PARTNER: String(MAX), RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
  call = apiClient(rt.state);
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: rt.state.region, endpoint: rt.state.dynamodb_endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
});

afterAll(async () => {
  db.destroy();
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

const setCounter = (partnerId: string, count: number, countedAt?: number) =>
  db.send(
    new PutCommand({
      TableName: rt.state.tables.webhooks,
      Item: { partner_id: partnerId, sk: 'partner', webhook_count: count, ...(countedAt === undefined ? {} : { counted_at: countedAt }) },
    }),
  );
const counter = async (partnerId: string) =>
  (await db.send(new GetCommand({ TableName: rt.state.tables.webhooks, Key: { partner_id: partnerId, sk: 'partner' } }))).Item?.webhook_count;

async function partner(id: string) {
  const key = await issueTestApiKey(rt.state, { partnerId: id, scopes: ['webhooks:read', 'webhooks:write'] });
  const create = (n: number) => call('POST', '/v1/webhooks', { auth: key.auth, body: { url: `${PUBLIC}/${id}/${n}`, events: [] } });
  const count = async () => ((await call('GET', '/v1/webhooks', { auth: key.auth })).body as unknown[]).length;
  return { create, count };
}

describe('webhook counter', () => {
  it('heals a counter left too high by a crash: creates work again, up to the limit', async () => {
    const p = await partner('crashed');
    expect((await p.create(1)).status).toBe(201);
    // As after a crash between deletes and their counter writes: the counter says full.
    await setCounter('crashed', MAX, Date.now() - COUNTER_SETTLE_MS - 1000);
    expect((await p.create(2)).status).toBe(201);
    expect((await p.create(3)).status).toBe(201);
    expect((await p.create(4)).status).toBe(409);
    expect(await p.count()).toBe(MAX);
    expect(await counter('crashed')).toBe(MAX);
  });

  it('heals a counter written by an older version (no timestamp)', async () => {
    const p = await partner('legacy');
    await setCounter('legacy', 50);
    expect((await p.create(1)).status).toBe(201);
    expect(await counter('legacy')).toBe(1);
  });

  it('does not touch a counter that moved recently (a create may be between its two writes)', async () => {
    const p = await partner('recent');
    await setCounter('recent', MAX, Date.now());
    expect((await p.create(1)).status).toBe(409);
    expect(await counter('recent')).toBe(MAX);
  });

  it('concurrent creates at the limit never exceed it, also while the counter heals', async () => {
    const p = await partner('race');
    await setCounter('race', MAX + 5, Date.now() - COUNTER_SETTLE_MS - 1000);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => p.create(i)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(MAX);
    expect(results.filter((r) => r.status !== 201).every((r) => r.status === 409 && r.body.error.code === 'WEBHOOK_LIMIT_REACHED')).toBe(true);
    expect(await p.count()).toBe(MAX);
    expect(await counter('race')).toBe(MAX);
  });
});
