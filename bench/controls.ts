// SPEC §11 delivery controls as a partner meets them, in their own runtime: a webhook limited to 5/s sent
// 50 events/s (the most it got in any second, a neighbour's p99 alone and beside it); the same events over 20 orders
// to a per_entity webhook and a plain one (deliveries/s, and whether each order arrived in publish order).
import { randomUUID } from 'node:crypto';
import { awaitReceipts, latencyOf, NO_RATE_LIMITS, publishPaced, type Scenario, withScenario } from './scenario.js';
import { num } from './util.js';

const maxInAnySecond = (times: number[]) => Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));

/** The neighbour alone (order.submitted), then beside the limited webhook (order.filled). */
async function rateLimit({ state, receiver, webhooks }: Scenario) {
  const neighbour = `/ok-${randomUUID()}`;
  const limited = `/limited-${randomUUID()}`;
  await webhooks.create(receiver.url(neighbour), ['order.submitted', 'order.filled']);
  await webhooks.create(receiver.url(limited), ['order.filled'], { rate_limit_per_second: 5 });
  await publishPaced(state, 'order.submitted', 10, 1); // warm-up
  const p99 = async (type: string) => {
    const published = await publishPaced(state, type, 50, 2);
    return { published, p99: latencyOf(await awaitReceipts(receiver, [neighbour], published, 30_000), 0).p99_ms };
  };
  const alone = await p99('order.submitted');
  const start = Date.now();
  const beside = await p99('order.filled');
  await awaitReceipts(receiver, [limited], beside.published, 60_000);
  const times = [...beside.published.keys()].flatMap((id) => receiver.received.get(`${limited} ${id}`) ?? []);
  return {
    limit_per_s: 5, offered_per_s: 50, events: beside.published.size, received: times.length, max_in_any_second: maxInAnySecond(times),
    seconds_to_last: num((Math.max(...times) - start) / 1000), neighbour_p99_alone_ms: alone.p99, neighbour_p99_beside_ms: beside.p99,
  };
}

/** 200 events over 20 orders, each order's events published in turn. */
async function ordering({ state, receiver, webhooks }: Scenario) {
  const ordered = `/ordered-${randomUUID()}`;
  const plain = `/plain-${randomUUID()}`;
  await webhooks.create(receiver.url(ordered), ['order.cancelled'], { ordering: 'per_entity' });
  await webhooks.create(receiver.url(plain), ['order.cancelled']);
  const orders = 20;
  const start = Date.now();
  const events = await publishPaced(state, 'order.cancelled', 50, 4, (i) => ({ order_id: `bench-order-${i % orders}` }));
  await awaitReceipts(receiver, [ordered, plain], events, 120_000);
  const ids = [...events.keys()];
  const got = (path: string) => ids.flatMap((id) => receiver.received.get(`${path} ${id}`) ?? []);
  const perSecond = (times: number[]) => num(times.length / ((Math.max(...times) - start) / 1000));
  // In publish order per order: each order's receipt times rise with its publish order.
  const byOrder = Array.from({ length: orders }, (_, o) => ids.filter((_, i) => i % orders === o).map((id) => receiver.received.get(`${ordered} ${id}`) ?? Infinity));
  const inOrder = byOrder.every((times) => times.every((t, i) => i === 0 || t >= times[i - 1]!));
  return {
    events: events.size, orders,
    per_entity: { deliveries_per_s: perSecond(got(ordered)), in_order: inOrder, received: got(ordered).length },
    none: { deliveries_per_s: perSecond(got(plain)), received: got(plain).length },
  };
}

export function runControls() {
  return withScenario(NO_RATE_LIMITS, async (scenario) => ({ rate_limit: await rateLimit(scenario), ordering: await ordering(scenario) }));
}
