// Sweeper with in-memory stores: due parked jobs are leased (version bumped) and re-queued by
// reference; jobs not yet due, or already leased, are left alone.
import { Sweeper } from '../../lambdas/delivery/sweeper.js';
import type { StoredJob } from '../../lambdas/domain/delivery.js';
import { dueShardOf } from '../../lambdas/stores/job-store.js';
import { FakeJobs, FakeQueue, jobFixture } from '../support/delivery-fakes.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');

const parked = (eventId: string, dueAt: number): StoredJob => ({
  ...jobFixture({ eventId, attempts: 2, version: 2 }),
  data: undefined,
  status: 'pending',
  nextAttemptAt: dueAt,
  parked: true,
  createdAt: '2026-06-01T00:00:00.000Z',
  updatedAt: '2026-06-01T00:00:00.000Z',
});

describe('Sweeper', () => {
  it('re-queues due parked jobs once, on the slow lane, with the leased version and no data, and leaves the rest', async () => {
    const jobs = new FakeJobs();
    const queue = new FakeQueue();
    for (const job of [parked('due', NOW - 1000), parked('later', NOW + 60_000)]) await jobs.save(job, 0);
    const sweeper = new Sweeper({ jobs, queue, leaseMs: 900_000, budgetMs: 60_000, now: () => new Date(NOW) });

    // oldestDueAt: how late the sweep found the oldest due job (its SweepLag metric).
    expect(await sweeper.requeueDue()).toEqual({ requeued: 1, refused: 0, oldestDueAt: NOW - 1000 });
    // On the slow lane: an outage's retries never queue ahead of healthy fresh deliveries.
    expect(queue.sent.map((s) => s.lane)).toEqual(['slow']);
    const message = queue.sent[0]!.message;
    expect(message.kind === 'deliver' && [message.job.event_id, message.job.version, message.job.attempts, message.job.data]).toEqual(['due', 3, 2, undefined]);
    // Leased as JobStore leases: the version moves on and the due time moves to the lease's end;
    // the job itself is unchanged (still parked, its next attempt where it was).
    expect(await jobs.get('w1', 'due')).toMatchObject({ version: 3, parked: true, nextAttemptAt: NOW - 1000, updatedAt: new Date(NOW).toISOString() });
    expect(await jobs.listDue(dueShardOf('w1/due'), NOW + 900_000, 10)).toEqual([{ jobId: 'w1/due', dueAt: NOW + 900_000 }]);
    // Leased: not due again until the lease runs out, so a lagging message is not sent twice.
    expect(await sweeper.requeueDue()).toEqual({ requeued: 0, refused: 0 });
    // Once it ran out (its message lost), the job is sent again at the next version, with the one now due.
    const later = new Sweeper({ jobs, queue, leaseMs: 900_000, budgetMs: 60_000, now: () => new Date(NOW + 900_000) });
    expect(await later.requeueDue()).toEqual({ requeued: 2, refused: 0, oldestDueAt: NOW + 60_000 });
    expect(queue.sent.slice(1).map((s) => s.message.kind === 'deliver' && `${s.message.job.event_id} v${s.message.job.version}`).sort()).toEqual(['due v4', 'later v3']);
  });

  it('goes on past any fixed number of jobs, round the shards, until nothing is due', async () => {
    const jobs = new FakeJobs();
    const queue = new FakeQueue();
    for (let i = 0; i < 1200; i++) await jobs.save(parked(`e${i}`, NOW - 1000), 0);
    const sweeper = new Sweeper({ jobs, queue, leaseMs: 900_000, budgetMs: 60_000, now: () => new Date(NOW) });
    expect(await sweeper.requeueDue()).toEqual({ requeued: 1200, refused: 0, oldestDueAt: NOW - 1000 });
    expect(new Set(queue.sent.map((s) => s.message.kind === 'deliver' && s.message.job.event_id)).size).toBe(1200);
  });

  it('stops starting pages once its time budget is spent, says so, and the next run goes on from there', async () => {
    const jobs = new FakeJobs();
    const queue = new FakeQueue();
    for (let i = 0; i < 2000; i++) await jobs.save(parked(`e${i}`, NOW - 1000), 0);
    // Every page of the index takes 1 s of the clock; the budget is 3 s.
    let clock = NOW;
    const slowJobs = { listDue: async (...args: Parameters<FakeJobs['listDue']>) => ((clock += 1000), jobs.listDue(...args)), lease: jobs.lease.bind(jobs) };
    const sweeper = new Sweeper({ jobs: slowJobs, queue, leaseMs: 900_000, budgetMs: 3000, now: () => new Date(clock) });
    const first = await sweeper.requeueDue();
    expect(first.unfinished).toBe(true);
    expect(first.requeued).toBeGreaterThan(0);
    expect(first.requeued).toBeLessThan(2000);
    let total = first.requeued;
    while (total < 2000) {
      const next = await sweeper.requeueDue();
      expect(next.requeued).toBeGreaterThan(0);
      total += next.requeued;
    }
    expect(total).toBe(2000);
    expect(new Set(queue.sent.map((s) => s.message.kind === 'deliver' && s.message.job.event_id)).size).toBe(2000);
  });
});
