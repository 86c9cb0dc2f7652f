// SPEC §11 ordering "per_entity" on the real local runtime: interleaved events about 30 orders
// (each order's three published one after another, the orders all at once) reach an ordered
// webhook in publish order per order, while one order whose first event keeps failing holds only
// its own later events — the other 29 orders arrive meanwhile — and its later events go once the
// first has ended failed. Answers come after a random short delay, so attempts overlap.
import { randomUUID } from 'node:crypto';
import { exampleData } from '../support/examples.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

let harness: PipelineHarness;

beforeAll(async () => {
  harness = await startPipeline({
    ALLOW_LOOPBACK_URLS: '1',
    // Four attempts over 10 s: the failing event ends failed within seconds, and the other 29
    // orders (87 ordered events, each next one of an order looked at again 1 s later) have time to
    // arrive on a loaded machine before it does (8 s and 49 orders missed once with three jest workers).
    RETRY_SCHEDULE_SECONDS: '2,4,4',
    // The failing order's 503s never open the shared endpoint's circuit (that would hold every order: SPEC §9, not ordering).
    CIRCUIT_FAILURE_THRESHOLD: '1000',
  });
});
afterAll(async () => {
  await harness?.stop();
});

const ORDERS = 30;
const TYPES = ['order.submitted', 'order.filled', 'order.cancelled'] as const;

type Seen = { orderId: string; eventId: string; at: number };

it('delivers each order in publish order, and a failing order holds only its own events', async () => {
  const { receiver, call, aws } = harness;
  const path = `/ordered-${randomUUID()}`;
  const orderIds = Array.from({ length: ORDERS }, (_, i) => `ord-${i}-${randomUUID().slice(0, 8)}`);
  const failingOrder = orderIds[7]!;
  /** Per order, its event ids in publish order. */
  const published = new Map<string, string[]>(orderIds.map((id) => [id, []]));
  let failingEventId: string | undefined;
  receiver.script(path, {
    decide: (body) => {
      const { event_id: eventId } = JSON.parse(body) as { event_id: string };
      return { status: eventId === failingEventId ? 503 : 200, delayMs: Math.floor(Math.random() * 60) };
    },
  });
  const created = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: [...TYPES], ordering: 'per_entity' } });
  expect(created.status).toBe(201);
  expect(created.body.ordering).toBe('per_entity');

  await Promise.all(
    orderIds.map(async (orderId) => {
      for (const type of TYPES) {
        const eventId = randomUUID();
        if (orderId === failingOrder && type === TYPES[0]) failingEventId = eventId;
        published.get(orderId)!.push(eventId);
        const { result } = await aws.publish(type, { ...exampleData(type), order_id: orderId }, { eventId });
        expect(result.FailedEntryCount ?? 0).toBe(0);
      }
    }),
  );

  const seen = (): Seen[] =>
    receiver.received(path).map((r) => {
      const body = JSON.parse(r.body) as { event_id: string; data: { order_id: string } };
      return { orderId: body.data.order_id, eventId: body.event_id, at: r.receivedAt };
    });
  const complete = (orderId: string) => new Set(seen().filter((s) => s.orderId === orderId).map((s) => s.eventId)).size === TYPES.length;
  await waitFor(() => orderIds.every(complete), {
    timeoutMs: 60_000,
    what: () => `${orderIds.filter(complete).length} of ${ORDERS} orders complete`,
  });

  const all = seen();
  for (const orderId of orderIds) {
    const order = published.get(orderId)!;
    // In publish order: each attempt is for the same event as the one before it, or a later one.
    const indexes = all.filter((s) => s.orderId === orderId).map((s) => order.indexOf(s.eventId));
    expect({ orderId, indexes }).toEqual({ orderId, indexes: [...indexes].sort((a, b) => a - b) });
    expect(new Set(indexes)).toEqual(new Set([0, 1, 2]));
  }
  // The failing event: every attempt made (4), all failed; the next events of its order only after the last.
  const failing = all.filter((s) => s.eventId === failingEventId);
  expect(failing).toHaveLength(4);
  const failedFor = failing.at(-1)!.at;
  // It held only its own: every other order was complete before its first event had ended.
  for (const orderId of orderIds.filter((id) => id !== failingOrder)) {
    const last = Math.max(...all.filter((s) => s.orderId === orderId).map((s) => s.at));
    expect({ orderId, before: last < failedFor }).toEqual({ orderId, before: true });
  }
}, 120_000);
