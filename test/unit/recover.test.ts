// recover with in-memory stores: a window larger than one run's budget is finished by background
// tasks that go on from where the request stopped — every ended job re-queued exactly once, the
// answer counting them all — and a task stops quietly once its webhook is disabled.
import { healthyEndpoint } from '../../lambdas/domain/endpoint-health.js';
import { continueRecover, recoverEvents, type RecoverDeps } from '../../lambdas/delivery/recover.js';
import { RequestedJobs } from '../../lambdas/delivery/requested-jobs.js';
import type { RecoverTask, StoredJob } from '../../lambdas/domain/delivery.js';
import type { Webhook } from '../../lambdas/domain/webhook.js';
import { FakeJobs, FakeEvents, FakeFanOutLeases, FakeHistory, FakeQueue, jobFixture, webhookFixture } from '../support/delivery-fakes.js';

const NOW = new Date('2026-06-02T00:00:00.000Z');

function setup(ended: number, budgetMs: number) {
  const jobs = new FakeJobs();
  for (let n = 0; n < ended; n++) {
    const endedAt = new Date(Date.parse('2026-06-01T00:00:00.000Z') + n * 1000).toISOString();
    const job: StoredJob = { ...jobFixture({ eventId: `e${String(n).padStart(4, '0')}`, attempts: 6, version: 6 }), data: undefined, status: 'failed', nextAttemptAt: 0, parked: false, createdAt: endedAt, updatedAt: endedAt };
    void jobs.save(job, 0);
  }
  const queue = new FakeQueue();
  const tasks: RecoverTask[] = [];
  let webhook: Webhook = webhookFixture('w1');
  const now = () => NOW;
  const deps: RecoverDeps = {
    webhooks: { require: async () => webhook, endpointBack: async () => healthyEndpoint(webhook.id) },
    jobs,
    requestedJobs: new RequestedJobs({ events: new FakeEvents(), queue, jobs, requeueLeaseMs: 900_000, now }),
    tasks: { send: async (task) => void tasks.push(task) },
    budgetMs,
    pageSize: 100,
    now,
  };
  const background = { ...deps, webhooks: { get: async () => webhook } };
  const disable = () => (webhook = { ...webhook, status: 'disabled' });
  return { deps, background, jobs, queue, tasks, disable };
}

const sentEvents = (queue: FakeQueue) => queue.sent.map((s) => (s.message.kind === 'deliver' ? s.message.job.event_id : '?'));

describe('recover', () => {
  it('re-queues a window within one request when it fits the budget, and nothing on a second run', async () => {
    const { deps, queue, tasks } = setup(130, 10_000);
    expect(await recoverEvents(deps, 'p1', 'w1', { since: '2026-05-31T00:00:00Z' })).toEqual({ events: 130 });
    expect(tasks).toEqual([]);
    expect(new Set(sentEvents(queue)).size).toBe(130);
    expect(await recoverEvents(deps, 'p1', 'w1', { since: '2026-05-31T00:00:00Z' })).toEqual({ events: 0 });
    expect(queue.sent).toHaveLength(130);
  });

  it('answers with the whole count and hands the rest to background tasks, which re-queue each job once, oldest first', async () => {
    const { deps, background, queue, tasks, jobs } = setup(250, 0);
    expect(await recoverEvents(deps, 'p1', 'w1', { since: '2026-05-31T00:00:00Z' })).toEqual({ events: 250 });
    expect(queue.sent).toHaveLength(100); // one page, then the budget (0) ran out
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ partner_id: 'p1', webhook_id: 'w1', since: '2026-05-31T00:00:00.000Z', until: NOW.toISOString() });

    while (tasks.length > 0) await continueRecover(background, tasks.shift()!);
    const sent = sentEvents(queue);
    expect(sent).toHaveLength(250);
    expect(sent).toEqual([...sent].sort()); // oldest first
    // On the slow lane: a large recover never queues ahead of other partners' fresh deliveries.
    expect(new Set(queue.sent.map((s) => s.lane))).toEqual(new Set(['slow']));
    expect(new Set(sent).size).toBe(250);
    expect([...jobs.items.values()].every((j) => j.status === 'pending')).toBe(true);
  });

  it('takes an until in the future as now, so re-queued jobs that fail again fall outside the window', async () => {
    const { deps, tasks } = setup(150, 0);
    await recoverEvents(deps, 'p1', 'w1', { since: '2026-05-31T00:00:00Z', until: '2027-01-01T00:00:00Z' });
    expect(tasks[0]?.until).toBe(NOW.toISOString());
  });

  it('hands the rest on before counting it, so a count that fails or runs out of time loses nothing', async () => {
    const { deps, tasks, jobs } = setup(150, 0);
    jobs.countEnded = async () => {
      throw new Error('throttled');
    };
    await expect(recoverEvents(deps, 'p1', 'w1', { since: '2026-05-31T00:00:00Z' })).rejects.toThrow('throttled');
    expect(tasks).toHaveLength(1);
  });

  it('stops a background task quietly once the webhook is disabled, leaving its jobs ended for a later recover', async () => {
    const { deps, background, queue, tasks, disable, jobs } = setup(150, 0);
    await recoverEvents(deps, 'p1', 'w1', { since: '2026-05-31T00:00:00Z' });
    disable();
    expect(await continueRecover(background, tasks.shift()!)).toEqual({ queued: 0, stopped: 'webhook_disabled' });
    expect(tasks).toEqual([]);
    expect(queue.sent).toHaveLength(100);
    expect([...jobs.items.values()].filter((j) => j.status === 'failed')).toHaveLength(50);
  });
});
