// SPEC §9's isolation scenario: healthy endpoints' publish → receipt latency alone, then beside one that accepts the
// connection and never answers, events at a steady rate through PutEvents. Also run by the integration test.
import { randomUUID } from 'node:crypto';
import type { LocalState } from '../local/state-file.js';
import { awaitReceipts, latencyOf, onScenario, p99Ratio, publishPaced } from './scenario.js';

export type IsolationResult = Awaited<ReturnType<typeof runIsolationScenario>>;

const ALONE_TYPE = 'order.submitted';
const BESIDE_TYPE = 'order.filled';

export function runIsolationScenario(state: LocalState, options: { rate: number; seconds: number; healthy: number; settleTimeoutMs?: number }) {
  return onScenario(state, async ({ receiver, webhooks }) => {
    const healthyPaths = Array.from({ length: options.healthy }, (_, i) => `/ok-${randomUUID()}-${i}`);
    for (const path of healthyPaths) await webhooks.create(receiver.url(path), [ALONE_TYPE, BESIDE_TYPE]);
    await webhooks.create(receiver.url('/hole'), [BESIDE_TYPE]);
    const phase = async (type: string, seconds = options.seconds) => {
      const published = await publishPaced(state, type, options.rate, seconds);
      const latencies = await awaitReceipts(receiver, healthyPaths, published, options.settleTimeoutMs ?? 90_000);
      return { ...latencyOf(latencies, published.size * healthyPaths.length), max_ms: Math.max(0, ...latencies) };
    };
    await phase(ALONE_TYPE, 1); // warm-up: the first deliveries to new webhooks load handlers and fill caches
    const alone = await phase(ALONE_TYPE);
    const besideBad = await phase(BESIDE_TYPE);
    return {
      rate_per_s: options.rate, seconds: options.seconds, healthy_endpoints: options.healthy, alone, beside_bad: besideBad,
      alone_p99_ms: alone.p99_ms, beside_bad_p99_ms: besideBad.p99_ms,
      /** beside_bad p99 / alone p99: SPEC §9 asks for at most 2. */
      ratio: p99Ratio(alone, besideBad),
      healthy_delivered: alone.delivered + besideBad.delivered, healthy_expected: alone.expected + besideBad.expected,
    };
  });
}
