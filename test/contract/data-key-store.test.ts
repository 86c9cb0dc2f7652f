// One set of cases for the secrets cipher's shared data key, run against the store on dynalite
// (through the SDK, as the functions use it) and against the in-memory one the cipher's unit tests
// and the bench use, so neither can pass on behaviour the other never had: the key is replaced
// only over the one the writer saw, and a writer that lost is handed the winner's.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DATA_KEY_ITEM, DynamoDataKeyStore, InMemoryDataKeyStore } from '../../lambdas/stores/data-key-store.js';
import type { DataKeyStore } from '../../lambdas/stores/kms-secret-cipher.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

/** A fresh table per case, so cases never see each other's keys. */
const storeOnDynalite = async (): Promise<DataKeyStore> => new DynamoDataKeyStore(dynalite.db, await dynalite.table('webhooks'));

const key = (n: number) => ({ wrapped: `wrapped-${n}`, createdAt: 1_780_000_000_000 + n });

describe.each([
  ['DynamoDataKeyStore on dynalite', storeOnDynalite],
  ['InMemoryDataKeyStore', async (): Promise<DataKeyStore> => new InMemoryDataKeyStore()],
])('data key: %s', (_name, make) => {
  it('stores the first key where none is; a second first key is handed the one stored', async () => {
    const store = await make();
    expect(await store.current()).toBeUndefined();
    expect(await store.replace(key(1), undefined)).toEqual(key(1));
    expect(await store.replace(key(2), undefined)).toEqual(key(1));
    expect(await store.current()).toEqual(key(1));
  });

  it('replaces the key only over the one the writer saw, and hands a writer that lost the winner\'s', async () => {
    const store = await make();
    await store.replace(key(1), undefined);
    expect(await store.replace(key(2), key(1))).toEqual(key(2));
    expect(await store.replace(key(3), key(1))).toEqual(key(2));
    // The same wrapped key made at another time is another key.
    expect(await store.replace(key(4), { wrapped: key(2).wrapped, createdAt: key(1).createdAt })).toEqual(key(2));
    expect(await store.current()).toEqual(key(2));
  });

  it('stores nothing over a key that is not there', async () => {
    const store = await make();
    expect(await store.replace(key(2), key(1))).toEqual(key(2));
    expect(await store.current()).toBeUndefined();
  });
});

// What the in-memory store does not model: the item's place in the webhooks table, and an item not written by this store.
describe('data key: DynamoDataKeyStore on dynalite, the stored item', () => {
  it('reads an item that is not a whole key as no key', async () => {
    const name = await dynalite.table('webhooks');
    await dynalite.db.send(new PutCommand({ TableName: name, Item: { ...DATA_KEY_ITEM, wrapped: 'w' } }));
    expect(await new DynamoDataKeyStore(dynalite.db, name).current()).toBeUndefined();
  });
});
