// FanOut with in-memory stores: idempotency per event_id, queue refusals recorded as failed
// attempts, and an event stored but not (fully) queued — its fan-out failed or died midway — always
// finished by a retry or by the sweeper, never taken for a duplicate (SPEC §4: never lost).
import { FanOut, FanOutBusyError } from '../../lambdas/delivery/fan-out.js';
import { FakeEvents, FakeFanOutLeases, FakeHistory, FakeJobs, FakeQueue, webhookFixture, publishedEventFixture } from '../support/delivery-fakes.js';

const LEASE_MS = 60_000;

const event = publishedEventFixture;

function setup() {
  const webhooks = [webhookFixture('a'), webhookFixture('b', { events: ['order.filled'] }), webhookFixture('c', { events: ['account.closed'] }), webhookFixture('d', { status: 'disabled' })];
  const deps = {
    webhooks: { listAll: async () => webhooks },
    events: new FakeEvents(),
    leases: new FakeFanOutLeases(),
    queue: new FakeQueue(),
    jobs: new FakeJobs(),
    history: new FakeHistory(),
  };
  const clock = { now: Date.parse('2026-06-01T00:00:01.000Z') };
  const now = () => new Date(clock.now);
  const fanOut = new FanOut({ ...deps, fanOutLeaseMs: LEASE_MS, now });
  /** A fan-out that stops for good inside its queue call (kill -9, a Lambda timeout): the event is stored, nothing is queued. */
  const dies = (fanOutId: string) => {
    const stuck = new FanOut({ ...deps, queue: { send: () => new Promise<never>(() => undefined) }, fanOutLeaseMs: LEASE_MS, now });
    void stuck.fanOut(event(), fanOutId);
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { deps, fanOut, clock, dies, settle };
}

const queuedTo = (sent: FakeQueue['sent']) => sent.map((s) => s.message.kind === 'deliver' && s.message.job.webhook_id);

describe('FanOut', () => {
  it('queues one job per active, subscribed webhook on the fast lane and stores the event with its targets', async () => {
    const { deps, fanOut } = setup();
    expect(await fanOut.fanOut(event(), 'eb-1')).toEqual({ matched: 2, enqueued: 2, duplicates: 0, refused: 0 });
    expect(deps.queue.sent.map((s) => [s.lane, s.message.kind === 'deliver' && s.message.job.webhook_id])).toEqual([
      ['fast', 'a'],
      ['fast', 'b'],
    ]);
    expect(deps.events.items.get('p1/e1')?.webhookIds).toEqual(['a', 'b']);
    expect(deps.jobs.items.size).toBe(0);
  });

  it('queues the jobs of endpoints already served by the slow lane on the slow lane, the rest on the fast lane', async () => {
    const { deps } = setup();
    const lanes = { lanesOf: async (ids: string[]) => new Map(ids.map((id) => [id, id === 'a' ? ('slow' as const) : ('fast' as const)])) };
    const fanOut = new FanOut({ ...deps, lanes, fanOutLeaseMs: LEASE_MS });
    expect(await fanOut.fanOut(event(), 'eb-1')).toEqual({ matched: 2, enqueued: 2, duplicates: 0, refused: 0 });
    expect(deps.queue.sent.map((s) => [s.lane, s.message.kind === 'deliver' && s.message.job.webhook_id])).toEqual([
      ['fast', 'b'],
      ['slow', 'a'],
    ]);
  });

  it('queues nothing for the same event_id published again once its jobs are queued', async () => {
    const { deps, fanOut } = setup();
    await fanOut.fanOut(event(), 'eb-1');
    expect(await fanOut.fanOut(event(), 'eb-2')).toMatchObject({ enqueued: 0, duplicates: 2 });
    expect(await fanOut.fanOut(event(), 'eb-1')).toMatchObject({ enqueued: 0, duplicates: 2 });
    expect(deps.queue.sent).toHaveLength(2);
    expect(deps.leases.items.size).toBe(0);
  });

  it('carries small data in the message and large data by reference', async () => {
    const { deps, fanOut } = setup();
    await fanOut.fanOut(event({ eventId: 'big', data: { note: 'x'.repeat(100_000) } }), 'eb-1');
    const message = deps.queue.sent[0]!.message;
    expect(message.kind === 'deliver' && message.job.data).toBeUndefined();
    expect(deps.events.items.get('p1/big')?.data).toEqual({ note: 'x'.repeat(100_000) });
  });

  it('records a job the queue refuses for good as a failed attempt with the reason, never as accepted', async () => {
    const { deps, fanOut } = setup();
    deps.queue.refuse.add('e1');
    expect(await fanOut.fanOut(event(), 'eb-1')).toMatchObject({ enqueued: 0, refused: 2 });
    expect(deps.history.attempts.map((a) => [a.webhookId, a.status, a.attemptNumber, a.error])).toEqual([
      ['a', 'failed', 1, 'queue_refused:InvalidMessageContents'],
      ['b', 'failed', 1, 'queue_refused:InvalidMessageContents'],
    ]);
    expect([...deps.jobs.items.values()].map((j) => j.status)).toEqual(['failed', 'failed']);
  });

  it('ends its lease at once when queueing fails, so the publisher’s retry queues the stored event, and only that once', async () => {
    const { deps, fanOut } = setup();
    deps.queue.failCalls = 1;
    await expect(fanOut.fanOut(event(), 'eb-1')).rejects.toThrow('SQS unavailable');
    expect(deps.events.items.has('p1/e1')).toBe(true);
    expect(await fanOut.fanOut(event(), 'eb-2')).toMatchObject({ enqueued: 2, duplicates: 0 });
    expect(await fanOut.fanOut(event(), 'eb-3')).toMatchObject({ enqueued: 0, duplicates: 2 });
    expect(queuedTo(deps.queue.sent)).toEqual(['a', 'b']);
  });

  it('finishes an event whose fan-out died after storing it: the retry answers pending while the lease runs, then queues it once', async () => {
    const { deps, fanOut, clock, dies, settle } = setup();
    dies('eb-1');
    await settle();
    expect(deps.events.items.has('p1/e1')).toBe(true);
    expect(deps.queue.sent).toHaveLength(0);
    // The publisher's retry while the dead fan-out's lease still runs: stored, so accepted; queued by the holder or the sweeper.
    expect(await fanOut.fanOut(event(), 'eb-2')).toMatchObject({ enqueued: 0, duplicates: 0, pending: 2 });
    clock.now += LEASE_MS;
    expect(await fanOut.fanOut(event(), 'eb-3')).toMatchObject({ enqueued: 2, duplicates: 0 });
    expect(await fanOut.fanOut(event(), 'eb-4')).toMatchObject({ enqueued: 0, duplicates: 2 });
    expect(queuedTo(deps.queue.sent)).toEqual(['a', 'b']);
  });

  it('queues it to the webhooks it was stored with, even if the subscriptions changed since', async () => {
    const { deps, fanOut, clock, dies, settle } = setup();
    dies('eb-1');
    await settle();
    clock.now += LEASE_MS;
    const finisher = new FanOut({ ...deps, webhooks: { listAll: async () => [] }, fanOutLeaseMs: LEASE_MS, now: () => new Date(clock.now) });
    expect(await finisher.fanOut(event(), 'eb-2')).toMatchObject({ enqueued: 2 });
    expect(queuedTo(deps.queue.sent)).toEqual(['a', 'b']);
  });

  it('is finished by the sweeper when no retry comes, once the lease has run out, by one sweeper only', async () => {
    const { deps, fanOut, clock, dies, settle } = setup();
    dies('eb-1');
    await settle();
    expect(await fanOut.finishAbandoned('sweeper-1')).toEqual({ finished: 0, enqueued: 0 });
    clock.now += LEASE_MS;
    const [one, two] = await Promise.all([fanOut.finishAbandoned('sweeper-1'), fanOut.finishAbandoned('sweeper-2')]);
    expect(one.enqueued + two.enqueued).toBe(2);
    expect(queuedTo(deps.queue.sent)).toEqual(['a', 'b']);
    expect(deps.leases.items.size).toBe(0);
    expect(await fanOut.fanOut(event(), 'eb-2')).toMatchObject({ enqueued: 0, duplicates: 2 });
  });

  it('finishes at once the leases claimed before a given time (the local runtime at start: their holders died with the last process)', async () => {
    const { deps, fanOut, clock, dies, settle } = setup();
    dies('eb-1');
    await settle();
    clock.now += 1000;
    expect(await fanOut.finishAbandoned('local-start', clock.now)).toEqual({ finished: 1, enqueued: 2 });
    expect(queuedTo(deps.queue.sent)).toEqual(['a', 'b']);
  });

  it('refuses a retry while another fan-out holds an event it has not stored yet (not accepted: retried later), and takes over after the lease', async () => {
    const { deps, fanOut, clock } = setup();
    await deps.leases.claim({ partnerId: 'p1', eventId: 'e1' }, 'eb-1', clock.now, clock.now + LEASE_MS);
    await expect(fanOut.fanOut(event(), 'eb-2')).rejects.toThrow(FanOutBusyError);
    expect(deps.events.items.has('p1/e1')).toBe(false);
    clock.now += LEASE_MS;
    expect(await fanOut.fanOut(event(), 'eb-3')).toMatchObject({ enqueued: 2 });
  });

  it('lets the sweeper drop a lease whose event was never stored (its publisher saw the failure)', async () => {
    const { deps, fanOut, clock } = setup();
    await deps.leases.claim({ partnerId: 'p1', eventId: 'e1' }, 'eb-1', clock.now, clock.now + LEASE_MS);
    clock.now += LEASE_MS;
    expect(await fanOut.finishAbandoned('sweeper')).toEqual({ finished: 1, enqueued: 0 });
    expect(deps.leases.items.size).toBe(0);
    expect(deps.queue.sent).toHaveLength(0);
  });
});
