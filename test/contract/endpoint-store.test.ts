// One set of cases for the endpoints table (endpoint health), run against the store on dynalite
// (through the SDK, as the functions use it) and against the in-memory fake the worker unit tests
// use, so the fake cannot pass on behaviour the store never had: each write conditional on the
// version read, one probe per interval, and two delivery instances (trackers with their own
// caches) never writing over each other's transition.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { EndpointTracker } from '../../lambdas/delivery/endpoint-tracker.js';
import { type EndpointHealth, halfOpened, healthyEndpoint, type IsolationPolicy } from '../../lambdas/domain/endpoint-health.js';
import { EndpointStore } from '../../lambdas/stores/endpoint-store.js';
import { RETENTION_DAYS } from '../../lambdas/stores/table-definitions.js';
import { FakeEndpointStore } from '../support/delivery-fakes.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

type Endpoints = Pick<EndpointStore, 'get' | 'getMany' | 'save' | 'change' | 'takeProbe'>;

const POLICY: IsolationPolicy = { slowAfterMs: 1000, maxInFlight: 4, overflowAfterMs: 250, failureThreshold: 5, probeIntervalMs: 60_000, fastStreakToReturn: 3, successRefreshMs: 300_000, probeAnswerMs: 12_000 };
const NOW = new Date('2026-06-01T12:00:00.000Z');

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

/** A fresh table per case, so cases never see each other's endpoints. */
const storeOnDynalite = async (): Promise<Endpoints> => new EndpointStore(dynalite.db, await dynalite.table('endpoints'));
const tracker = (store: Endpoints) => new EndpointTracker({ store: store as EndpointStore, policy: POLICY, cacheTtlMs: 60_000, now: () => NOW });

describe.each([
  ['EndpointStore on dynalite', storeOnDynalite],
  ['FakeEndpointStore', async (): Promise<Endpoints> => new FakeEndpointStore()],
])('endpoint health: %s', (_name, make) => {
  it('writes each change over the version read, and refuses a write from a stale copy', async () => {
    const store = await make();
    const first: EndpointHealth = { ...healthyEndpoint('w1'), consecutiveFailures: 1 };
    expect(await store.get('w1', { consistent: true })).toBeUndefined();
    expect(await store.save(first, NOW)).toBe(true);
    expect(await store.get('w1', { consistent: true })).toEqual({ ...first, version: 1 });
    expect(await store.save({ ...first, consecutiveFailures: 9 }, NOW)).toBe(false); // still version 0: stale
    expect(await store.save({ ...first, consecutiveFailures: 2, version: 2 }, NOW)).toBe(false); // a version never read
    expect(await store.save({ ...first, consecutiveFailures: 2, version: 1 }, NOW)).toBe(true);
    expect(await store.get('w1', { consistent: true })).toMatchObject({ consecutiveFailures: 2, version: 2 });
  });

  it('reads a copy: changing what was read changes nothing stored', async () => {
    const store = await make();
    await store.save({ ...healthyEndpoint('w1'), lane: 'slow' }, NOW);
    const read = (await store.get('w1'))!;
    read.lane = 'fast';
    read.consecutiveFailures = 7;
    expect(await store.get('w1')).toMatchObject({ lane: 'slow', consecutiveFailures: 0, version: 1 });
  });

  it('reads the health of many webhooks at once: those that have any, each once, past the 100 keys of one request', async () => {
    const store = await make();
    const ids = Array.from({ length: 130 }, (_, i) => `w${i}`);
    for (const id of ids.filter((_, i) => i % 2 === 0)) await store.save({ ...healthyEndpoint(id), consecutiveFailures: Number(id.slice(1)) }, NOW);
    const found = await store.getMany([...ids, 'w0', 'w2', 'none']);
    expect([...found.keys()].sort()).toEqual(ids.filter((_, i) => i % 2 === 0).sort());
    expect(found.get('w128')).toEqual({ ...healthyEndpoint('w128'), consecutiveFailures: 128, version: 1 });
    expect((await store.getMany([])).size).toBe(0);
  });

  it('half-opens an open circuit, and leaves a closed one alone; one probe per interval', async () => {
    const store = await make();
    const t = NOW.getTime();
    expect(await store.change('w1', (h) => halfOpened(h, t), NOW)).toEqual(healthyEndpoint('w1'));
    expect(await store.get('w1', { consistent: true })).toBeUndefined();
    expect(await store.takeProbe('w1', t, t + 60_000, t)).toBe(false); // nothing stored: no probe to take
    await store.save({ ...healthyEndpoint('w1'), circuit: 'open', probeAt: t + 60_000, consecutiveFailures: 5 }, NOW);
    expect(await store.change('w1', (h) => halfOpened(h, t), NOW)).toMatchObject({ probeAt: t, version: 2 });
    expect(await store.takeProbe('w1', t, t + 60_000, t)).toBe(true);
    expect(await store.takeProbe('w1', t, t + 60_000, t)).toBe(false);
    expect(await store.get('w1', { consistent: true })).toMatchObject({ probeAt: t + 60_000, probeTakenAt: t, version: 3 });
    // The probe moved the version on: a copy read before it is stale.
    expect(await store.save({ ...healthyEndpoint('w1'), circuit: 'closed', version: 2 }, NOW)).toBe(false);
  });

  it('two instances racing: neither writes its transition over the other\'s (open→closed, slow→fast)', async () => {
    const store = await make();
    await store.save({ ...healthyEndpoint('w1'), lane: 'slow', circuit: 'open', probeAt: NOW.getTime(), consecutiveFailures: 5, fastStreak: 2 }, NOW);
    const a = tracker(store);
    const b = tracker(store);
    // Both instances read (and cache) the open circuit on the slow lane.
    await Promise.all([a.health('w1'), b.health('w1')]);
    // A's probe succeeds quickly: the circuit closes and, with its third quick success in a row, the endpoint returns to the fast lane.
    await a.recordResult('w1', { ok: true, timedOut: false, responseTimeMs: 20 }, 'slow');
    expect(await store.get('w1', { consistent: true })).toMatchObject({ circuit: 'closed', lane: 'fast', consecutiveFailures: 0 });
    // B, from its cached copy, records a failure that answered in time: one failure after A's success.
    const afterB = await b.recordResult('w1', { ok: false, timedOut: false, responseTimeMs: 20 }, 'slow');
    const stored = await store.get('w1', { consistent: true });
    expect(stored).toMatchObject({ circuit: 'closed', lane: 'fast', consecutiveFailures: 1, version: 3 });
    expect(afterB).toEqual(stored);
  });
});

// What the fake does not model: the item's expiry (DynamoDB TTL), and items written before writes were versioned.
describe('endpoint health: EndpointStore on dynalite, the stored item', () => {
  it('keeps an endpoint\'s health 30 days past its last change, and reads an item without a version as version 0', async () => {
    const name = await dynalite.table('endpoints');
    const store = new EndpointStore(dynalite.db, name);
    await store.save(healthyEndpoint('w1'), NOW);
    const { Item } = await dynalite.db.send(new GetCommand({ TableName: name, Key: { webhook_id: 'w1' } }));
    expect(Item).toMatchObject({ version: 1, expires_at: Math.floor(NOW.getTime() / 1000) + RETENTION_DAYS * 86_400 });
    const { version: _v, probe_taken_at: _p, failing_since: _f, ...older } = Item!;
    await dynalite.db.send(new PutCommand({ TableName: name, Item: { ...older, webhook_id: 'w2' } }));
    expect(await store.get('w2', { consistent: true })).toEqual({ ...healthyEndpoint('w2'), version: 0 });
    expect(await store.save({ ...healthyEndpoint('w2'), consecutiveFailures: 1 }, NOW)).toBe(true);
  });
});
