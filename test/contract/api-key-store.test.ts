// The API keys table on dynalite (through the SDK, as the functions and the keys CLI use it). No
// fake stands in for the whole store (the auth unit tests keep a get/put map of their own), so these
// are the store's cases only: a record read back whole, the admin listing, and the revoke's
// conditional write (stores/conditional.ts) — once, and never creating a key.
import type { ApiKeyRecord } from '../../lambdas/domain/api-keys.js';
import { ApiKeyStore } from '../../lambdas/stores/api-key-store.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

let dynalite: DynaliteTables;
let store: ApiKeyStore;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
  store = new ApiKeyStore(dynalite.db, await dynalite.table('apiKeys'));
});
afterAll(() => dynalite?.stop());

const record = (apiKey: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  apiKey,
  partnerId: 'p1',
  scopes: ['webhooks:read'],
  secretHash: `hash-${apiKey}`,
  createdAt: '2026-06-01T00:00:00.000Z',
  ...overrides,
});

describe('API keys: ApiKeyStore on dynalite', () => {
  it('reads a key back whole, and none that was not put', async () => {
    const key = record('bmk_a', { scopes: ['webhooks:read', 'webhooks:write'] });
    await store.put(key);
    expect(await store.get('bmk_a')).toEqual(key);
    expect(await store.get('bmk_none')).toBeUndefined();
  });

  it('lists keys oldest first, all or one partner\'s', async () => {
    await store.put(record('bmk_l2', { partnerId: 'lp', createdAt: '2026-06-01T00:00:02.000Z' }));
    await store.put(record('bmk_l1', { partnerId: 'lp', createdAt: '2026-06-01T00:00:01.000Z' }));
    await store.put(record('bmk_l3', { partnerId: 'lq', createdAt: '2026-06-01T00:00:00.500Z' }));
    expect((await store.list('lp')).map((r) => r.apiKey)).toEqual(['bmk_l1', 'bmk_l2']);
    const all = (await store.list()).map((r) => r.apiKey);
    expect(all.indexOf('bmk_l3')).toBeLessThan(all.indexOf('bmk_l1'));
  });

  it('revokes a key once (a second revoke keeps the first time), and never creates one', async () => {
    await store.put(record('bmk_r'));
    expect(await store.revoke('bmk_r', '2026-06-02T00:00:00.000Z')).toEqual(record('bmk_r', { revokedAt: '2026-06-02T00:00:00.000Z' }));
    expect(await store.revoke('bmk_r', '2026-06-03T00:00:00.000Z')).toMatchObject({ revokedAt: '2026-06-02T00:00:00.000Z' });
    expect(await store.get('bmk_r')).toMatchObject({ revokedAt: '2026-06-02T00:00:00.000Z' });
    expect(await store.revoke('bmk_unknown', '2026-06-02T00:00:00.000Z')).toBeUndefined();
    expect(await store.get('bmk_unknown')).toBeUndefined();
  });
});
