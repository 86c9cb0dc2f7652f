// `cost`: AWS API calls per delivery, from the runtime's own SDK call counters (SIGUSR2 snapshots
// around the pipeline phase), turned into USD per million deliveries at us-east-1 list prices.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DELIVERY_QUEUE } from '../lambdas/stores/queue-definitions.js';
import { ROOT } from './paths.js';
import type { SdkCalls } from './runtime.js';
import { round } from './stats.js';

/** us-east-1 list prices (no free tier), as used for every figure below. */
export const PRICES = {
  region: 'us-east-1',
  lambda_arm64_usd_per_gb_second: 0.0000133334,
  lambda_usd_per_million_requests: 0.2,
  sqs_standard_usd_per_million_requests: 0.4,
  dynamodb_on_demand_usd_per_million_write_request_units: 0.625,
  dynamodb_on_demand_usd_per_million_read_request_units: 0.125,
  kms_usd_per_10k_requests: 0.03,
  eventbridge_usd_per_million_custom_events: 1.0,
} as const;

const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const DYNAMODB_READS = new Set(['GetItem', 'Query', 'Scan']);
const DYNAMODB_BATCH_WRITE_MAX = 25;
const DYNAMODB_BATCH_GET_MAX = 100;

export type CostInputs = {
  before: SdkCalls;
  after: SdkCalls;
  delivered: number;
  /** PutEvents entries accepted in the window (= fan-out invocations). */
  events: number;
  webhooks: number;
  deliveriesPerSec: number;
  deliveryConcurrency: number;
  /** Measured: PutEvents round trip of one entry at idle (the local bus answers after the fan-out ran). */
  fanOutMs: number;
  /** Assumed: one delivery invocation (a batch), dominated in AWS by the partners' response times. */
  deliverBatchMs: number;
  batchWriteItemsPerDelivery: number;
  batchGetItemsPerDelivery: number;
};

function memoryFromLib(): { fanOut: number; deliver: number; source: string } {
  try {
    const pipeline = readFileSync(join(ROOT, 'lib', 'delivery-pipeline.ts'), 'utf8');
    const fn = readFileSync(join(ROOT, 'lib', 'webhook-function.ts'), 'utf8');
    const fallback = Number(/memorySize:\s*props\.memorySize\s*\?\?\s*(\d+)/.exec(fn)?.[1]);
    const of = (id: string) => Number(new RegExp(`'${id}',\\s*\\{[^}]*?memorySize:\\s*(\\d+)`, 's').exec(pipeline)?.[1] ?? fallback);
    const fanOut = of('FanOut');
    const deliver = of('Deliver');
    if (fanOut > 0 && deliver > 0) return { fanOut, deliver, source: 'lib/delivery-pipeline.ts, lib/webhook-function.ts' };
  } catch {
    // lib/ not there or changed shape
  }
  return { fanOut: 256, deliver: 512, source: 'assumed (could not read lib/)' };
}

export function computeCost(input: CostInputs) {
  const { delivered } = input;
  const delta: Record<string, number> = {};
  for (const key of new Set([...Object.keys(input.before), ...Object.keys(input.after)])) {
    const n = (input.after[key] ?? 0) - (input.before[key] ?? 0);
    if (n > 0) delta[key] = n;
  }
  const perDelivery = (n: number) => (delivered > 0 ? n / delivered : Number.NaN);

  const calls: Record<string, { calls: number; per_delivery: number | null }> = {};
  const perService: Record<string, number> = {};
  let total = 0;
  for (const [key, n] of Object.entries(delta).sort()) {
    calls[key] = { calls: n, per_delivery: round(perDelivery(n), 4) };
    const service = key.split('.')[0]!;
    perService[service] = (perService[service] ?? 0) + n;
    total += n;
  }

  // DynamoDB request units: one per item call (items ≤ 1 KB written, ≤ 4 KB read).
  let wru = 0;
  let rru = 0;
  const otherDynamo: string[] = [];
  for (const [key, n] of Object.entries(delta)) {
    const [service, op] = key.split('.') as [string, string];
    if (service !== 'DynamoDB') continue;
    if (DYNAMODB_WRITES.has(op)) wru += n;
    else if (DYNAMODB_READS.has(op)) rru += n;
    else if (op === 'BatchWriteItem') wru += Math.min(n * DYNAMODB_BATCH_WRITE_MAX, Math.max(n, delivered * input.batchWriteItemsPerDelivery));
    else if (op === 'BatchGetItem') rru += Math.min(n * DYNAMODB_BATCH_GET_MAX, Math.max(n, delivered * input.batchGetItemsPerDelivery));
    else otherDynamo.push(key);
  }
  const sqsRequests = perService.SQS ?? 0;
  const kmsMeasured = perService.KMS ?? 0;
  // AWS only: Decrypt is cached 5 min per secret per function instance (stores/kms-secret-cipher.ts).
  const kmsModelledPerDelivery = input.deliveriesPerSec > 0 ? (input.webhooks * input.deliveryConcurrency) / (input.deliveriesPerSec * 300) : 0;

  const memory = memoryFromLib();
  const batchSize = DELIVERY_QUEUE.batchSize;
  const fanOutInvocations = input.events;
  const deliverInvocations = delivered / batchSize;
  const gbSeconds =
    fanOutInvocations * (Math.ceil(input.fanOutMs) / 1000) * (memory.fanOut / 1024) +
    deliverInvocations * (Math.ceil(input.deliverBatchMs) / 1000) * (memory.deliver / 1024);

  const perMillion = (units: number, usdPerUnit: number) => (delivered > 0 ? (units / delivered) * 1e6 * usdPerUnit : Number.NaN);
  const usd = {
    lambda_requests: perMillion(fanOutInvocations + deliverInvocations, PRICES.lambda_usd_per_million_requests / 1e6),
    lambda_compute: perMillion(gbSeconds, PRICES.lambda_arm64_usd_per_gb_second),
    sqs: perMillion(sqsRequests, PRICES.sqs_standard_usd_per_million_requests / 1e6),
    dynamodb_writes: perMillion(wru, PRICES.dynamodb_on_demand_usd_per_million_write_request_units / 1e6),
    dynamodb_reads: perMillion(rru, PRICES.dynamodb_on_demand_usd_per_million_read_request_units / 1e6),
    kms: perMillion(kmsMeasured, PRICES.kms_usd_per_10k_requests / 1e4) + kmsModelledPerDelivery * 1e6 * (PRICES.kms_usd_per_10k_requests / 1e4),
    eventbridge: perMillion(input.events, PRICES.eventbridge_usd_per_million_custom_events / 1e6),
  };
  const usdTotal = Object.values(usd).reduce((a, b) => a + b, 0);

  return {
    delivered,
    events: input.events,
    calls_per_delivery: round(perDelivery(total), 3),
    calls_per_delivery_by_service: Object.fromEntries(Object.entries(perService).map(([s, n]) => [s, round(perDelivery(n), 3)])),
    calls,
    request_units_per_delivery: { dynamodb_write: round(perDelivery(wru), 3), dynamodb_read: round(perDelivery(rru), 3), sqs: round(perDelivery(sqsRequests), 3) },
    usd_per_million_deliveries: {
      ...Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, round(v, 3)])),
      total: round(usdTotal, 2),
    },
    lambda: {
      fan_out: {
        memory_mb: memory.fanOut,
        duration_ms: Math.ceil(input.fanOutMs),
        duration_source: 'measured: PutEvents round trip of one entry at idle (local bus answers after the fan-out handler ran)',
        invocations_per_delivery: round(perDelivery(fanOutInvocations), 4),
      },
      deliver: {
        memory_mb: memory.deliver,
        duration_ms: Math.ceil(input.deliverBatchMs),
        duration_source: 'assumed (--deliver-ms): one batch, dominated by the partners\' response times, not measurable locally',
        invocations_per_delivery: round(1 / batchSize, 4),
      },
      memory_source: memory.source,
    },
    prices: PRICES,
    assumptions: [
      'Calls are counted by the runtime on its SDK clients (lambdas/shared/sdk-metrics.ts), from right before the first publish to right after the last delivery: they include the event source mapping\'s ReceiveMessage/DeleteMessageBatch (empty long polls too: DELIVERY_CONCURRENCY pollers, 1 s waits) and any sweeper run in the window. The bench\'s own PutEvents calls are not counted as API calls (they are the publisher\'s), but their events are priced under EventBridge.',
      'DynamoDB: 1 request unit per item call (PutItem/UpdateItem/DeleteItem = 1 WRU, GetItem/Query/Scan = 1 RRU: items ≤ 1 KB, reads ≤ 4 KB, strongly consistent counted as 1).',
      `DynamoDB BatchWriteItem: items per call are not observable from the call counter; assumed ${input.batchWriteItemsPerDelivery} item(s) per delivery (the attempt record + the job's new state, per delivery/delivery-worker.ts at the time of writing; --batch-write-items-per-delivery), clamped to [1, 25] per call. BatchGetItem likewise with ${input.batchGetItemsPerDelivery} per delivery.`,
      'SQS: every call is one request (all payloads far below 64 KB). Standard queue price.',
      `KMS: the local runtime encrypts secrets with a key file, so 0 calls are measured; in AWS the delivery function decrypts once per webhook per instance per 5 min (cache), modelled as webhooks × DELIVERY_CONCURRENCY / (deliveries/s × 300 s) = ${kmsModelledPerDelivery.toExponential(2)} per delivery.`,
      'EventBridge: one custom event per published entry (each < 64 KB), shared by the webhooks the event fans out to.',
      `Lambda: fan-out invocations = PutEvents entries (one per event); delivery invocations = deliveries / ${batchSize} (full batches of DELIVERY_QUEUE.batchSize; the real batch sizes — ReceiveMessage calls that returned messages — are not observable). Durations rounded up to 1 ms; arm64.`,
      'Not included: API Gateway, CloudWatch Logs/metrics, data transfer, the sweeper (1 invocation a minute), free tiers.',
      ...(otherDynamo.length ? [`DynamoDB operations not priced: ${otherDynamo.join(', ')}`] : []),
    ],
  };
}

export type CostResult = ReturnType<typeof computeCost>;
