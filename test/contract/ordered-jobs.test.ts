// One set of cases for the ordered jobs' lines (SPEC §11 per_entity), run against the store on
// dynalite (through the SDK, as the functions use it) and against the in-memory fake the unit
// tests use, so the fake cannot pass on behaviour the store never had.
import { entityKeyFor, seqKeyFor } from '../../lambdas/domain/ordering.js';
import { OrderedJobStore, type OrderedJob, type OrderedJobs } from '../../lambdas/stores/ordered-job-store.js';
import { FakeOrderedJobs } from '../support/delivery-fakes.js';
import { type DynaliteTables, startDynaliteTables } from '../support/dynalite-tables.js';

let dynalite: DynaliteTables;

beforeAll(async () => {
  dynalite = await startDynaliteTables();
});
afterAll(() => dynalite?.stop());

/** A fresh table per case, so cases never see each other's lines. */
const storeOnDynalite = async (): Promise<OrderedJobs> => new OrderedJobStore(dynalite.db, await dynalite.table('orderedJobs'));

const T0 = Date.parse('2026-06-01T00:00:00.000Z') * 1000;
const line = entityKeyFor('w1', 'order:o1');
const job = (micros: number, eventId: string, entityKey = line): OrderedJob => ({ entityKey, seqKey: seqKeyFor(micros, eventId), webhookId: 'w1', eventId });

describe.each([
  ['OrderedJobStore on dynalite', storeOnDynalite],
  ['FakeOrderedJobs', async (): Promise<OrderedJobs> => new FakeOrderedJobs()],
])('ordered jobs: %s', (_name, make) => {
  it('has no head for an empty line', async () => {
    const lines = await make();
    expect(await lines.head(line)).toBeUndefined();
  });

  it('gives the oldest job as the head, whatever order they were put in, and the next once it is removed', async () => {
    const lines = await make();
    const [a, b, c] = [job(T0, 'e-c'), job(T0 + 1, 'e-a'), job(T0 + 1_000_000, 'e-b')];
    await lines.put([c!, a!]);
    await lines.put([b!]);
    expect(await lines.head(line)).toEqual(a);
    await lines.remove(a!.entityKey, a!.seqKey);
    expect(await lines.head(line)).toEqual(b);
    await lines.remove(b!.entityKey, b!.seqKey);
    expect(await lines.head(line)).toEqual(c);
  });

  it('takes the same job put twice as one (a finisher), and removing a job that is gone is no error', async () => {
    const lines = await make();
    const a = job(T0, 'e1');
    await lines.put([a]);
    await lines.put([a]);
    await lines.remove(a.entityKey, a.seqKey);
    expect(await lines.head(line)).toBeUndefined();
    await expect(lines.remove(a.entityKey, a.seqKey)).resolves.toBeUndefined();
  });

  it('keeps lines apart: other entities and other webhooks never share a head', async () => {
    const lines = await make();
    const other = job(T0 - 5, 'e0', entityKeyFor('w1', 'order:o2'));
    const otherHook = job(T0 - 9, 'e9', entityKeyFor('w2', 'order:o1'));
    const mine = job(T0, 'e1');
    await lines.put([other, otherHook, mine]);
    expect(await lines.head(line)).toEqual(mine);
    expect(await lines.head(other.entityKey)).toEqual(other);
  });
});
