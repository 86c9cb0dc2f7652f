// One set of cases for the fan-out leases, run against the store on dynalite (through the SDK,
// as the functions use it) and against the in-memory fake the FanOut unit tests use, so the fake
// cannot pass on behaviour the store never had.
import { FanOutLeaseStore, type FanOutLeases, fanOutShardOf } from '../../lambdas/stores/fan-out-lease-store.js';
import { FakeFanOutLeases } from '../support/delivery-fakes.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const LEASE = 60_000;
const ref = { partnerId: 'p1', eventId: 'e1' };

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

/** A fresh table per case, so cases never see each other's leases. */
const storeOnDynalite = async (): Promise<FanOutLeases> => new FanOutLeaseStore(dynalite.db, await dynalite.table('fanOuts'));

describe.each([
  ['FanOutLeaseStore on dynalite', storeOnDynalite],
  ['FakeFanOutLeases', async (): Promise<FanOutLeases> => new FakeFanOutLeases()],
])('fan-out leases: %s', (_name, make) => {
  it('claims a free event, refuses another owner while the lease runs, and lets its own owner claim again', async () => {
    const leases = await make();
    expect(await leases.claim(ref, 'a', T0, T0 + LEASE)).toEqual({ claimed: true, unfinished: false });
    expect(await leases.claim(ref, 'b', T0 + 1, T0 + 1 + LEASE)).toEqual({ claimed: false });
    expect(await leases.claim(ref, 'a', T0 + 2, T0 + 2 + LEASE)).toEqual({ claimed: true, unfinished: true });
  });

  it('lets another owner take over once the lease ran out, and says the event was left unfinished', async () => {
    const leases = await make();
    await leases.claim(ref, 'a', T0, T0 + LEASE);
    expect(await leases.claim(ref, 'b', T0 + LEASE, T0 + 2 * LEASE)).toEqual({ claimed: true, unfinished: true });
    // a's lease is gone: its release and expiry no longer touch b's.
    await leases.release(ref, 'a');
    await leases.expire(ref, 'a');
    expect(await leases.claim(ref, 'c', T0 + LEASE + 1, T0 + 3 * LEASE)).toEqual({ claimed: false });
  });

  it('release frees the event: the next claim finds nothing unfinished', async () => {
    const leases = await make();
    await leases.claim(ref, 'a', T0, T0 + LEASE);
    await leases.release(ref, 'a');
    expect(await leases.claim(ref, 'b', T0 + 1, T0 + 1 + LEASE)).toEqual({ claimed: true, unfinished: false });
  });

  it('expire ends the lease now: another owner takes over at once', async () => {
    const leases = await make();
    await leases.claim(ref, 'a', T0, T0 + LEASE);
    await leases.expire(ref, 'a');
    expect(await leases.claim(ref, 'b', T0 + 1, T0 + 1 + LEASE)).toEqual({ claimed: true, unfinished: true });
  });

  it('lists per shard the leases run out by now, or claimed before a given time, and no others', async () => {
    const leases = await make();
    const refs = Array.from({ length: 40 }, (_, i) => ({ partnerId: 'p1', eventId: `e${i}` }));
    for (const [i, r] of refs.entries()) await leases.claim(r, 'a', T0 + i, T0 + i + (i % 2 === 0 ? 10 : LEASE));
    const all = async (now: number, before?: number) => {
      const shards = await Promise.all(Array.from({ length: 16 }, (_, s) => leases.listAbandoned(String(s), now, before)));
      for (const [s, found] of shards.entries()) for (const l of found) expect(fanOutShardOf(`${l.partnerId}/${l.eventId}`)).toBe(String(s));
      return shards.flat().map((l) => l.eventId).sort();
    };
    expect(await all(T0 + 100)).toEqual(refs.filter((_, i) => i % 2 === 0).map((r) => r.eventId).sort());
    expect(await all(T0, T0 + 5)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(await all(T0 + 2 * LEASE)).toHaveLength(40);
    const [found] = (await Promise.all(Array.from({ length: 16 }, (_, s) => leases.listAbandoned(String(s), T0 + 2 * LEASE)))).flat();
    expect(found).toMatchObject({ partnerId: 'p1', owner: 'a' });
  });
});
