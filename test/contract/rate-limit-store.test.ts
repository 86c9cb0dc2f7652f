// One set of cases for the rate-limit table, run against the store on dynalite (through the SDK, as
// the functions use it) and against the in-memory fakes the limiter, auth and worker unit tests use,
// so no fake can pass on behaviour the store never had: the per-key state written over the version
// read, a webhook's slot schedule moved only from the slot read, the failure counter's places.
// (The gate over the schedule, with concurrent instances: test/contract/slot-schedule.test.ts.)
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { FailureCounter } from '../../lambdas/domain/auth-failure-limiter.js';
import type { SlotScheduleStore } from '../../lambdas/domain/delivery-rate.js';
import type { RateLimitState, RateLimitStateStore } from '../../lambdas/domain/rate-limiter.js';
import { RateLimitStore } from '../../lambdas/stores/rate-limit-store.js';
import { failureCounterContract, memoryFailureCounter } from '../support/failure-counter.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';
import { memoryRateLimitStates, memorySlotSchedule } from '../support/rate-limit-fakes.js';

type RateLimits = RateLimitStateStore & SlotScheduleStore;

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const EXP = Math.floor(T0 / 1000) + 120;

let dynalite: DynaliteTables;
let table: string;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
  table = await dynalite.table('rateLimits');
});
afterAll(() => dynalite?.stop());

/** One table for the file: each case uses keys of its own. */
const storeOnDynalite = () => new RateLimitStore(dynalite.db, table);
let n = 0;
const unique = () => `k${++n}`;

const state = (second: number): RateLimitState => ({ second: [[T0 / 1000, second, 0]], minute: [[T0 / 60_000, second, 0]] });

describe.each([
  ['RateLimitStore on dynalite', (): RateLimits => storeOnDynalite()],
  ['in-memory rate-limit state and slot schedule', (): RateLimits => ({ ...memoryRateLimitStates(), ...memorySlotSchedule() })],
])('rate limits: %s', (_name, make) => {
  it('writes a key\'s first state only where none is, then only over the version read', async () => {
    const store = make();
    const key = unique();
    expect(await store.read(key)).toBeUndefined();
    expect(await store.write(key, state(1), undefined, EXP)).toBe(true);
    expect(await store.write(key, state(9), undefined, EXP)).toBe(false);
    expect(await store.read(key)).toEqual({ state: state(1), version: 1 });
    expect(await store.write(key, state(2), 1, EXP)).toBe(true);
    expect(await store.write(key, state(3), 1, EXP)).toBe(false);
    expect(await store.write(key, state(3), 3, EXP)).toBe(false);
    expect(await store.read(key)).toEqual({ state: state(2), version: 2 });
    // Another key is another state.
    expect(await store.write(unique(), state(5), 2, EXP)).toBe(false);
  });

  it('keeps the state as written: changing what was written or read changes nothing stored', async () => {
    const store = make();
    const key = unique();
    const written = state(1);
    await store.write(key, written, undefined, EXP);
    written.second[0]![1] = 99;
    const read = (await store.read(key))!;
    expect(read.state).toEqual(state(1));
    read.state.minute.push([1, 2, 3]);
    expect(await store.read(key)).toEqual({ state: state(1), version: 1 });
  });

  it('moves a webhook\'s next free slot only from the slot it read', async () => {
    const store = make();
    const id = unique();
    expect(await store.readSchedule(id)).toBeUndefined();
    expect(await store.advanceSchedule(id, { nextAt: T0 }, T0 + 100)).toBe(false);
    expect(await store.advanceSchedule(id, undefined, T0 + 100)).toBe(true);
    expect(await store.advanceSchedule(id, undefined, T0 + 200)).toBe(false);
    expect(await store.readSchedule(id)).toEqual({ nextAt: T0 + 100 });
    expect(await store.advanceSchedule(id, { nextAt: T0 + 100 }, T0 + 300)).toBe(true);
    expect(await store.advanceSchedule(id, { nextAt: T0 + 100 }, T0 + 400)).toBe(false);
    expect(await store.readSchedule(id)).toEqual({ nextAt: T0 + 300 });
    // A webhook's schedule and a key's state of the same name are apart.
    expect(await store.read(id)).toBeUndefined();
  });
});

describe.each([
  ['RateLimitStore on dynalite', (): FailureCounter => storeOnDynalite()],
  ['memoryFailureCounter', memoryFailureCounter],
])('failure counter: %s', (_name, make) => {
  failureCounterContract(make, unique);
});

// What the fakes do not model: the items' expiry (DynamoDB TTL).
describe('rate limits: RateLimitStore on dynalite, the stored items', () => {
  const raw = async (bucket: string) => (await dynalite.db.send(new GetCommand({ TableName: table, Key: { bucket } }))).Item;

  it('expires a key\'s state when the writer says, a schedule an hour past its slot, a counter when its first place was taken', async () => {
    const store = storeOnDynalite();
    const [key, id, bucket] = [unique(), unique(), `authfail#${unique()}`];
    await store.write(key, state(1), undefined, EXP);
    await store.write(key, state(2), 1, EXP + 7);
    expect(await raw(`key#${key}`)).toMatchObject({ version: 2, expires_at: EXP + 7 });
    await store.advanceSchedule(id, undefined, T0 + 1500);
    expect(await raw(`webhook-rate#${id}`)).toMatchObject({ next_at: T0 + 1500, expires_at: Math.ceil((T0 + 1500) / 1000) + 3600 });
    await store.reserve(bucket, 5, EXP);
    await store.reserve(bucket, 5, EXP + 60);
    expect(await raw(bucket)).toMatchObject({ hits: 2, expires_at: EXP });
  });

  it('reads a key\'s item without a version as no state', async () => {
    const store = storeOnDynalite();
    const key = unique();
    await store.advanceSchedule(key, undefined, T0);
    expect(await store.read(key)).toBeUndefined();
  });
});
