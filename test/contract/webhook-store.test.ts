// One set of cases for the webhooks table, run against the store on dynalite (through the SDK, as
// the functions use it) and against the in-memory fake the WebhookService unit tests use, so the
// fake cannot pass on behaviour the store never had. Each conditional write is here with the case
// where its condition fails (stores/conditional.ts tells the two apart).
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Webhook } from '../../lambdas/domain/webhook.js';
import { COUNTER_SETTLE_MS, WebhookStore } from '../../lambdas/stores/webhook-store.js';
import { webhookFixture } from '../support/delivery-fakes.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';
import { FakeWebhooks } from '../support/webhook-fakes.js';

type Webhooks = Pick<WebhookStore, 'create' | 'get' | 'list' | 'listAll' | 'update' | 'rotateSecret' | 'disable' | 'delete'>;

const T0 = '2026-06-01T00:00:00.000Z';
const T1 = '2026-06-02T00:00:00.000Z';
const T2 = '2026-06-03T00:00:00.000Z';

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

/** A fresh table per case, so cases never see each other's webhooks. */
const storeOnDynalite = async (): Promise<Webhooks> => new WebhookStore(dynalite.db, await dynalite.table('webhooks'));

/** Ids sort as created (UUIDv7 in the service). */
const hook = (n: number, overrides: Partial<Webhook> = {}): Webhook => webhookFixture(`w${String(n).padStart(3, '0')}`, overrides);

describe.each([
  ['WebhookStore on dynalite', storeOnDynalite],
  ['FakeWebhooks', async (): Promise<Webhooks> => new FakeWebhooks()],
])('webhooks: %s', (_name, make) => {
  it('creates up to the partner\'s limit, concurrently too; another partner has its own; a delete frees a place', async () => {
    const store = await make();
    const created = await Promise.all([1, 2, 3, 4, 5].map((n) => store.create(hook(n), 3)));
    expect(created.filter(Boolean)).toHaveLength(3);
    expect(await store.create(hook(6), 3)).toBe(false);
    expect(await store.create(hook(7, { partnerId: 'p2' }), 3)).toBe(true);
    const kept = (await store.listAll('p1')).map((w) => w.id);
    expect(kept).toHaveLength(3);
    expect(await store.delete('p1', kept[0]!)).toBe(true);
    expect(await store.delete('p1', kept[0]!)).toBe(false);
    expect(await store.delete('p2', kept[1]!)).toBe(false); // another partner's
    expect(await store.get('p1', kept[0]!)).toBeUndefined();
    expect(await store.get('p1', kept[1]!)).toBeDefined();
    expect(await store.create(hook(8), 3)).toBe(true);
    expect(await store.create(hook(9), 3)).toBe(false);
  });

  it('reads a webhook back whole, and only for its partner', async () => {
    const store = await make();
    const full = hook(1, {
      events: ['order.filled'],
      previousSecret: { ciphertext: 'old', expiresAt: T2 },
      rateLimitPerSecond: 5,
      ordering: 'per_entity',
      customHeaders: { names: ['X-A'], ciphertext: 'headers' },
    });
    const disabled = hook(2, { status: 'disabled', disabledReason: 'gone', disabledAt: T1 });
    await store.create(full, 10);
    await store.create(disabled, 10);
    expect(await store.get('p1', full.id)).toEqual(full);
    expect(await store.get('p1', disabled.id)).toEqual(disabled);
    expect(await store.get('p2', full.id)).toBeUndefined();
    expect(await store.get('p1', 'w999')).toBeUndefined();
  });

  it('lists a partner\'s webhooks oldest first, a page at a time, and all of them past a hundred', async () => {
    const store = await make();
    for (const n of [3, 1, 2, 5, 4]) await store.create(hook(n), 200);
    await store.create(hook(6, { partnerId: 'p2' }), 200);
    const first = await store.list('p1', { limit: 2 });
    expect([first.items.map((w) => w.id), first.hasMore]).toEqual([['w001', 'w002'], true]);
    const last = await store.list('p1', { limit: 3, afterId: 'w002' });
    expect([last.items.map((w) => w.id), last.hasMore]).toEqual([['w003', 'w004', 'w005'], false]);
    expect(await store.list('p3', { limit: 2 })).toEqual({ items: [], hasMore: false });
    for (let n = 10; n < 110; n++) await store.create(hook(n), 200);
    const all = await store.listAll('p1');
    expect(all).toHaveLength(105);
    expect(all.map((w) => w.id)).toEqual([...all.map((w) => w.id)].sort());
  });

  it('updates the fields given, keeps the others, removes those set to null; an unknown webhook is not created', async () => {
    const store = await make();
    await store.create(hook(1, { status: 'disabled', disabledReason: 'failing', disabledAt: T0, rateLimitPerSecond: 5, customHeaders: { names: ['X-A'], ciphertext: 'h' } }), 10);
    const updated = await store.update('p1', 'w001', {
      updatedAt: T1,
      url: 'https://example.com/new',
      status: 'active',
      activeSince: T1,
      disabledReason: null,
      disabledAt: null,
      rateLimitPerSecond: null,
      customHeaders: null,
      ordering: 'per_entity',
    });
    const expected = hook(1, { url: 'https://example.com/new', updatedAt: T1, activeSince: T1, ordering: 'per_entity' });
    expect(updated).toEqual(expected);
    expect(await store.get('p1', 'w001')).toEqual(expected);
    expect(await store.update('p1', 'w001', { updatedAt: T2, events: ['order.filled'], rateLimitPerSecond: 9 })).toEqual({ ...expected, updatedAt: T2, events: ['order.filled'], rateLimitPerSecond: 9 });
    expect(await store.update('p1', 'w404', { updatedAt: T1, url: 'https://example.com/x' })).toBeUndefined();
    expect(await store.update('p2', 'w001', { updatedAt: T1, url: 'https://example.com/x' })).toBeUndefined();
    expect(await store.get('p1', 'w404')).toBeUndefined();
    expect(await store.get('p1', 'w001')).toMatchObject({ url: 'https://example.com/new' });
  });

  it('rotates the secret, keeping the one replaced until it expires (or not at all); the next update after that erases it', async () => {
    const store = await make();
    await store.create(hook(1, { secretCiphertext: 's1' }), 10);
    expect(await store.rotateSecret('p1', 'w001', { secretCiphertext: 's2', previousExpiresAt: T1, updatedAt: T0 })).toBe(true);
    expect(await store.get('p1', 'w001')).toMatchObject({ secretCiphertext: 's2', previousSecret: { ciphertext: 's1', expiresAt: T1 }, updatedAt: T0 });
    // An update before the expiry keeps it.
    expect(await store.update('p1', 'w001', { updatedAt: T0, url: 'https://example.com/a' })).toMatchObject({ previousSecret: { ciphertext: 's1' } });
    // An update at or after it erases it, in what it returns and in the table.
    expect(await store.update('p1', 'w001', { updatedAt: T1, url: 'https://example.com/b' })).not.toHaveProperty('previousSecret');
    expect(await store.get('p1', 'w001')).not.toHaveProperty('previousSecret');
    expect(await store.rotateSecret('p1', 'w001', { secretCiphertext: 's3', previousExpiresAt: T2, updatedAt: T1 })).toBe(true);
    expect(await store.rotateSecret('p1', 'w001', { secretCiphertext: 's4', updatedAt: T2 })).toBe(true);
    const rotated = await store.get('p1', 'w001');
    expect(rotated).toMatchObject({ secretCiphertext: 's4', updatedAt: T2 });
    expect(rotated).not.toHaveProperty('previousSecret');
    expect(await store.rotateSecret('p1', 'w404', { secretCiphertext: 's', updatedAt: T2 })).toBe(false);
    expect(await store.rotateSecret('p2', 'w001', { secretCiphertext: 's', updatedAt: T2 })).toBe(false);
    expect(await store.get('p1', 'w404')).toBeUndefined();
  });

  it('disables from the delivery path only in the active period it saw, and only once', async () => {
    const store = await make();
    await store.create(hook(1, { activeSince: T0 }), 10);
    expect(await store.disable('p1', 'w001', { activeSince: T1 }, 'gone', T2)).toBe(false); // a PATCH re-activated it since
    expect(await store.get('p1', 'w001')).toMatchObject({ status: 'active' });
    expect(await store.disable('p1', 'w001', { activeSince: T0 }, 'gone', T2)).toBe(true);
    expect(await store.get('p1', 'w001')).toEqual(hook(1, { activeSince: T0, status: 'disabled', disabledReason: 'gone', disabledAt: T2, updatedAt: T2 }));
    expect(await store.disable('p1', 'w001', { activeSince: T0 }, 'failing', T2)).toBe(false);
    expect(await store.get('p1', 'w001')).toMatchObject({ disabledReason: 'gone' });
    expect(await store.disable('p1', 'w404', { activeSince: T0 }, 'gone', T2)).toBe(false);
    expect(await store.get('p1', 'w404')).toBeUndefined();
  });
});

// What the fake does not model: the counter item and its repair after a crash, and items written before fields existed.
describe('webhooks: WebhookStore on dynalite, the stored items', () => {
  let name: string;
  let store: WebhookStore;
  beforeEach(async () => {
    name = await dynalite.table('webhooks');
    store = new WebhookStore(dynalite.db, name);
  });
  const counter = async () => (await dynalite.db.send(new GetCommand({ TableName: name, Key: { partner_id: 'p1', sk: 'partner' } }))).Item;
  const setCounter = (count: number, countedAt?: number) =>
    dynalite.db.send(new PutCommand({ TableName: name, Item: { partner_id: 'p1', sk: 'partner', webhook_count: count, ...(countedAt === undefined ? {} : { counted_at: countedAt }) } }));

  it('counts creates and deletes in the partner\'s counter item', async () => {
    await store.create(hook(1), 3);
    await store.create(hook(2), 3);
    expect(await counter()).toMatchObject({ webhook_count: 2 });
    await store.delete('p1', 'w001');
    expect(await counter()).toMatchObject({ webhook_count: 1 });
    expect(await store.delete('p1', 'w001')).toBe(false);
    expect(await counter()).toMatchObject({ webhook_count: 1 });
  });

  it('heals a counter a crash left too high once it has settled, and never one that moved lately', async () => {
    await store.create(hook(1), 3);
    await setCounter(3, Date.now() - 1000); // a create may still be in flight
    expect(await store.create(hook(2), 3)).toBe(false);
    expect(await counter()).toMatchObject({ webhook_count: 3 });
    await setCounter(3, Date.now() - COUNTER_SETTLE_MS - 1000);
    expect(await store.create(hook(2), 3)).toBe(true);
    expect(await counter()).toMatchObject({ webhook_count: 2 });
    // A counter written before counted_at existed settles at once.
    await setCounter(3);
    expect(await store.create(hook(3), 3)).toBe(true);
    expect(await store.create(hook(4), 3)).toBe(false);
    expect(await counter()).toMatchObject({ webhook_count: 3 });
  });

  it('gives back the counter\'s place when the webhook\'s own write fails', async () => {
    await store.create(hook(1), 3);
    await dynalite.db.send(new DeleteCommand({ TableName: name, Key: { partner_id: 'p1', sk: 'partner' } }));
    // The same id again: its put is refused (attribute_not_exists), not swallowed.
    await expect(store.create(hook(1), 3)).rejects.toThrow();
    expect(await counter()).toMatchObject({ webhook_count: 0 });
  });

  it('reads a webhook written before active periods and disable reasons were kept', async () => {
    await dynalite.db.send(new PutCommand({ TableName: name, Item: { partner_id: 'p1', sk: 'webhook#w001', id: 'w001', url: 'https://example.com/w001', status: 'disabled', created_at: T0, updated_at: T1, secret_ciphertext: 'c' } }));
    expect(await store.get('p1', 'w001')).toEqual({
      id: 'w001', partnerId: 'p1', url: 'https://example.com/w001', events: [], status: 'disabled', createdAt: T0, updatedAt: T1, activeSince: T0, disabledReason: 'manual', disabledAt: T1, secretCiphertext: 'c',
    });
    // The delivery path's disable of such a webhook, when active, takes its creation as the period's start.
    await store.update('p1', 'w001', { updatedAt: T1, status: 'active', disabledReason: null, disabledAt: null });
    expect(await store.disable('p1', 'w001', { activeSince: T0 }, 'failing', T2)).toBe(true);
  });
});
