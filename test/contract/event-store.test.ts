// One set of cases for the published events, run against the store on dynalite (through the SDK,
// as the functions use it) and against the in-memory fake the FanOut, worker and redelivery unit
// tests use, so the fake cannot pass on behaviour the store never had: one event per (partner,
// event id), the first kept, its data read back as a copy however large.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { EventStore, type StoredEvent } from '../../lambdas/stores/event-store.js';
import { RETENTION_DAYS } from '../../lambdas/stores/table-definitions.js';
import { FakeEvents } from '../support/delivery-fakes.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

type Events = Pick<EventStore, 'putIfAbsent' | 'exists' | 'get'>;

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

/** A fresh table per case, so cases never see each other's events. */
const storeOnDynalite = async (): Promise<Events> => new EventStore(dynalite.db, await dynalite.table('events'));

const event = (overrides: Partial<StoredEvent> = {}): StoredEvent => ({
  partnerId: 'p1',
  eventId: 'e1',
  eventType: 'order.filled',
  environment: 'sandbox',
  createdAt: '2026-06-01T00:00:00.000Z',
  data: { order_id: 'o1', note: 'café ✓' },
  webhookIds: ['w1', 'w2'],
  fanOutId: 'f1',
  ...overrides,
});

describe.each([
  ['EventStore on dynalite', storeOnDynalite],
  ['FakeEvents', async (): Promise<Events> => new FakeEvents()],
])('events: %s', (_name, make) => {
  it('stores an event once per partner and event id: a second put is told what the first stored, and changes nothing', async () => {
    const events = await make();
    expect(await events.putIfAbsent(event())).toEqual({ created: true });
    expect(await events.putIfAbsent(event({ fanOutId: 'f2', webhookIds: ['w3'], data: { order_id: 'o2' } }))).toEqual({
      created: false,
      existing: { fanOutId: 'f1', webhookIds: ['w1', 'w2'] },
    });
    expect(await events.get('p1', 'e1')).toEqual(event());
    // Another partner's event of the same id is another event.
    expect(await events.putIfAbsent(event({ partnerId: 'p2', fanOutId: 'f3' }))).toEqual({ created: true });
    expect(await events.get('p2', 'e1')).toMatchObject({ fanOutId: 'f3' });
  });

  it('reads an event back whole (its ordering too), says whether one is stored, and finds none that was not', async () => {
    const events = await make();
    const ordered = event({ eventId: 'e2', webhookIds: [], ordered: { webhookIds: ['w9'], acceptedAtMicros: 1_780_272_000_000_123 } });
    expect(await events.exists('p1', 'e2')).toBe(false);
    expect(await events.get('p1', 'e2')).toBeUndefined();
    await events.putIfAbsent(ordered);
    expect(await events.exists('p1', 'e2')).toBe(true);
    expect(await events.exists('p2', 'e2')).toBe(false);
    expect(await events.get('p1', 'e2')).toEqual(ordered);
  });

  it('keeps the data as it was put: a later change to the caller\'s object, or to what was read, is not stored', async () => {
    const events = await make();
    const put = event();
    await events.putIfAbsent(put);
    put.data.order_id = 'changed';
    put.webhookIds.push('w9');
    const read = (await events.get('p1', 'e1'))!;
    expect(read).toEqual(event());
    read.data.order_id = 'changed again';
    expect(await events.get('p1', 'e1')).toEqual(event());
  });

  it('keeps an event larger than an item can hold (1 MB of data), and a duplicate put never replaces its data', async () => {
    const events = await make();
    const big = event({ eventId: 'big', data: { note: 'x'.repeat(700_000), tail: 'é' } });
    expect(await events.putIfAbsent(big)).toEqual({ created: true });
    expect(await events.putIfAbsent(event({ eventId: 'big', fanOutId: 'f2', data: { note: 'y'.repeat(700_000) } }))).toMatchObject({ created: false });
    expect(await events.get('p1', 'big')).toEqual(big);
  });
});

// What the fake does not model: the items' expiry (DynamoDB TTL) and the chunk items of a large event.
describe('events: EventStore on dynalite, the stored items', () => {
  it('keeps an event and its chunks 30 days from its creation', async () => {
    const name = await dynalite.table('events');
    const events = new EventStore(dynalite.db, name);
    await events.putIfAbsent(event({ eventId: 'big', data: { note: 'x'.repeat(400_000) } }));
    const raw = async (key: string) => (await dynalite.db.send(new GetCommand({ TableName: name, Key: { event_key: key } }))).Item;
    const expires = Math.floor(Date.parse('2026-06-01T00:00:00.000Z') / 1000) + RETENTION_DAYS * 86_400;
    expect(await raw('p1/big')).toMatchObject({ chunks: 2, fan_out_id: 'f1', expires_at: expires });
    expect(await raw('p1/big#f1#0')).toMatchObject({ expires_at: expires });
    expect(await raw('p1/big#f1#1')).toMatchObject({ expires_at: expires });
  });
});
