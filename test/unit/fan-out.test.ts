// FanOut with in-memory stores: idempotency per event_id, the same invocation retried, queue
// refusals recorded as failed attempts, and nothing half-done left behind when queueing fails.
import { FanOut } from '../../lambdas/delivery/fan-out.js';
import type { PublishedEvent } from '../../lambdas/domain/published-event.js';
import { FakeEvents, FakeHistory, FakeJobs, FakeQueue, webhookFixture } from '../support/delivery-fakes.js';

const event = (overrides: Partial<PublishedEvent> = {}): PublishedEvent => ({
  eventId: 'e1',
  eventType: 'order.filled',
  partnerId: 'p1',
  data: { order_id: 'o1' },
  environment: 'sandbox',
  createdAt: '2026-06-01T00:00:00.000Z',
  ...overrides,
});

function setup() {
  const webhooks = [webhookFixture('a'), webhookFixture('b', { events: ['order.filled'] }), webhookFixture('c', { events: ['account.closed'] }), webhookFixture('d', { status: 'disabled' })];
  const deps = { webhooks: { listAll: async () => webhooks }, events: new FakeEvents(), queue: new FakeQueue(), jobs: new FakeJobs(), history: new FakeHistory() };
  return { deps, fanOut: new FanOut({ ...deps, requeueLeaseMs: 900_000, now: () => new Date('2026-06-01T00:00:01.000Z') }) };
}

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

  it('queues nothing for the same event_id published again, and everything again for its own retried invocation', async () => {
    const { deps, fanOut } = setup();
    await fanOut.fanOut(event(), 'eb-1');
    expect(await fanOut.fanOut(event(), 'eb-2')).toMatchObject({ enqueued: 0, duplicates: 2 });
    expect(deps.queue.sent).toHaveLength(2);
    expect(await fanOut.fanOut(event(), 'eb-1')).toMatchObject({ enqueued: 2 });
    expect(deps.queue.sent).toHaveLength(4);
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

  it('takes the stored event back when queueing fails, so the publisher’s retry is not a duplicate', async () => {
    const { deps, fanOut } = setup();
    deps.queue.failCalls = 1;
    await expect(fanOut.fanOut(event(), 'eb-1')).rejects.toThrow('SQS unavailable');
    expect(deps.events.deleted).toEqual(['p1/e1']);
    expect(await fanOut.fanOut(event(), 'eb-2')).toMatchObject({ enqueued: 2, duplicates: 0 });
  });
});
