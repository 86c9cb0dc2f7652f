// redeliverEvent with in-memory stores: a job changed by another writer between the read and the
// conditional write is read again; a redelivery whose attempt has not begun counts as this
// request's attempt (never a 500); a job that keeps changing is an error, not a silent 202.
import { healthyEndpoint } from '../../lambdas/domain/endpoint-health.js';
import { redeliverEvent, type RedeliveryDeps } from '../../lambdas/delivery/redelivery.js';
import { RequestedJobs } from '../../lambdas/delivery/requested-jobs.js';
import { Sweeper } from '../../lambdas/delivery/sweeper.js';
import type { StoredJob } from '../../lambdas/domain/delivery.js';
import { FakeEvents, FakeJobs, FakeQueue, jobFixture, webhookFixture } from '../support/delivery-fakes.js';

const EVENT = '0190a5b4-0000-7000-8000-000000000001';
const NOW = new Date('2026-06-02T00:00:00.000Z');

/** Before each of its first `races` saves, another writer stores the job's next version. */
class RacingJobs extends FakeJobs {
  constructor(
    private races: number,
    private readonly rival: (current: StoredJob | undefined) => StoredJob,
  ) {
    super();
  }
  override async save(job: StoredJob, expectedVersion: number) {
    if (this.races > 0) {
      this.races--;
      const current = await this.get(job.webhookId, job.eventId);
      await super.save(this.rival(current), current?.version ?? 0);
    }
    return super.save(job, expectedVersion);
  }
}

/** The rival's job: an attempt's write (queued by the fan-out at `queuedAt`), or a redelivery's (`requeuedAt`). */
const storedBy = (queuedAt: string, requeuedAt?: string) => (current: StoredJob | undefined): StoredJob => ({
  ...jobFixture({ webhookId: 'w1', eventId: EVENT, attempts: 1, version: (current?.version ?? 0) + 1, queuedAt }),
  data: undefined,
  status: 'pending',
  nextAttemptAt: NOW.getTime(),
  parked: false,
  ...(requeuedAt ? { requeuedAt } : {}),
  createdAt: queuedAt,
  updatedAt: queuedAt,
});

async function setup(jobs: FakeJobs) {
  const events = new FakeEvents();
  await events.putIfAbsent({ partnerId: 'p1', eventId: EVENT, eventType: 'order.filled', environment: 'sandbox', createdAt: '2026-06-01T00:00:00.000Z', data: { order_id: 'o1' }, webhookIds: ['w1'], fanOutId: 'f1' });
  const queue = new FakeQueue();
  const now = () => NOW;
  const deps: RedeliveryDeps = {
    webhooks: { require: async () => webhookFixture('w1'), endpointBack: async () => healthyEndpoint('w1') },
    events,
    jobs: { get: (w, e) => jobs.get(w, e) },
    history: { list: async () => ({ items: [{} as never] }) },
    requestedJobs: new RequestedJobs({ events, queue, jobs, requeueLeaseMs: 900_000, now }),
  };
  return { deps, queue };
}

describe('redeliverEvent', () => {
  it('reads a job changed by the delivery path again and queues the next attempt from its new state', async () => {
    // The rival is an attempt of the original message: queued before this request.
    const jobs = new RacingJobs(1, storedBy('2026-06-01T00:00:00.000Z'));
    const { deps, queue } = await setup(jobs);
    expect(await redeliverEvent(deps, 'p1', 'w1', EVENT)).toEqual({ event_id: EVENT, event_type: 'order.filled' });
    expect(queue.sent.map((s) => s.lane)).toEqual(['fast']);
    const message = queue.sent[0]!.message;
    expect(message.kind === 'deliver' && [message.job.version, message.job.attempts]).toEqual([2, 1]);
    expect((await jobs.get('w1', EVENT))?.queuedAt).toBe(NOW.toISOString());
  });

  it('takes a concurrent redelivery queued after the request as its own attempt, queueing nothing more', async () => {
    const jobs = new RacingJobs(1, storedBy(NOW.toISOString(), NOW.toISOString()));
    const { deps, queue } = await setup(jobs);
    expect(await redeliverEvent(deps, 'p1', 'w1', EVENT)).toEqual({ event_id: EVENT, event_type: 'order.filled' });
    expect(queue.sent).toHaveLength(0);
    expect((await jobs.get('w1', EVENT))?.version).toBe(1);
  });

  it('still queues its own attempt when the rival is the first attempt of an event fanned out after the request began', async () => {
    const jobs = new RacingJobs(1, storedBy(NOW.toISOString()));
    const { deps, queue } = await setup(jobs);
    await redeliverEvent(deps, 'p1', 'w1', EVENT);
    expect(queue.sent).toHaveLength(1);
    // Sent: the lease ends and the job leaves the sweeper's index.
    expect(await jobs.get('w1', EVENT)).toMatchObject({ version: 2, requeuedAt: NOW.toISOString() });
    expect((await jobs.get('w1', EVENT))?.leaseUntil).toBeUndefined();
  });

  it('takes a redelivery queued earlier whose attempt has not begun as its own; queues its own once that attempt began', async () => {
    const jobs = new FakeJobs();
    const { deps, queue } = await setup(jobs);
    await redeliverEvent(deps, 'p1', 'w1', EVENT);
    await redeliverEvent(deps, 'p1', 'w1', EVENT);
    expect(queue.sent).toHaveLength(1);
    // The worker claims the attempt (the job's next version, the attempt counted, `requeuedAt` gone).
    const { requeuedAt: _gone, ...queued } = (await jobs.get('w1', EVENT))!;
    expect(await jobs.save({ ...queued, version: 2, attempts: 2 }, 1)).toBe(true);
    await redeliverEvent(deps, 'p1', 'w1', EVENT);
    expect(queue.sent).toHaveLength(2);
    const message = queue.sent[1]!.message;
    expect(message.kind === 'deliver' && [message.job.version, message.job.attempts]).toEqual([3, 2]);
  });

  it('gives up with an error (a 500, not a false 202) on a job that keeps changing', async () => {
    const jobs = new RacingJobs(100, storedBy('2026-06-01T00:00:00.000Z'));
    const { deps, queue } = await setup(jobs);
    await expect(redeliverEvent(deps, 'p1', 'w1', EVENT)).rejects.toThrow(/kept changing/);
    expect(queue.sent).toHaveLength(0);
  });
});

describe('a redelivery whose message is lost', () => {
  it('is sent again by the sweeper once its lease runs out, never left pending with no message', async () => {
    const jobs = new FakeJobs();
    const { deps, queue } = await setup(jobs);
    queue.failCalls = 1; // the send fails after the job was written (as a crash or timeout would leave it)
    await expect(redeliverEvent(deps, 'p1', 'w1', EVENT)).rejects.toThrow('SQS unavailable');
    const written = await jobs.get('w1', EVENT);
    expect(written).toMatchObject({ status: 'pending', parked: false, version: 1, leaseUntil: NOW.getTime() + 900_000 });
    expect(queue.sent).toHaveLength(0);

    const sweepAt = (ms: number) => new Sweeper({ jobs, queue, leaseMs: 900_000, budgetMs: 60_000, now: () => new Date(ms) }).requeueDue();
    expect(await sweepAt(NOW.getTime() + 899_999)).toEqual({ requeued: 0, refused: 0 });
    expect(await sweepAt(NOW.getTime() + 900_000)).toEqual({ requeued: 1, refused: 0, oldestDueAt: NOW.getTime() + 900_000 });
    const message = queue.sent[0]!.message;
    expect(message.kind === 'deliver' && [message.job.event_id, message.job.version, message.job.attempts]).toEqual([EVENT, 2, 1]);
  });
});
