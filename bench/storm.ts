// The storm: healthy endpoints alone, then the same load while black holes and slow endpoints (200 after 3 s)
// subscribe too. Healthy p99 in the storm / alone (target ≤ 2), and whether each slow endpoint got the storm's events
// within 2× the publish time. Its own runtime, with the slow lane's concurrency the storm needs (docs/capacity.md).
import { randomUUID } from 'node:crypto';
import { awaitReceipts, latencyOf, NO_RATE_LIMITS, p99Ratio, publishPaced, SLOW_ANSWER_MS, withScenario } from './scenario.js';
import { num } from './util.js';

/**
 * `rate`: events/s to each bad endpoint (the standard storm: 3 s endpoints at 10 events/s); `healthyRate`: to each healthy one
 * (≤ rate): the local runtime is one Node thread, so healthy load near its capacity would measure CPU, not isolation.
 */
export type StormOptions = { healthy: number; holes: number; slow: number; rate: number; healthyRate: number; seconds: number };

/** 12 pollers × batches of 10 = 120 attempts in flight: 3 endpoints × 10 events/s × 3 s need 90, the dark ones a few each. */
const SLOW_LANE_CONCURRENCY = 12;
const ALONE_TYPE = 'order.submitted';
const STORM_TYPE = 'order.filled';
/** The bad endpoints' events beyond the healthy ones' rate. */
const BAD_ONLY_TYPE = 'order.cancelled';

export function runStorm(options: StormOptions) {
  const slowLane = { SLOW_DELIVERY_CONCURRENCY: `${SLOW_LANE_CONCURRENCY}`, DELIVERY_CONCURRENCY: '16' };
  return withScenario({ ...NO_RATE_LIMITS, MAX_WEBHOOKS_PER_PARTNER: '1000', ...slowLane }, async ({ state, receiver, webhooks }) => {
    const paths = (kind: string, n: number) => Array.from({ length: n }, (_, i) => `/${kind}-${randomUUID()}-${i}`);
    const [healthy, holes, slow] = [paths('ok', options.healthy), paths('hole', options.holes), paths('slow', options.slow)];
    for (const p of healthy) await webhooks.create(receiver.url(p), [ALONE_TYPE, STORM_TYPE]);
    for (const p of [...holes, ...slow]) await webhooks.create(receiver.url(p), [STORM_TYPE, BAD_ONLY_TYPE]);
    await publishPaced(state, ALONE_TYPE, options.healthyRate, 1); // warm-up, not measured
    const aloneEvents = await publishPaced(state, ALONE_TYPE, options.healthyRate, options.seconds);
    const alone = latencyOf(await awaitReceipts(receiver, healthy, aloneEvents, 60_000), aloneEvents.size * healthy.length);
    const stormStart = Date.now();
    const [stormEvents, badOnlyEvents] = await Promise.all([
      publishPaced(state, STORM_TYPE, options.healthyRate, options.seconds),
      options.rate > options.healthyRate ? publishPaced(state, BAD_ONLY_TYPE, options.rate - options.healthyRate, options.seconds) : new Map<string, number>(),
    ]);
    const badEvents = new Map([...stormEvents, ...badOnlyEvents]);
    const storm = latencyOf(await awaitReceipts(receiver, healthy, stormEvents, 90_000), stormEvents.size * healthy.length);
    // Slow endpoints: as long as twice the publish time, plus their answer time, then what arrived.
    await awaitReceipts(receiver, slow, badEvents, 2 * options.seconds * 1000 + SLOW_ANSWER_MS - (Date.now() - stormStart));
    /** Per slow endpoint: events received of those published, and seconds from the first publish to the last receipt. */
    const slowEndpoints = slow.map((p) => {
      const times = [...badEvents.keys()].flatMap((id) => receiver.received.get(`${p} ${id}`) ?? []);
      const secondsToLast = times.length ? num((Math.max(...times) - stormStart) / 1000) : null;
      return { received: times.length, expected: badEvents.size, seconds_to_last: secondsToLast, within_2x: times.length === badEvents.size && secondsToLast !== null && secondsToLast <= 2 * options.seconds };
    });
    const lost = alone.expected - alone.delivered + storm.expected - storm.delivered;
    const ratio = p99Ratio(alone, storm);
    return { ...options, slow_lane_concurrency: SLOW_LANE_CONCURRENCY, alone, storm, ratio, slow_endpoints: slowEndpoints, lost };
  });
}
