// SPEC §11 delivery controls as a partner meets them (issue 20), in their own runtime:
// - rate limit: a webhook limited to 5/s is sent 50 events/s for 2 s; the most it got in any rolling
//   second, whether all arrived, and a neighbour's p99 alone and beside it;
// - ordering: the same events over 20 orders to a per_entity webhook and to a plain one; each one's
//   deliveries/s, and whether every order arrived in publish order.
import { randomUUID } from 'node:crypto';
import { startRuntime } from './runtime.js';
import { awaitReceipts, exampleData, publishPaced, startScenarioReceiver, webhookRegistry } from './scenario.js';
import { percentile, round } from './stats.js';

export type ControlsResult = {
  rate_limit: { limit_per_s: number; offered_per_s: number; events: number; received: number; max_in_any_second: number; seconds_to_last: number; neighbour_p99_alone_ms: number; neighbour_p99_beside_ms: number };
  ordering: { events: number; orders: number; per_entity: { deliveries_per_s: number; in_order: boolean; received: number }; none: { deliveries_per_s: number; received: number } };
};

const num = (v: number, d = 1) => round(v, d) ?? Number.NaN;
const maxInAnySecond = (times: number[]) => Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));

export async function runControls(): Promise<ControlsResult> {
  const receiver = await startScenarioReceiver();
  const runtime = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
  const webhooks = webhookRegistry(runtime.state);
  try {
    // Rate limit: the neighbour alone (order.submitted), then beside the limited webhook (order.filled).
    const neighbour = `/ok-${randomUUID()}`;
    const limited = `/limited-${randomUUID()}`;
    await webhooks.create(receiver.url(neighbour), ['order.submitted', 'order.filled']);
    await webhooks.create(receiver.url(limited), ['order.filled'], { rate_limit_per_second: 5 });
    await publishPaced(runtime.state, 'order.submitted', 10, 1); // warm-up
    const alone = await publishPaced(runtime.state, 'order.submitted', 50, 2);
    const aloneP99 = percentile((await awaitReceipts(receiver, [neighbour], alone, 30_000)).sort((a, b) => a - b), 99);
    const start = Date.now();
    const beside = await publishPaced(runtime.state, 'order.filled', 50, 2);
    const besideP99 = percentile((await awaitReceipts(receiver, [neighbour], beside, 30_000)).sort((a, b) => a - b), 99);
    await awaitReceipts(receiver, [limited], beside, 60_000);
    const limitedTimes = [...beside.keys()].flatMap((id) => receiver.received.get(`${limited} ${id}`) ?? []);

    // Ordering: 200 events over 20 orders, each order's events published in turn.
    const ordered = `/ordered-${randomUUID()}`;
    const plain = `/plain-${randomUUID()}`;
    await webhooks.create(receiver.url(ordered), ['order.cancelled'], { ordering: 'per_entity' });
    await webhooks.create(receiver.url(plain), ['order.cancelled']);
    const orders = 20;
    const base = exampleData('order.cancelled');
    const orderStart = Date.now();
    const events = await publishPaced(runtime.state, 'order.cancelled', 50, 4, (i) => ({ ...base, order_id: `bench-order-${i % orders}` }));
    await awaitReceipts(receiver, [ordered, plain], events, 120_000);
    const ids = [...events.keys()];
    const got = (path: string) => ids.flatMap((id) => receiver.received.get(`${path} ${id}`) ?? []);
    const span = (times: number[]) => Math.max(...times) - orderStart;
    // In publish order per order: each order's receipt times rise with its publish order.
    const inOrder = Array.from({ length: orders }, (_, o) => ids.filter((_, i) => i % orders === o).map((id) => receiver.received.get(`${ordered} ${id}`) ?? Infinity)).every((times) =>
      times.every((t, i) => i === 0 || t >= times[i - 1]!),
    );
    return {
      rate_limit: {
        limit_per_s: 5,
        offered_per_s: 50,
        events: beside.size,
        received: limitedTimes.length,
        max_in_any_second: maxInAnySecond(limitedTimes),
        seconds_to_last: num((Math.max(...limitedTimes) - start) / 1000),
        neighbour_p99_alone_ms: num(aloneP99),
        neighbour_p99_beside_ms: num(besideP99),
      },
      ordering: {
        events: events.size,
        orders,
        per_entity: { deliveries_per_s: num(got(ordered).length / (span(got(ordered)) / 1000)), in_order: inOrder, received: got(ordered).length },
        none: { deliveries_per_s: num(got(plain).length / (span(got(plain)) / 1000)), received: got(plain).length },
      },
    };
  } finally {
    await webhooks.deleteAll();
    await runtime.stop();
    await receiver.close();
  }
}
