// An endpoint outage on a compressed schedule (SPEC §9): one endpoint answers 503 while events keep coming, then
// recovers; messages in flight (both lanes) and parked jobs sampled meanwhile. Nothing may be lost.
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalState } from '../local/state-file.js';
import { localClients } from './runtime.js';
import { NO_RATE_LIMITS, publishPaced, withScenario } from './scenario.js';
import { round, sleep } from './util.js';

/** The compressed schedule: 6 attempts over 46 s, waits above 3 s parked. */
const OUTAGE_RUNTIME_ENV = {
  RETRY_SCHEDULE_SECONDS: '2,4,8,16,16', PARK_AFTER_SECONDS: '3', CIRCUIT_PROBE_SECONDS: '2', SWEEP_INTERVAL_SECONDS: '1', ...NO_RATE_LIMITS,
};

/** Peaks of messages in flight (ApproximateNumberOfMessagesNotVisible, both lanes) and parked jobs, sampled every 500 ms until `stop()`. */
function samplePeaks(state: LocalState) {
  const { sqs, db, destroy } = localClients(state);
  const inFlight = async () => {
    const lanes = [state.delivery_queue_url, state.slow_delivery_queue_url];
    const attributes = await Promise.all(lanes.map((QueueUrl) => sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }))));
    return attributes.reduce((n, a) => n + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0), 0);
  };
  const parked = async () => (await db.send(new ScanCommand({ TableName: state.tables.jobs, Select: 'COUNT', FilterExpression: 'attribute_exists(due_shard)' }))).Count ?? 0;
  const peaks = { inFlight: 0, parked: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peaks.inFlight = Math.max(peaks.inFlight, await inFlight());
      peaks.parked = Math.max(peaks.parked, await parked());
      await sleep(500);
    }
  })();
  const stop = async () => {
    sampling = false;
    await sampler.finally(destroy);
  };
  return { peaks, stop };
}

export function runOutageSimulation(options: { rate: number; outageSeconds: number }) {
  return withScenario(OUTAGE_RUNTIME_ENV, async ({ state, receiver, webhooks }) => {
    receiver.script('/down', { statuses: [503] });
    for (const path of ['/down', '/ok']) await webhooks.create(receiver.url(path), ['order.filled']);
    const sampler = samplePeaks(state);
    const published = [...(await publishPaced(state, 'order.filled', options.rate, options.outageSeconds)).keys()];
    receiver.script('/down', {});
    const recovered = Date.now();
    const got = (path: string) => published.filter((id) => receiver.received.has(`${path} ${id}`)).length;
    while (got('/down') < published.length && Date.now() < recovered + 120_000) await sleep(250);
    const recoveryS = (Date.now() - recovered) / 1000;
    await sampler.stop();
    return {
      rate_per_s: options.rate, outage_s: options.outageSeconds, schedule_s: OUTAGE_RUNTIME_ENV.RETRY_SCHEDULE_SECONDS, park_after_s: Number(OUTAGE_RUNTIME_ENV.PARK_AFTER_SECONDS),
      events: published.length, in_flight_max: sampler.peaks.inFlight, parked_max: sampler.peaks.parked,
      delivered_to_recovered: got('/down'), delivered_to_healthy: got('/ok'), lost: published.length - got('/down'), recovery_s: round(recoveryS, 1)!,
    };
  });
}
