// The isolation scenario of SPEC §9, as a user meets it: healthy loopback receivers and one
// endpoint that accepts the connection and never answers, all subscribed, events published at a
// steady rate through PutEvents. Phase "alone": only the healthy endpoints subscribe to the event
// type; phase "beside_bad": the black hole subscribes too. Latency is publish → receipt, per
// healthy delivery. Used by `npm run bench` (section `isolation`) and the integration test.
import { randomUUID } from 'node:crypto';
import type { LocalState } from '../local/state-file.js';
import { awaitReceipts, publishPaced, startScenarioReceiver, webhookRegistry } from './scenario.js';
import { percentile, round } from './stats.js';

const num = (value: number, digits = 1) => round(value, digits) ?? Number.NaN;

export type IsolationOptions = { rate: number; seconds: number; healthy: number; settleTimeoutMs?: number };

export type PhaseResult = { p50_ms: number; p99_ms: number; max_ms: number; delivered: number; expected: number };

export type IsolationResult = {
  rate_per_s: number;
  seconds: number;
  healthy_endpoints: number;
  alone: PhaseResult;
  beside_bad: PhaseResult;
  alone_p99_ms: number;
  beside_bad_p99_ms: number;
  /** beside_bad p99 / alone p99: SPEC §9 asks for at most 2. */
  ratio: number;
  healthy_delivered: number;
  healthy_expected: number;
};

const ALONE_TYPE = 'order.submitted';
const BESIDE_TYPE = 'order.filled';

export async function runIsolationScenario(state: LocalState, options: IsolationOptions): Promise<IsolationResult> {
  const receiver = await startScenarioReceiver();
  const webhooks = webhookRegistry(state);
  try {
    const healthyPaths = Array.from({ length: options.healthy }, (_, i) => `/ok-${randomUUID()}-${i}`);
    for (const path of healthyPaths) await webhooks.create(receiver.url(path), [ALONE_TYPE, BESIDE_TYPE]);
    await webhooks.create(receiver.url('/hole'), [BESIDE_TYPE]);

    const phase = async (type: string, seconds = options.seconds): Promise<PhaseResult> => {
      const published = await publishPaced(state, type, options.rate, seconds);
      const sorted = (await awaitReceipts(receiver, healthyPaths, published, options.settleTimeoutMs ?? 90_000)).sort((a, b) => a - b);
      return {
        p50_ms: num(percentile(sorted, 50)),
        p99_ms: num(percentile(sorted, 99)),
        max_ms: sorted.at(-1) ?? 0,
        delivered: sorted.length,
        expected: published.size * healthyPaths.length,
      };
    };

    // Warm-up, not measured: the first deliveries to new webhooks load handlers and fill caches.
    await phase(ALONE_TYPE, 1);
    const alone = await phase(ALONE_TYPE);
    const besideBad = await phase(BESIDE_TYPE);
    return {
      rate_per_s: options.rate,
      seconds: options.seconds,
      healthy_endpoints: options.healthy,
      alone,
      beside_bad: besideBad,
      alone_p99_ms: alone.p99_ms,
      beside_bad_p99_ms: besideBad.p99_ms,
      ratio: num(besideBad.p99_ms / Math.max(1, alone.p99_ms), 2),
      healthy_delivered: alone.delivered + besideBad.delivered,
      healthy_expected: alone.expected + besideBad.expected,
    };
  } finally {
    // The black hole's deliveries would otherwise go on being retried after the scenario.
    await webhooks.deleteAll();
    await receiver.close();
  }
}
