// One set of cases for the delivery history's writes, run against the store on dynalite (through
// the SDK, as the functions use it) and against the in-memory fake the worker and fan-out unit
// tests use, so the fake cannot pass on behaviour the store never had: one attempt per webhook and
// id, the last write kept, any number per call, a call naming one attempt twice refused. (Listing
// the history is the store's own: test/integration/delivery-history.test.ts.)
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryAttempt } from '../../lambdas/domain/delivery.js';
import { DeliveryStore } from '../../lambdas/stores/delivery-store.js';
import { RETENTION_DAYS } from '../../lambdas/stores/table-definitions.js';
import { FakeHistory } from '../support/delivery-fakes.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

/** The history under test and how it reads back one webhook's attempts (ordered by id). */
type History = { record(attempts: DeliveryAttempt[]): Promise<void>; read(webhookId: string): Promise<DeliveryAttempt[]> };

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

const byId = (items: DeliveryAttempt[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** A fresh table per case, so cases never see each other's attempts. */
async function storeOnDynalite(): Promise<History> {
  const store = new DeliveryStore(dynalite.db, await dynalite.table('deliveries'));
  return { record: (a) => store.record(a), read: async (webhookId) => byId((await store.list(webhookId, { limit: 1000 })).items) };
}

function fake(): History {
  const history = new FakeHistory();
  return { record: (a) => history.record(a), read: async (webhookId) => byId(history.attempts.filter((a) => a.webhookId === webhookId)) };
}

const attempt = (id: string, overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
  id,
  webhookId: 'w1',
  eventId: 'e1',
  eventType: 'order.filled',
  status: 'failed',
  httpStatus: 503,
  responseTimeMs: 12,
  attemptNumber: 1,
  attemptedAt: '2026-06-01T00:00:00.000Z',
  nextRetryAt: '2026-06-01T00:00:30.000Z',
  error: null,
  ...overrides,
});

describe.each([
  ['DeliveryStore on dynalite', storeOnDynalite],
  ['FakeHistory', async (): Promise<History> => fake()],
])('delivery history writes: %s', (_name, make) => {
  it('records every attempt of a call however many, each under its webhook', async () => {
    const history = await make();
    const attempts = Array.from({ length: 60 }, (_, i) => attempt(`a${String(i).padStart(2, '0')}`, { webhookId: i % 3 === 0 ? 'w2' : 'w1', attemptNumber: 1 + (i % 6) }));
    await history.record(attempts);
    expect(await history.read('w1')).toEqual(attempts.filter((a) => a.webhookId === 'w1'));
    expect(await history.read('w2')).toEqual(attempts.filter((a) => a.webhookId === 'w2'));
    expect(await history.read('w3')).toEqual([]);
  });

  it('keeps an attempt recorded again (a record message received twice) once, as last written; the same id of another webhook is another attempt', async () => {
    const history = await make();
    await history.record([attempt('a1'), attempt('a2', { status: 'succeeded', httpStatus: 200, nextRetryAt: null })]);
    await history.record([attempt('a1', { httpStatus: 502, error: 'x' }), attempt('a1', { webhookId: 'w2' })]);
    expect(await history.read('w1')).toEqual([attempt('a1', { httpStatus: 502, error: 'x' }), attempt('a2', { status: 'succeeded', httpStatus: 200, nextRetryAt: null })]);
    expect(await history.read('w2')).toEqual([attempt('a1', { webhookId: 'w2' })]);
  });

  it('refuses a call that names one attempt twice, as BatchWriteItem does, writing none of its items', async () => {
    const history = await make();
    await expect(history.record([attempt('a1'), attempt('a2'), attempt('a1', { httpStatus: 500 })])).rejects.toThrow(/duplicates/);
    expect(await history.read('w1')).toEqual([]);
  });
});

// What the fake does not model: the item's expiry (DynamoDB TTL).
describe('delivery history: DeliveryStore on dynalite, the stored item', () => {
  it('keeps an attempt 30 days from when it was made', async () => {
    const name = await dynalite.table('deliveries');
    await new DeliveryStore(dynalite.db, name).record([attempt('a1')]);
    const { Item } = await dynalite.db.send(new GetCommand({ TableName: name, Key: { webhook_id: 'w1', id: 'a1' } }));
    expect(Item).toMatchObject({ event_id: 'e1', http_status: 503, expires_at: Math.floor(Date.parse('2026-06-01T00:00:00.000Z') / 1000) + RETENTION_DAYS * 86_400 });
  });
});
