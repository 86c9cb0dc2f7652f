// Issue 18's storm, as a user meets it: healthy loopback endpoints alone, then the same load while
// black holes (read, never answered) and slow endpoints (200 after 3 s) subscribe too, all at once.
// Reports healthy publish → receipt p99 alone and in the storm (`ratio`, target ≤ 2), and each slow
// endpoint's throughput: whether it received the storm's events within 2× the publish time.
// Runs in its own runtime, with the slow lane's concurrency the storm needs (docs/capacity.md).
import { randomUUID } from 'node:crypto';
import { startRuntime } from './runtime.js';
import { awaitReceipts, publishPaced, type ScenarioReceiver, startScenarioReceiver, webhookRegistry } from './scenario.js';
import { percentile, round } from './stats.js';

/**
 * `rate`: events/s each bad endpoint gets (the "3 s endpoint at 10 events/s"); `healthyRate`:
 * events/s each healthy endpoint gets, alone and in the storm (≤ rate). The local runtime is one Node
 * thread for every function and both engines: healthy load near its capacity measures that CPU, not
 * isolation, so the healthy endpoints run at ~half of it (docs/performance.md).
 */
export type StormOptions = { healthy: number; holes: number; slow: number; rate: number; healthyRate: number; seconds: number };

type Latency = { p50_ms: number; p99_ms: number; delivered: number; expected: number };

export type StormResult = StormOptions & {
  slow_lane_concurrency: number;
  alone: Latency;
  storm: Latency;
  /** storm p99 / alone p99 of the healthy endpoints. */
  ratio: number;
  /** Per slow endpoint: events received of those published, and seconds from the first publish to the last receipt. */
  slow_endpoints: { received: number; expected: number; seconds_to_last: number | null; within_2x: boolean }[];
  lost: number;
};

/** 12 pollers × batches of 10 = 120 attempts in flight: 3 endpoints × 10 events/s × 3 s need 90, the dark ones a few each. */
const SLOW_LANE_CONCURRENCY = 12;
const ALONE_TYPE = 'order.submitted';
const STORM_TYPE = 'order.filled';
/** The bad endpoints' events beyond the healthy ones' rate. */
const BAD_ONLY_TYPE = 'order.cancelled';
const num = (v: number, d = 1) => round(v, d) ?? Number.NaN;

function latency(sorted: number[], expected: number): Latency {
  return { p50_ms: num(percentile(sorted, 50)), p99_ms: num(percentile(sorted, 99)), delivered: sorted.length, expected };
}

export async function runStorm(options: StormOptions): Promise<StormResult> {
  const receiver: ScenarioReceiver = await startScenarioReceiver();
  const runtime = await startRuntime({
    env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000', MAX_WEBHOOKS_PER_PARTNER: '1000', SLOW_DELIVERY_CONCURRENCY: String(SLOW_LANE_CONCURRENCY), DELIVERY_CONCURRENCY: '16' },
  });
  const webhooks = webhookRegistry(runtime.state);
  try {
    const paths = (kind: string, n: number) => Array.from({ length: n }, (_, i) => `/${kind}-${randomUUID()}-${i}`);
    const healthy = paths('ok', options.healthy);
    const holes = paths('hole', options.holes);
    const slow = paths('slow', options.slow);
    for (const p of healthy) await webhooks.create(receiver.url(p), [ALONE_TYPE, STORM_TYPE]);
    for (const p of [...holes, ...slow]) await webhooks.create(receiver.url(p), [STORM_TYPE, BAD_ONLY_TYPE]);

    await publishPaced(runtime.state, ALONE_TYPE, options.healthyRate, 1); // warm-up, not measured
    const aloneEvents = await publishPaced(runtime.state, ALONE_TYPE, options.healthyRate, options.seconds);
    const alone = latency((await awaitReceipts(receiver, healthy, aloneEvents, 60_000)).sort((a, b) => a - b), aloneEvents.size * healthy.length);

    const stormStart = Date.now();
    const [stormEvents, badOnlyEvents] = await Promise.all([
      publishPaced(runtime.state, STORM_TYPE, options.healthyRate, options.seconds),
      options.rate > options.healthyRate ? publishPaced(runtime.state, BAD_ONLY_TYPE, options.rate - options.healthyRate, options.seconds) : new Map<string, number>(),
    ]);
    const badEvents = new Map([...stormEvents, ...badOnlyEvents]);
    const storm = latency((await awaitReceipts(receiver, healthy, stormEvents, 90_000)).sort((a, b) => a - b), stormEvents.size * healthy.length);
    // Slow endpoints: as long as twice the publish time, plus their answer time, then what arrived.
    await awaitReceipts(receiver, slow, badEvents, 2 * options.seconds * 1000 + 3000 - (Date.now() - stormStart));
    const slowEndpoints = slow.map((p) => {
      const times = [...badEvents.keys()].flatMap((id) => receiver.received.get(`${p} ${id}`) ?? []);
      const last = times.length ? Math.max(...times) : null;
      const secondsToLast = last === null ? null : num((last - stormStart) / 1000);
      return { received: times.length, expected: badEvents.size, seconds_to_last: secondsToLast, within_2x: times.length === badEvents.size && secondsToLast !== null && secondsToLast <= 2 * options.seconds };
    });
    return {
      ...options,
      slow_lane_concurrency: SLOW_LANE_CONCURRENCY,
      alone,
      storm,
      ratio: num(storm.p99_ms / Math.max(1, alone.p99_ms), 2),
      slow_endpoints: slowEndpoints,
      lost: alone.expected - alone.delivered + storm.expected - storm.delivered,
    };
  } finally {
    await webhooks.deleteAll();
    await runtime.stop();
    await receiver.close();
  }
}
