// SPEC §11 per_entity ordering, the pure parts: which entity an event is about, and keys that
// sort as the acceptance time; and the fan-out's part: ordered webhooks' jobs put in their line
// before their messages, with the same keys again when a crashed fan-out is finished.
import { FanOut } from '../../lambdas/delivery/fan-out.js';
import { jobFromWire, jobOf, jobToWire, type StoredJob } from '../../lambdas/domain/delivery.js';
import { entityKeyFor, entityOf, seqKeyFor } from '../../lambdas/domain/ordering.js';
import { FakeEvents, FakeFanOutLeases, FakeHistory, FakeJobs, FakeOrderedJobs, FakeQueue, jobFixture, webhookFixture, publishedEventFixture } from '../support/delivery-fakes.js';

describe('entityOf', () => {
  it('is the order for order.*, the account for account.* and funding.*', () => {
    expect(entityOf('order.filled', { order_id: 'o1', account_id: 'a1' })).toBe('order:o1');
    expect(entityOf('account.closed', { account_id: 'a1' })).toBe('account:a1');
    expect(entityOf('funding.deposit_completed', { account_id: 'a1', activity_id: 'x' })).toBe('account:a1');
  });

  it('is none for other events, or when the id is missing or not a string', () => {
    expect(entityOf('webhook.test', { webhook_id: 'w1' })).toBeUndefined();
    expect(entityOf('order.filled', {})).toBeUndefined();
    expect(entityOf('order.filled', { order_id: 7 })).toBeUndefined();
    expect(entityOf('account.closed', { account_id: '' })).toBeUndefined();
  });
});

describe('ordering keys', () => {
  it('sorts as the acceptance time (not as text of different lengths), then the event id', () => {
    const keys = [seqKeyFor(10_000_000, 'b'), seqKeyFor(9_999_999, 'z'), seqKeyFor(10_000_000, 'a')];
    expect([...keys].sort()).toEqual([seqKeyFor(9_999_999, 'z'), seqKeyFor(10_000_000, 'a'), seqKeyFor(10_000_000, 'b')]);
    expect(entityKeyFor('w1', 'order:o1')).toBe('w1#order:o1');
  });

  it('travels with the job and is kept in the stored job (its retries keep their place)', () => {
    const job = jobFixture({ order: { entityKey: 'w1#order:o1', seqKey: seqKeyFor(1, 'e1') } });
    expect(jobFromWire(jobToWire(job))).toEqual(job);
    const stored: StoredJob = { ...job, status: 'pending', nextAttemptAt: 0, parked: true, createdAt: 'c', updatedAt: 'u' };
    expect(jobOf(stored).order).toEqual(job.order);
  });
});

const event = publishedEventFixture;

function setup() {
  const webhooks = [webhookFixture('plain'), webhookFixture('ordered', { ordering: 'per_entity' })];
  const orderedJobs = new FakeOrderedJobs();
  const order: string[] = [];
  const queue = new FakeQueue();
  const deps = {
    webhooks: { listAll: async () => webhooks },
    events: new FakeEvents(),
    leases: new FakeFanOutLeases(),
    queue: {
      send: async (...args: Parameters<FakeQueue['send']>) => {
        order.push('send');
        return queue.send(...args);
      },
    },
    jobs: new FakeJobs(),
    history: new FakeHistory(),
    orderedJobs: {
      put: async (...args: Parameters<FakeOrderedJobs['put']>) => {
        order.push('put');
        return orderedJobs.put(...args);
      },
      remove: orderedJobs.remove.bind(orderedJobs),
    },
  };
  const clock = { now: Date.parse('2026-06-01T00:00:01.000Z') };
  const fanOut = new FanOut({ ...deps, fanOutLeaseMs: 60_000, now: () => new Date(clock.now) });
  const jobs = () => queue.sent.flatMap((s) => (s.message.kind === 'deliver' ? [jobFromWire(s.message.job)] : []));
  return { deps, fanOut, clock, orderedJobs, order, queue, jobs };
}

describe('FanOut with an ordered webhook', () => {
  it('puts the ordered webhook’s job in its entity’s line before queueing, and marks only that job', async () => {
    const t = setup();
    await t.fanOut.fanOut(event(), 'eb-1');
    expect(t.order).toEqual(['put', 'send']);
    const [plain, ordered] = t.jobs();
    expect(plain!.order).toBeUndefined();
    expect(ordered!.order).toEqual({ entityKey: 'ordered#order:o1', seqKey: seqKeyFor(Date.parse('2026-06-01T00:00:01.000Z') * 1000, 'e1') });
    expect(await t.orderedJobs.head('ordered#order:o1')).toEqual({ ...ordered!.order, webhookId: 'ordered', eventId: 'e1' });
  });

  it('gives two events accepted in the same millisecond distinct places, in acceptance order', async () => {
    const t = setup();
    await t.fanOut.fanOut(event({ eventId: 'e-late-id' }), 'eb-1');
    await t.fanOut.fanOut(event({ eventId: 'e-a' }), 'eb-2');
    const [first, second] = t.jobs().filter((j) => j.order).map((j) => j.order!.seqKey);
    expect(first! < second!).toBe(true);
    expect((await t.orderedJobs.head('ordered#order:o1'))?.eventId).toBe('e-late-id');
  });

  it('puts nothing in a line for an event about no entity', async () => {
    const t = setup();
    await t.fanOut.fanOut(event({ eventType: 'order.filled', data: {} }), 'eb-1');
    expect(t.jobs().every((j) => j.order === undefined)).toBe(true);
    expect(t.orderedJobs.lines.size).toBe(0);
  });

  it('finishes a crashed fan-out with the very same keys (the line holds one item for the job)', async () => {
    const t = setup();
    const stuck = new FanOut({ ...t.deps, queue: { send: () => new Promise<never>(() => undefined) }, fanOutLeaseMs: 60_000, now: () => new Date(t.clock.now) });
    void stuck.fanOut(event(), 'eb-1');
    await new Promise((resolve) => setImmediate(resolve));
    const before = await t.orderedJobs.head('ordered#order:o1');
    expect(before).toBeDefined();
    t.clock.now += 61_000;
    await t.fanOut.finishAbandoned('sweeper');
    expect(t.jobs().find((j) => j.order)?.order?.seqKey).toBe(before!.seqKey);
    expect(t.orderedJobs.lines.get('ordered#order:o1')?.size).toBe(1);
  });

  it('takes a job the queue refuses out of its line (it ended failed)', async () => {
    const t = setup();
    t.queue.refuse.add('e1');
    await t.fanOut.fanOut(event(), 'eb-1');
    expect(await t.orderedJobs.head('ordered#order:o1')).toBeUndefined();
  });
});
