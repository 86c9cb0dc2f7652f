// DeliveryWorker with in-memory stores and a scripted sender: what each kind of message and
// answer does to the job, the history and the endpoint, and that no message ever repeats a POST
// the job has moved past.
import { DeliveryWorker, type QueueRecord } from '../../lambdas/delivery/delivery-worker.js';
import { EndpointTracker } from '../../lambdas/delivery/endpoint-tracker.js';
import { planQueueActions } from '../../lambdas/delivery/queue-actions.js';
import {
  deliverMessage,
  type AttemptResult,
  type DeliveryJob,
  encodeQueueMessage,
  jobFromWire,
  queueMessageSchema,
  type RecoverTask,
  recoverMessage,
  type StoredJob,
} from '../../lambdas/domain/delivery.js';
import { type EndpointHealth, halfOpened, healthyEndpoint } from '../../lambdas/domain/endpoint-health.js';
import { RetryPolicy } from '../../lambdas/domain/retry-policy.js';
import { DeliveryRateGate } from '../../lambdas/domain/delivery-rate.js';
import { FakeEndpointStore, FakeEvents, FakeHistory, FakeJobs, FakeOrderedJobs, jobFixture, webhookFixture } from '../support/delivery-fakes.js';
import { memorySlotSchedule } from '../support/rate-limit-fakes.js';
import { seqKeyFor } from '../../lambdas/domain/ordering.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const OK: AttemptResult = { ok: true, httpStatus: 200, responseTimeMs: 5, error: null };
const FAIL: AttemptResult = { ok: false, httpStatus: 503, responseTimeMs: 5, error: null };

/** `duringSend` runs while a POST is being made (another writer acting meanwhile). */
function setup(options: { schedule?: number[]; health?: Partial<EndpointHealth>; webhook?: Parameters<typeof webhookFixture>[1]; duringSend?: () => Promise<void>; fastLaneDeadlineMs?: number; rateGate?: DeliveryRateGate; orderedJobs?: FakeOrderedJobs } = {}) {
  const jobs = new FakeJobs();
  const history = new FakeHistory();
  const events = new FakeEvents();
  /** Scripted answers in turn (a function: an answer that comes when its promise settles); OK once they run out. */
  const answers: (AttemptResult | (() => Promise<AttemptResult>))[] = [];
  const posts: string[] = [];
  /** The deadline each POST was given (undefined: the sender's own, the full delivery timeout). */
  const deadlines: (number | undefined)[] = [];
  const tasks: RecoverTask[] = [];
  const endpointStore = new FakeEndpointStore();
  const healthStore = endpointStore.items;
  if (options.health) healthStore.set('w1', { ...healthyEndpoint('w1'), ...options.health });
  const endpoints = new EndpointTracker({
    store: endpointStore,
    policy: { slowAfterMs: 1000, maxInFlight: 4, overflowAfterMs: 250, failureThreshold: 5, probeIntervalMs: 60_000, fastStreakToReturn: 3, successRefreshMs: 300_000, probeAnswerMs: 12_000 },
    cacheTtlMs: 0,
    now: () => new Date(NOW),
  });
  const worker = new DeliveryWorker({
    jobs,
    events,
    webhooks: { get: async (_p, id) => (id === 'w1' ? webhookFixture('w1', options.webhook) : undefined) },
    endpoints,
    history,
    cipher: { encrypt: async (s) => s, decrypt: async () => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    sender: {
      send: async (url, _body, _headers, sendOptions) => {
        posts.push(url);
        deadlines.push(sendOptions?.timeoutMs);
        await options.duringSend?.();
        const answer = answers.shift() ?? OK;
        return typeof answer === 'function' ? answer() : answer;
      },
    },
    retryPolicy: new RetryPolicy(options.schedule ?? [1, 1, 1, 1, 1]),
    parkAfterSeconds: 60,
    ...(options.fastLaneDeadlineMs ? { fastLaneDeadlineMs: options.fastLaneDeadlineMs } : {}),
    ...(options.rateGate ? { rateGate: options.rateGate } : {}),
    ...(options.orderedJobs ? { orderedJobs: options.orderedJobs } : {}),
    disabler: { disable: async () => true },
    autoDisableAfterMs: 432_000_000,
    recover: async (task) => {
      tasks.push(task);
      return { queued: 7 };
    },
    now: () => new Date(NOW),
  });
  const record = (job: DeliveryJob, extra: Partial<QueueRecord> = {}): QueueRecord => ({
    messageId: 'm1',
    receiptHandle: 'r1',
    receiveCount: 1,
    message: deliverMessage(job),
    ...extra,
  });
  const run = async (r: QueueRecord, lane: 'fast' | 'slow' = 'fast') => (await worker.processBatch([r], lane)).get(r.messageId)!;
  return { jobs, history, events, answers, posts, deadlines, healthStore, endpointStore, record, run, worker, tasks };
}

const stored = (overrides: Partial<StoredJob>): StoredJob => ({
  ...jobFixture(),
  status: 'pending',
  nextAttemptAt: NOW,
  parked: false,
  createdAt: '2026-06-01T00:00:00.000Z',
  updatedAt: '2026-06-01T00:00:00.000Z',
  ...overrides,
});

describe('DeliveryWorker', () => {
  it('runs a recover task message through its recover step, and the message is then deleted', async () => {
    const { run, record, tasks, posts } = setup();
    const task: RecoverTask = { partner_id: 'p1', webhook_id: 'w1', since: '2026-06-01T00:00:00.000Z', until: '2026-06-02T00:00:00.000Z' };
    const r = { ...record(jobFixture()), message: recoverMessage(task) };
    const outcome = await run(r);
    expect(outcome).toEqual({ kind: 'recovered', queued: 7 });
    expect(tasks).toEqual([task]);
    expect(posts).toEqual([]);
    expect(planQueueActions([r], new Map([[r.messageId, outcome]]), 'slow', NOW)).toEqual({ keep: [], showAgain: [], send: [] });
  });

  it('delivers a fresh job with no read and no job write: only its history item', async () => {
    // A healthy endpoint whose last_success_at is fresh (younger than successRefreshMs): no health write either.
    const fresh = { lastSuccessAt: new Date(NOW - 60_000).toISOString() };
    const t = setup({ health: fresh });
    const outcome = await t.run(t.record(jobFixture()));
    expect(outcome).toMatchObject({ kind: 'succeeded', recorded: true, attempt: { attemptNumber: 1, status: 'succeeded', httpStatus: 200 } });
    expect(t.jobs.items.size).toBe(0);
    expect(t.history.attempts).toHaveLength(1);
    expect(t.healthStore.get('w1')).toEqual({ ...healthyEndpoint('w1'), ...fresh });
  });

  it('keeps a short retry wait in the queue and a long one parked in the jobs table', async () => {
    const short = setup();
    short.answers.push(FAIL);
    const kept = await short.run(short.record(jobFixture()));
    expect(kept).toMatchObject({ kind: 'retry', parked: false });
    expect(await short.jobs.get('w1', 'e1')).toMatchObject({ status: 'pending', attempts: 1, version: 1, parked: false, messageId: 'm1' });
    expect(planQueueActions([short.record(jobFixture())], new Map([['m1', kept]]), 'fast', NOW)).toEqual({ keep: ['m1'], showAgain: [{ receiptHandle: 'r1', seconds: 1 }], send: [] });

    const long = setup({ schedule: [300, 300, 300, 300, 300] });
    long.answers.push(FAIL);
    const parked = await long.run(long.record(jobFixture()));
    expect(parked).toMatchObject({ kind: 'retry', parked: true });
    expect(await long.jobs.get('w1', 'e1')).toMatchObject({ parked: true, nextAttemptAt: NOW + 300_000 });
    expect(planQueueActions([long.record(jobFixture())], new Map([['m1', parked]]), 'fast', NOW)).toEqual({ keep: [], showAgain: [], send: [] });
  });

  it('treats a message received again as stale unless it is the one the job waits in', async () => {
    const t = setup();
    await t.jobs.save(stored({ attempts: 1, version: 1, messageId: 'm-other' }), 0);
    expect(await t.run(t.record(jobFixture(), { receiveCount: 2 }))).toEqual({ kind: 'stale' });
    expect(t.posts).toHaveLength(0);

    const u = setup();
    await u.jobs.save(stored({ attempts: 1, version: 1, messageId: 'm1' }), 0);
    expect(await u.run(u.record(jobFixture(), { receiveCount: 2 }))).toMatchObject({ kind: 'succeeded', attempt: { attemptNumber: 2 } });
    expect(await u.jobs.get('w1', 'e1')).toMatchObject({ status: 'succeeded', version: 3 });
  });

  it('sends nothing for a sweeper message older than the job (a lagging duplicate), and the right attempt for the current one', async () => {
    const t = setup();
    await t.jobs.save(stored({ attempts: 3, version: 5, parked: true }), 0);
    expect(await t.run(t.record(jobFixture({ version: 4, data: undefined })))).toEqual({ kind: 'stale' });
    expect(t.posts).toHaveLength(0);
    t.events.items.set('p1/e1', { partnerId: 'p1', eventId: 'e1', eventType: 'order.filled', environment: 'sandbox', createdAt: '', data: { order_id: 'o1' }, webhookIds: ['w1'], fanOutId: 'f' });
    expect(await t.run(t.record(jobFixture({ version: 5, data: undefined })))).toMatchObject({ kind: 'succeeded', attempt: { attemptNumber: 4 } });
  });

  it('lets one of two messages resolved at the same version of a stored job POST: it claims the attempt first', async () => {
    const t = setup();
    await t.jobs.save(stored({ attempts: 1, version: 1, parked: true }), 0);
    const [a, b] = [t.record(jobFixture({ version: 1 }), { messageId: 'ma' }), t.record(jobFixture({ version: 1 }), { messageId: 'mb' })];
    const outcomes = await t.worker.processBatch([a, b], 'fast');
    expect([outcomes.get('ma')?.kind, outcomes.get('mb')?.kind].sort()).toEqual(['stale', 'succeeded']);
    expect(t.posts).toHaveLength(1);
    expect(t.history.attempts.map((x) => x.attemptNumber)).toEqual([2]);
    expect(await t.jobs.get('w1', 'e1')).toMatchObject({ status: 'succeeded', attempts: 2, version: 3 });
  });

  it('records an attempt a redelivery superseded while it was being made; the job, and what follows, are the redelivery\'s', async () => {
    let jobs: ReturnType<typeof setup>['jobs'] | undefined;
    const t = setup({
      duringSend: async () => {
        // The claim counted the attempt in flight: the redelivery queues the one after it.
        const current = (await jobs!.get('w1', 'e1'))!;
        expect(current).toMatchObject({ attempts: 2, version: 2, messageId: 'm1' });
        expect(await jobs!.save({ ...current, version: 3, requeuedAt: new Date(NOW).toISOString() }, 2)).toBe(true);
      },
    });
    jobs = t.jobs;
    await t.jobs.save(stored({ attempts: 1, version: 1, messageId: 'm1' }), 0);
    t.answers.push(FAIL);
    const r = t.record(jobFixture(), { receiveCount: 2 });
    const outcome = await t.run(r);
    expect(outcome).toMatchObject({ kind: 'superseded', recorded: true, attempt: { attemptNumber: 2, status: 'failed', httpStatus: 503, nextRetryAt: null } });
    expect(t.history.attempts).toHaveLength(1);
    expect(await t.jobs.get('w1', 'e1')).toMatchObject({ status: 'pending', attempts: 2, version: 3 });
    // The message is deleted: no retry of its own.
    expect(planQueueActions([r], new Map([['m1', outcome]]), 'fast', NOW)).toEqual({ keep: [], showAgain: [], send: [] });

    // Its record travels through the queue when the history write fails, as a success's does.
    const u = setup({ duringSend: async () => void (await u.jobs.save({ ...(await u.jobs.get('w1', 'e1'))!, version: 3 }, 2)) });
    await u.jobs.save(stored({ attempts: 1, version: 1, messageId: 'm1' }), 0);
    u.history.failNext = true;
    const unrecorded = await u.run(u.record(jobFixture(), { receiveCount: 2 }));
    expect(unrecorded).toMatchObject({ kind: 'superseded', recorded: false });
    expect(planQueueActions([r], new Map([['m1', unrecorded]]), 'fast', NOW).send.map((s) => s.outgoing.message.kind)).toEqual(['record']);
  });

  it('puts back a message that comes before its job is due', async () => {
    const t = setup();
    await t.jobs.save(stored({ attempts: 1, version: 1, nextAttemptAt: NOW + 30_000 }), 0);
    expect(await t.run(t.record(jobFixture({ version: 1 })))).toEqual({ kind: 'not_due', delaySeconds: 30 });
  });

  it('drops jobs of a disabled webhook and records the job as dropped', async () => {
    const t = setup({ webhook: { status: 'disabled' } });
    expect(await t.run(t.record(jobFixture()))).toEqual({ kind: 'dropped', reason: 'webhook_disabled' });
    expect(await t.jobs.get('w1', 'e1')).toMatchObject({ status: 'dropped', droppedReason: 'webhook_disabled' });
    expect(t.posts).toHaveLength(0);
  });

  it('never POSTs again when the history write fails after a success: the record goes through the queue', async () => {
    const t = setup();
    t.history.failNext = true;
    const outcome = await t.run(t.record(jobFixture()));
    expect(outcome).toMatchObject({ kind: 'succeeded', recorded: false });
    const plan = planQueueActions([t.record(jobFixture())], new Map([['m1', outcome]]), 'fast', NOW);
    expect(plan.keep).toEqual([]);
    expect(plan.send.map((s) => s.outgoing.message.kind)).toEqual(['record']);
    expect(t.posts).toHaveLength(1);
  });

  it('moves jobs of a slow endpoint to the slow lane without a POST', async () => {
    const t = setup({ health: { lane: 'slow' } });
    const outcome = await t.run(t.record(jobFixture()));
    expect(outcome).toMatchObject({ kind: 'moved', to: 'slow' });
    expect(t.posts).toHaveLength(0);
  });

  it('holds a job while the circuit is open: a failed attempt `circuit_open`, no POST, its place in the schedule kept', async () => {
    const t = setup({ health: { circuit: 'open', probeAt: NOW + 60_000, consecutiveFailures: 5 } });
    const outcome = await t.run(t.record(jobFixture()));
    expect(outcome).toMatchObject({ kind: 'retry', attempt: { attemptNumber: 1, error: 'circuit_open', httpStatus: null } });
    expect(t.posts).toHaveLength(0);
  });

  it('opens the circuit after five failures in a row and closes it on the first success', async () => {
    const t = setup();
    for (let i = 0; i < 5; i++) {
      t.answers.push(FAIL);
      await t.run(t.record(jobFixture({ eventId: `e${i}` }), { messageId: `m${i}` }));
    }
    expect(t.healthStore.get('w1')).toMatchObject({ circuit: 'open', consecutiveFailures: 5 });
    t.healthStore.set('w1', { ...t.healthStore.get('w1')!, probeAt: NOW });
    expect(await t.run(t.record(jobFixture({ eventId: 'probe' }), { messageId: 'mp' }))).toMatchObject({ kind: 'succeeded' });
    expect(t.healthStore.get('w1')).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
  });

  describe('a job the partner asked for (SPEC §9: never swallowed by the circuit)', () => {
    const OPEN = { circuit: 'open' as const, probeAt: NOW + 45_000, consecutiveFailures: 6 };

    it('waits parked until the next probe when the circuit is open: no attempt, no history, its attempts unchanged', async () => {
      const t = setup({ health: OPEN });
      const r = t.record(jobFixture({ requested: true, attempts: 6, version: 0 }));
      const outcome = await t.run(r);
      expect(outcome).toMatchObject({ kind: 'waiting', parked: true, until: NOW + 45_000 });
      expect(t.posts).toEqual([]);
      expect(t.history.attempts).toEqual([]);
      expect(await t.jobs.get('w1', 'e1')).toMatchObject({ status: 'pending', parked: true, attempts: 6, nextAttemptAt: NOW + 45_000, requested: true });
      expect(planQueueActions([r], new Map([['m1', outcome]]), 'slow', NOW)).toEqual({ keep: [], showAgain: [], send: [] });
    });

    it('an ordinary job meeting the same circuit is still held as a circuit_open attempt', async () => {
      const t = setup({ health: OPEN });
      expect(await t.run(t.record(jobFixture({ attempts: 2, version: 0 })))).toMatchObject({ kind: 'retry', attempt: { error: 'circuit_open', attemptNumber: 3 } });
    });

    it('half-opened by a partner action: the first goes at once as the probe; the rest look again within a second while it is out, and follow as soon as it succeeds', async () => {
      const t = setup({ health: OPEN });
      await t.endpointStore.change('w1', (h) => halfOpened(h, NOW), new Date(NOW));
      let answer!: (r: AttemptResult) => void;
      t.answers.push(() => new Promise((resolve) => (answer = resolve)));
      const probe = t.run(t.record(jobFixture({ eventId: 'e1', requested: true }), { messageId: 'm1' }));
      await waitUntil(() => t.posts.length === 1);

      const second = t.record(jobFixture({ eventId: 'e2', requested: true }), { messageId: 'm2' });
      const waiting = await t.run(second);
      expect(waiting).toMatchObject({ kind: 'waiting', parked: false, until: NOW + 1000 });
      const plan = planQueueActions([second], new Map([['m2', waiting]]), 'slow', NOW);
      expect(plan.keep).toEqual([]);
      expect(plan.send).toEqual([{ lane: 'slow', messageId: 'm2', outgoing: { message: deliverMessage(jobFixture({ eventId: 'e2', requested: true })), delaySeconds: 1 } }]);

      answer(OK);
      expect(await probe).toMatchObject({ kind: 'succeeded', attempt: { attemptNumber: 1 } });
      expect(t.healthStore.get('w1')).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
      // Its new message: attempted at once, without waiting for the probe interval.
      expect(await t.run({ ...second, messageId: 'm3', message: plan.send[0]!.outgoing.message })).toMatchObject({ kind: 'succeeded' });
      expect(t.posts).toHaveLength(2);
    });

    it('sees a half-open written by another instance at once, whatever this instance cached', async () => {
      const t = setup({ health: OPEN });
      // An ordinary job caches the open circuit (it is held).
      expect(await t.run(t.record(jobFixture({ eventId: 'e0' }), { messageId: 'm0' }))).toMatchObject({ kind: 'retry', attempt: { error: 'circuit_open' } });
      await t.endpointStore.change('w1', (h) => halfOpened(h, NOW), new Date(NOW));
      expect(await t.run(t.record(jobFixture({ requested: true })))).toMatchObject({ kind: 'succeeded' });
    });

    it('keeps the mark through the queue message and the stored job', () => {
      const jobOfBody = (body: unknown) => {
        const message = queueMessageSchema.parse(body);
        if (message.kind !== 'deliver') throw new Error('not a deliver message');
        return jobFromWire(message.job);
      };
      const job = jobFixture({ requested: true });
      expect(jobOfBody(JSON.parse(encodeQueueMessage(deliverMessage(job))))).toEqual(job);
      // A message queued before the mark existed is an ordinary job.
      const old = { partner_id: 'p1', webhook_id: 'w1', event_id: 'e1', event_type: 'order.filled', environment: 'sandbox', event_created_at: '2026-06-01T00:00:00.000Z', queued_at: '2026-06-01T00:00:00.000Z', attempts: 0 };
      expect(jobOfBody({ v: 3, kind: 'deliver', job: old })).toEqual({ ...jobFixture(), data: undefined, version: 0 });
    });
  });

  it('tries a message that failed for a reason of ours again in seconds, with jitter, never recorded as an attempt', async () => {
    const t = setup();
    t.history.failNext = true;
    t.answers.push(FAIL);
    const r = t.record(jobFixture());
    const outcome = await t.run(r);
    expect(outcome.kind).toBe('error');
    expect(t.history.attempts).toEqual([]);
    const seconds = (receiveCount: number, random: number) => planQueueActions([{ ...r, receiveCount }], new Map([['m1', outcome]]), 'fast', NOW, () => random).showAgain[0]!.seconds;
    expect(planQueueActions([r], new Map([['m1', outcome]]), 'fast', NOW, () => 1)).toEqual({ keep: ['m1'], showAgain: [{ receiptHandle: 'r1', seconds: 2 }], send: [] });
    expect([seconds(1, 0), seconds(2, 1), seconds(3, 1), seconds(4, 0.5), seconds(14, 1)]).toEqual([1, 4, 8, 12, 60]);
  });
});

/** Waits for a condition met by work in flight (a few turns of the event loop), without a fixed sleep. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition never met');
}

describe('DeliveryWorker: the fast lane\'s deadline', () => {
  const TIMEOUT: AttemptResult = { ok: false, httpStatus: null, responseTimeMs: null, error: 'timeout' };

  it('cuts short an attempt unanswered at the deadline: recorded, endpoint marked slow, the job tried again at once on the slow lane', async () => {
    const t = setup({ fastLaneDeadlineMs: 2000 });
    t.answers.push(TIMEOUT);
    const r = t.record(jobFixture());
    const outcome = await t.run(r);
    expect(t.deadlines).toEqual([2000]);
    expect(outcome).toMatchObject({ kind: 'handed_off', attempt: { attemptNumber: 1, status: 'failed', error: 'moved_to_slow_lane', nextRetryAt: new Date(NOW).toISOString() } });
    expect(t.history.attempts.map((a) => [a.attemptNumber, a.error])).toEqual([[1, 'moved_to_slow_lane']]);
    // Slow, not failing: the circuit and the failure count are not touched.
    expect(t.healthStore.get('w1')).toMatchObject({ lane: 'slow', consecutiveFailures: 0, circuit: 'closed' });
    expect(await t.jobs.get('w1', 'e1')).toMatchObject({ status: 'pending', attempts: 1, version: 1, parked: false });
    const plan = planQueueActions([r], new Map([[r.messageId, outcome]]), 'fast', NOW);
    expect(plan.keep).toEqual([]);
    expect(plan.send.map((s) => [s.lane, s.outgoing.message.kind === 'deliver' && [s.outgoing.message.job.attempts, s.outgoing.message.job.version]])).toEqual([['slow', [1, 1]]]);

    // The slow lane takes it at that version, with the full timeout, as attempt 2.
    const moved = { ...r, messageId: 'm2', message: plan.send[0]!.outgoing.message };
    expect(await t.run(moved, 'slow')).toMatchObject({ kind: 'succeeded', attempt: { attemptNumber: 2 } });
    expect(t.deadlines).toEqual([2000, undefined]);
  });

  it('gives the event\'s last attempt its full timeout', async () => {
    const t = setup({ fastLaneDeadlineMs: 2000, schedule: [1] });
    t.answers.push(TIMEOUT);
    await t.jobs.save(stored({ attempts: 1, version: 1 }), 0);
    const outcome = await t.run(t.record(jobFixture({ attempts: 1, version: 1 }), { receiveCount: 2 }));
    expect(outcome).toMatchObject({ kind: 'failed', attempt: { attemptNumber: 2, error: 'timeout' } });
    expect(t.deadlines).toEqual([undefined]);
  });
});

describe('DeliveryWorker: retries of a healthy endpoint leave the slow lane', () => {
  it('moves an ordinary retry whose endpoint is healthy again to the fast lane, unattempted; a requested job is attempted where it is', async () => {
    const t = setup();
    await t.jobs.save(stored({ attempts: 1, version: 1 }), 0);
    const r = t.record(jobFixture({ attempts: 1, version: 1 }), { receiveCount: 1 });
    const outcome = await t.run(r, 'slow');
    expect(outcome).toMatchObject({ kind: 'moved', to: 'fast', job: { attempts: 1, version: 1 } });
    expect(t.posts).toEqual([]);
    expect(planQueueActions([r], new Map([[r.messageId, outcome]]), 'slow', NOW).send.map((s) => s.lane)).toEqual(['fast']);

    const requested = setup();
    await requested.jobs.save(stored({ attempts: 1, version: 1, requested: true }), 0);
    expect(await requested.run(requested.record(jobFixture({ attempts: 1, version: 1, requested: true })), 'slow')).toMatchObject({ kind: 'succeeded' });
  });
});

describe('DeliveryWorker: a webhook\'s rate limit (SPEC §11)', () => {
  it('attempts the first job at once and holds the next ones for their slots, 1/limit apart, on the slow lane: no attempt, nothing failed', async () => {
    const t = setup({ webhook: { rateLimitPerSecond: 1 }, rateGate: new DeliveryRateGate(memorySlotSchedule()) });
    const records = ['e1', 'e2', 'e3'].map((eventId, i) => t.record(jobFixture({ eventId }), { messageId: `m${i}` }));
    const outcomes = await t.worker.processBatch(records, 'fast');
    expect(t.posts).toHaveLength(1);
    expect(outcomes.get('m0')).toMatchObject({ kind: 'succeeded' });
    const held = ['m1', 'm2'].map((id) => outcomes.get(id)!);
    expect(held.map((o) => o.kind === 'waiting' && [o.job.slotAt, o.lane, o.parked])).toEqual([
      [NOW + 1500, 'slow', false],
      [NOW + 3000, 'slow', false],
    ]);
    expect(t.history.attempts).toHaveLength(1);
    expect(t.jobs.items.size).toBe(0);
    const plan = planQueueActions(records, outcomes, 'fast', NOW);
    expect(plan.send.map((s) => [s.lane, s.outgoing.message.kind === 'deliver' && s.outgoing.message.job.slot_at])).toEqual([
      ['slow', NOW + 1500],
      ['slow', NOW + 3000],
    ]);
    expect(plan.keep).toEqual([]);
  });

  it('takes a new slot for a message that came back after its slot, so no second ever holds two attempts', async () => {
    const gate = new DeliveryRateGate(memorySlotSchedule());
    const t = setup({ webhook: { rateLimitPerSecond: 1 }, rateGate: gate });
    await gate.reserve('w1', 1, NOW - 500); // a slot another attempt used 0.5 s ago
    const late = await t.run(t.record(jobFixture({ slotAt: NOW - 2000 })), 'slow');
    // Its old slot is gone; the next free one is 1,000 ms away: waited for in the function on the slow lane, then attempted.
    expect(late).toMatchObject({ kind: 'succeeded' });
    expect(t.posts).toHaveLength(1);
  });
});

describe('DeliveryWorker, per_entity ordering (SPEC §11)', () => {
  const LINE = 'w1#order:o1';
  /** In the line as accepted `offset` µs after NOW (a head accepted long ago is looked at less often). */
  const inLine = (eventId: string, offset: number) => ({ entityKey: LINE, seqKey: seqKeyFor(NOW * 1000 + offset, eventId) });
  /** Two jobs of one line, e1 before e2, both put in it (as the fan-out does). */
  async function twoInLine() {
    const orderedJobs = new FakeOrderedJobs();
    const t = setup({ orderedJobs });
    const first = jobFixture({ eventId: 'e1', order: inLine('e1', 1) });
    const second = jobFixture({ eventId: 'e2', order: inLine('e2', 2) });
    await orderedJobs.put([first, second].map((j) => ({ ...j.order!, webhookId: 'w1', eventId: j.eventId })));
    return { ...t, orderedJobs, first, second };
  }

  it('holds a job behind an earlier one of its entity (a new message in a second, no attempt), then sends it once that one succeeded', async () => {
    const t = await twoInLine();
    const waiting = await t.run(t.record(t.second));
    expect(waiting).toEqual({ kind: 'waiting', job: t.second, until: NOW + 1000, parked: false });
    expect(t.posts).toEqual([]);
    const r = t.record(t.second);
    expect(planQueueActions([r], new Map([[r.messageId, waiting]]), 'fast', NOW).send).toMatchObject([{ lane: 'fast', outgoing: { delaySeconds: 1 } }]);
    expect(await t.run(t.record(t.first))).toMatchObject({ kind: 'succeeded' });
    expect((await t.orderedJobs.head(LINE))?.eventId).toBe('e2');
    expect(await t.run(t.record(t.second))).toMatchObject({ kind: 'succeeded' });
    expect(await t.orderedJobs.head(LINE)).toBeUndefined();
    expect(t.posts).toHaveLength(2);
  });

  it('keeps a retrying job at the head (its successor waits until that retry is due) and lets the line go on once it ended failed', async () => {
    const orderedJobs = new FakeOrderedJobs();
    const t = setup({ orderedJobs, schedule: [30] });
    const first = jobFixture({ eventId: 'e1', order: inLine('e1', 1) });
    const second = jobFixture({ eventId: 'e2', order: inLine('e2', 2) });
    await orderedJobs.put([first, second].map((j) => ({ ...j.order!, webhookId: 'w1', eventId: j.eventId })));
    t.answers.push(FAIL, FAIL);
    expect(await t.run(t.record(first))).toMatchObject({ kind: 'retry' });
    expect(await t.run(t.record(second))).toMatchObject({ kind: 'waiting', until: NOW + 30_000 });
    const retry = t.jobs.items.get('w1/e1')!;
    expect(retry.order).toEqual(first.order);
    // The retry's message (the job's waiting message: the first message, received again), due now.
    t.jobs.items.set('w1/e1', { ...retry, nextAttemptAt: NOW });
    expect(await t.run(t.record(first, { messageId: retry.messageId!, receiveCount: 2 }))).toMatchObject({ kind: 'failed' });
    expect((await orderedJobs.head(LINE))?.eventId).toBe('e2');
    expect(await t.run(t.record(second))).toMatchObject({ kind: 'succeeded' });
  });

  it('looks less and less often behind a head that has gone quiet for long with nothing stored (its message in the DLQ)', async () => {
    const orderedJobs = new FakeOrderedJobs();
    const t = setup({ orderedJobs });
    const hourAgo = (NOW - 3_600_000) * 1000;
    await orderedJobs.put([{ entityKey: LINE, seqKey: seqKeyFor(hourAgo, 'e0'), webhookId: 'w1', eventId: 'e0' }]);
    const second = jobFixture({ eventId: 'e2', order: { entityKey: LINE, seqKey: seqKeyFor(hourAgo + 1, 'e2') } });
    await orderedJobs.put([{ ...second.order!, webhookId: 'w1', eventId: 'e2' }]);
    expect(await t.run(t.record(second))).toMatchObject({ kind: 'waiting', until: NOW + 360_000 });
  });

  it('takes a job whose item is gone for one that ended already (stale: no POST)', async () => {
    const t = await twoInLine();
    await t.orderedJobs.remove(t.first.order!.entityKey, t.first.order!.seqKey);
    expect(await t.run(t.record(t.first))).toEqual({ kind: 'stale' });
    expect(t.posts).toEqual([]);
  });

  it('removes an ended job a crash left at the head of its line, and goes on', async () => {
    const t = await twoInLine();
    t.jobs.items.set('w1/e1', stored({ eventId: 'e1', order: t.first.order, status: 'failed', version: 3 }));
    expect(await t.run(t.record(t.second))).toMatchObject({ kind: 'succeeded' });
    expect(await t.orderedJobs.head(LINE)).toBeUndefined();
  });

  it('never holds a job the partner asked for (a redelivery goes out of band), and never holds other entities', async () => {
    const t = await twoInLine();
    expect(await t.run(t.record({ ...t.second, requested: true }))).toMatchObject({ kind: 'succeeded' });
    const other = jobFixture({ eventId: 'e3', data: { order_id: 'o2' }, order: { entityKey: 'w1#order:o2', seqKey: seqKeyFor(3, 'e3') } });
    await t.orderedJobs.put([{ ...other.order!, webhookId: 'w1', eventId: 'e3' }]);
    expect(await t.run(t.record(other))).toMatchObject({ kind: 'succeeded' });
  });

  it('takes a dropped job (its webhook disabled) out of its line too', async () => {
    const orderedJobs = new FakeOrderedJobs();
    const t = setup({ orderedJobs, webhook: { status: 'disabled' } });
    const first = jobFixture({ eventId: 'e1', order: inLine('e1', 1) });
    await orderedJobs.put([{ ...first.order!, webhookId: 'w1', eventId: 'e1' }]);
    expect(await t.run(t.record(first))).toMatchObject({ kind: 'dropped' });
    expect(await orderedJobs.head(LINE)).toBeUndefined();
  });
});
