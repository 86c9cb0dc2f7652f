// The delivery history spread over HISTORY_SHARDS partitions per webhook (stores/delivery-store.ts),
// on dynalite: attempts land in several partitions, a listing pages through all of them newest
// first with one attempt id as the cursor — unfiltered and filtered — and attempts stored before
// the history was sharded (all under the bare webhook id) are still listed.
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import type { DeliveryAttempt } from '../../lambdas/domain/delivery.js';
import { attemptToItem, DeliveryStore, HISTORY_SHARDS } from '../../lambdas/stores/delivery-store.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

const attempt = (webhookId: string, i: number): DeliveryAttempt => ({
  id: uuidv7(),
  webhookId,
  eventId: `e${i}`,
  eventType: 'order.filled',
  status: i % 3 === 0 ? 'succeeded' : 'failed',
  httpStatus: i % 3 === 0 ? 200 : 503,
  responseTimeMs: 5,
  attemptNumber: 1,
  attemptedAt: new Date(Date.parse('2026-06-01T00:00:00Z') + i * 1000).toISOString(),
  nextRetryAt: null,
  error: null,
});

/** Every page of a listing, following the cursor. */
async function walk(store: DeliveryStore, webhookId: string, limit: number, filter: { status?: 'succeeded' | 'failed'; eventId?: string } = {}) {
  const pages: DeliveryAttempt[][] = [];
  let beforeId: string | undefined;
  do {
    const page = await store.list(webhookId, { limit, beforeId, ...filter });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page.items);
    beforeId = page.nextBeforeId;
  } while (beforeId && pages.length < 100);
  return pages;
}

describe('delivery history shards', () => {
  let store: DeliveryStore;
  let table: string;
  const webhookId = 'wh_sharded';
  const stored: DeliveryAttempt[] = [];

  beforeAll(async () => {
    table = await dynalite.table('deliveries');
    store = new DeliveryStore(dynalite.db, table);
    for (let i = 0; i < 60; i++) stored.push(attempt(webhookId, i));
    // Two attempts written before the history was sharded: under the bare webhook id, whatever their id's shard.
    const legacy = [attempt(webhookId, 60), attempt(webhookId, 61)];
    for (const a of legacy) await dynalite.db.send(new PutCommand({ TableName: table, Item: { ...attemptToItem(a), webhook_id: webhookId } }));
    stored.push(...legacy);
    await store.record(stored.slice(0, 60));
    await store.record([attempt('wh_other', 0)]);
  });

  it('spreads one webhook\'s attempts over several partitions, and reads them back under the webhook\'s id', async () => {
    const items = (await dynalite.db.send(new ScanCommand({ TableName: table }))).Items ?? [];
    const partitions = new Set(items.filter((i) => String(i.webhook_id).startsWith(webhookId)).map((i) => i.webhook_id));
    expect(partitions.size).toBeGreaterThan(HISTORY_SHARDS / 2);
    const [first] = await walk(store, webhookId, 100);
    expect(first!.every((a) => a.webhookId === webhookId)).toBe(true);
  });

  it('pages through every shard newest first, each attempt once, the legacy ones included', async () => {
    const pages = await walk(store, webhookId, 7);
    const listed = pages.flat();
    const newestFirst = [...stored].sort((a, b) => (a.id < b.id ? 1 : -1));
    expect(listed.map((a) => a.id)).toEqual(newestFirst.map((a) => a.id));
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(listed[0]).toEqual(newestFirst[0]);
  });

  it('filters while paging (status, event_id) and still lists every match once, in order', async () => {
    const succeeded = (await walk(store, webhookId, 4, { status: 'succeeded' })).flat();
    expect(succeeded.map((a) => a.id)).toEqual(stored.filter((a) => a.status === 'succeeded').sort((a, b) => (a.id < b.id ? 1 : -1)).map((a) => a.id));
    const one = (await walk(store, webhookId, 10, { eventId: 'e61' })).flat();
    expect(one.map((a) => a.eventId)).toEqual(['e61']);
  });

  it('writing an attempt again overwrites it (its partition is fixed by its id)', async () => {
    const again = { ...stored[5]!, error: 'rewritten' };
    await store.record([again]);
    const listed = (await walk(store, webhookId, 100)).flat();
    expect(listed.filter((a) => a.id === again.id)).toEqual([again]);
    expect(listed).toHaveLength(stored.length);
  });
});
