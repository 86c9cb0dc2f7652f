// `cost`: AWS API calls, SQS requests and DynamoDB units per delivery, from the bench's observer in
// the runtime (bench/sdk-observer.ts; snapshots around the pipeline phase and a short capacity
// phase), turned into USD per million deliveries at us-east-1 list prices.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DELIVERY_QUEUE } from '../lambdas/stores/queue-definitions.js';
import { PER_DELIVERY_TABLES, POINT_IN_TIME_RECOVERY_TABLES, RETENTION_DAYS, type TableName } from '../lambdas/stores/table-definitions.js';
import { ROOT } from './paths.js';
import { type AllInInputs, allInCostPerMillion, apiDestinationsPerMillion, ALL_IN_PRICES } from './all-in-cost.js';
import type { ObserverSnapshot } from './sdk-observer.js';
import { round } from './stats.js';

/** us-east-1 list prices (no free tier), as used for every figure below. */
export const PRICES = {
  region: 'us-east-1',
  lambda_arm64_usd_per_gb_second: 0.0000133334,
  lambda_usd_per_million_requests: 0.2,
  sqs_standard_usd_per_million_requests: 0.4,
  dynamodb_on_demand_usd_per_million_write_request_units: 0.625,
  dynamodb_on_demand_usd_per_million_read_request_units: 0.125,
  /** Provisioned capacity, per unit-hour provisioned (consumed or not): 1 WCU = one 1 KB write per second. */
  dynamodb_provisioned_usd_per_wcu_hour: 0.00065,
  /** 1 RCU = one strongly consistent (or two eventually consistent) 4 KB reads per second. */
  dynamodb_provisioned_usd_per_rcu_hour: 0.00013,
  kms_usd_per_10k_requests: 0.03,
  eventbridge_usd_per_million_custom_events: 1.0,
} as const;

/**
 * Average consumed / provisioned capacity assumed when pricing the provisioned option: below the
 * stack's 70 % target, because auto scaling raises capacity only after a rise has lasted a few
 * minutes and lowers it slowly (and a limited number of times a day).
 */
export const PROVISIONED_ASSUMED_UTILIZATION = 0.5;

/** DynamoDB units per delivery by observer resource: `<table>.<Op>`, `<table>/index/<index>[.<Op>]`. */
export type UnitsByResource = Record<string, { wru: number | null; rru: number | null }>;

/**
 * The table (of lambdas/stores/table-definitions.ts) an observer resource key belongs to, given
 * the tables' physical names: the longest name the key equals or continues with `.` or `/`.
 */
export function tableOfResource(resource: string, tableNames: Record<TableName, string>): TableName | undefined {
  let best: { table: TableName; length: number } | undefined;
  for (const [table, name] of Object.entries(tableNames) as [TableName, string][]) {
    const matches = resource === name || resource.startsWith(`${name}.`) || resource.startsWith(`${name}/`);
    if (matches && name.length > (best?.length ?? -1)) best = { table, length: name.length };
  }
  return best?.table;
}

/**
 * USD per million deliveries of DynamoDB reads and writes, each table priced on-demand or, if
 * listed in `provisioned`, as provisioned capacity running at `utilization` on average: a unit
 * consumed per second costs 1 / utilization units provisioned for that second. A WRU is a
 * WCU-second; an RRU (half of one for an eventually consistent read) is an RCU-second. Resources
 * of no known table are priced on-demand and listed in `unmatched`.
 */
export function dynamodbUsdPerMillionDeliveries(
  byResource: UnitsByResource,
  options: { tableNames: Record<TableName, string>; provisioned: readonly TableName[]; utilization: number },
) {
  if (!(options.utilization > 0 && options.utilization <= 1)) throw new Error(`utilization must be in (0, 1], got ${options.utilization}`);
  const perUnit = {
    onDemand: {
      wru: PRICES.dynamodb_on_demand_usd_per_million_write_request_units / 1e6,
      rru: PRICES.dynamodb_on_demand_usd_per_million_read_request_units / 1e6,
    },
    provisioned: {
      wru: PRICES.dynamodb_provisioned_usd_per_wcu_hour / 3600 / options.utilization,
      rru: PRICES.dynamodb_provisioned_usd_per_rcu_hour / 3600 / options.utilization,
    },
  };
  const units = { onDemand: { wru: 0, rru: 0 }, provisioned: { wru: 0, rru: 0 } };
  const unmatched: string[] = [];
  for (const [resource, u] of Object.entries(byResource)) {
    const table = tableOfResource(resource, options.tableNames);
    if (!table) unmatched.push(resource);
    const mode = table && options.provisioned.includes(table) ? 'provisioned' : 'onDemand';
    units[mode].wru += u.wru ?? 0;
    units[mode].rru += u.rru ?? 0;
  }
  const usd = (kind: 'wru' | 'rru') => (units.onDemand[kind] * perUnit.onDemand[kind] + units.provisioned[kind] * perUnit.provisioned[kind]) * 1e6;
  return {
    writes: usd('wru'),
    reads: usd('rru'),
    /** Units per delivery on each side. */
    units,
    /** Effective USD per million units consumed on provisioned capacity at this utilization. */
    provisioned_usd_per_million: { wru: perUnit.provisioned.wru * 1e6, rru: perUnit.provisioned.rru * 1e6 },
    unmatched,
  };
}

/** One measured window: observer snapshots around it, and what went through the pipeline in it. */
export type CostWindow = { before: ObserverSnapshot; after: ObserverSnapshot; delivered: number; events: number };

export type CostInputs = {
  /** The throughput phase: API calls and SQS requests per delivery, at full batches. */
  window: CostWindow;
  /** The capacity phase (a short paced run with DynamoDB unit measurement on); absent if it failed. */
  capacity?: CostWindow;
  webhooks: number;
  deliveriesPerSec: number;
  deliveryConcurrency: number;
  /** Measured: PutEvents round trip of one entry at idle (the local bus answers after the fan-out ran). */
  fanOutMs: number;
  /** Assumed: one delivery invocation (a batch), dominated in AWS by the partners' response times. */
  deliverBatchMs: number;
  /** The runtime's physical table names (its local.json), to tell the observer's resources apart. */
  tableNames: Record<TableName, string>;
  /** Issue 19: what the all-in model needs beyond the above (measured in the cost section). */
  allIn?: AllInMeasured;
};

/** Measured by the cost section for the all-in model (bench/all-in-cost.ts). */
export type AllInMeasured = {
  /** Info-level log bytes (bench/log-bytes.ts): per event (the fan-out's line) and per delivery. */
  logBytesPerEvent: number | null;
  logBytesPerDelivery: number | null;
  logSource: string;
  /** Stored bytes per history item and per event item (+ index entries, + 100 B overhead each). */
  historyItemBytes: number | null;
  eventItemBytes: number | null;
  /** Request bytes per delivery attempt received by the receivers (request line + headers + body). */
  requestBytesPerAttempt: number | null;
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

function diff(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const n = (after[key] ?? 0) - (before[key] ?? 0);
    if (n > 0) delta[key] = n;
  }
  return delta;
}

/** DynamoDB units per delivery in the capacity window, in all and by table, operation and index (reported rounded). */
function dynamodbUnits(capacity: CostWindow | undefined) {
  if (!capacity || capacity.delivered <= 0) return undefined;
  const { before, after, delivered } = capacity;
  const per = (n: number) => round(n / delivered, 3);
  const byResource: Record<string, { calls: number | null; wru: number | null; rru: number | null }> = {};
  /** The same, unrounded, for pricing. */
  const exact: UnitsByResource = {};
  for (const [resource, a] of Object.entries(after.dynamodb.by_resource).sort()) {
    const b = before.dynamodb.by_resource[resource] ?? { calls: 0, wru: 0, rru: 0 };
    if (a.calls - b.calls + a.wru - b.wru + a.rru - b.rru === 0) continue;
    byResource[resource] = { calls: per(a.calls - b.calls), wru: per(a.wru - b.wru), rru: per(a.rru - b.rru) };
    exact[resource] = { wru: (a.wru - b.wru) / delivered, rru: (a.rru - b.rru) / delivered };
  }
  return {
    units: {
      delivered,
      events: capacity.events,
      wru: (after.dynamodb.wru - before.dynamodb.wru) / delivered,
      rru: (after.dynamodb.rru - before.dynamodb.rru) / delivered,
      per_delivery_by_resource: byResource,
      approximations: diff(before.dynamodb.approximations, after.dynamodb.approximations),
    },
    /** Unrounded units per delivery by resource, for pricing (not reported). */
    exact,
  };
}

export function computeCost(input: CostInputs) {
  const { delivered } = input.window;
  const delta = diff(input.window.before.calls, input.window.after.calls);
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

  const measured = dynamodbUnits(input.capacity);
  const units = measured?.units;
  const wruPerDelivery = units?.wru ?? Number.NaN;
  const rruPerDelivery = units?.rru ?? Number.NaN;
  const sqsRequests = input.window.after.sqs_billed_requests - input.window.before.sqs_billed_requests;
  const kmsMeasured = perService.KMS ?? 0;
  // AWS only: Decrypt is cached 5 min per secret per function instance (stores/kms-secret-cipher.ts).
  const kmsModelledPerDelivery = input.deliveriesPerSec > 0 ? (input.webhooks * input.deliveryConcurrency) / (input.deliveriesPerSec * 300) : 0;

  const memory = memoryFromLib();
  const batchSize = DELIVERY_QUEUE.batchSize;
  const fanOutInvocations = input.window.events;
  const deliverInvocations = delivered / batchSize;
  const gbSeconds =
    fanOutInvocations * (Math.ceil(input.fanOutMs) / 1000) * (memory.fanOut / 1024) +
    deliverInvocations * (Math.ceil(input.deliverBatchMs) / 1000) * (memory.deliver / 1024);

  const fanOutGbSecondsPerEvent = (Math.ceil(input.fanOutMs) / 1000) * (memory.fanOut / 1024);
  const all_in_base = allInBase(input, {
    exact: measured?.exact,
    sqsBilled: sqsRequests,
    sqsSendCalls: (delta['SQS.SendMessageBatch'] ?? 0) + (delta['SQS.SendMessage'] ?? 0),
    fanOutGbSecondsPerEvent,
    deliverGbSecondsPerDelivery: delivered > 0 ? (deliverInvocations * (Math.ceil(input.deliverBatchMs) / 1000) * (memory.deliver / 1024)) / delivered : Number.NaN,
    deliverInvocationsPerDelivery: 1 / batchSize,
  });

  const perMillion = (units: number, usdPerUnit: number) => (delivered > 0 ? (units / delivered) * 1e6 * usdPerUnit : Number.NaN);
  const usd = {
    lambda_requests: perMillion(fanOutInvocations + deliverInvocations, PRICES.lambda_usd_per_million_requests / 1e6),
    lambda_compute: perMillion(gbSeconds, PRICES.lambda_arm64_usd_per_gb_second),
    sqs: perMillion(sqsRequests, PRICES.sqs_standard_usd_per_million_requests / 1e6),
    dynamodb_writes: wruPerDelivery * PRICES.dynamodb_on_demand_usd_per_million_write_request_units,
    dynamodb_reads: rruPerDelivery * PRICES.dynamodb_on_demand_usd_per_million_read_request_units,
    kms: perMillion(kmsMeasured, PRICES.kms_usd_per_10k_requests / 1e4) + kmsModelledPerDelivery * 1e6 * (PRICES.kms_usd_per_10k_requests / 1e4),
    eventbridge: perMillion(input.window.events, PRICES.eventbridge_usd_per_million_custom_events / 1e6),
  };
  const usdTotal = Object.values(usd).reduce((a, b) => a + b, 0);

  // The provisioned option: the per-delivery tables' units on provisioned capacity, the rest as above.
  const provisionedDb = measured
    ? dynamodbUsdPerMillionDeliveries(measured.exact, { tableNames: input.tableNames, provisioned: PER_DELIVERY_TABLES, utilization: PROVISIONED_ASSUMED_UTILIZATION })
    : undefined;
  const usdProvisioned = { ...usd, dynamodb_writes: provisionedDb?.writes ?? Number.NaN, dynamodb_reads: provisionedDb?.reads ?? Number.NaN };
  const usdProvisionedTotal = Object.values(usdProvisioned).reduce((a, b) => a + b, 0);

  return {
    delivered,
    events: input.window.events,
    calls_per_delivery: round(perDelivery(total), 3),
    calls_per_delivery_by_service: Object.fromEntries(Object.entries(perService).map(([s, n]) => [s, round(perDelivery(n), 3)])),
    calls,
    /** DynamoDB write request units per delivery, from the items written (bench/capacity-units.ts). */
    dynamodb_wru_per_delivery: round(wruPerDelivery, 3),
    dynamodb_rru_per_delivery: round(rruPerDelivery, 3),
    sqs_requests_per_delivery: round(perDelivery(sqsRequests), 3),
    lambda_gb_seconds_per_delivery: round(perDelivery(gbSeconds), 6),
    request_units_per_delivery: { dynamodb_write: round(wruPerDelivery, 3), dynamodb_read: round(rruPerDelivery, 3), sqs: round(perDelivery(sqsRequests), 3) },
    dynamodb_capacity: units ? { ...units, wru: round(units.wru, 3), rru: round(units.rru, 3) } : null,
    usd_per_million_deliveries: {
      ...Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, round(v, 3)])),
      total: round(usdTotal, 2),
    },
    /** The same with the deliveries and events tables on provisioned capacity (dynamoDbBilling=provisioned). */
    usd_per_million_deliveries_provisioned: {
      ...Object.fromEntries(Object.entries(usdProvisioned).map(([k, v]) => [k, round(v, 3)])),
      total: round(usdProvisionedTotal, 2),
    },
    dynamodb_provisioned_option: {
      tables: [...PER_DELIVERY_TABLES],
      assumed_utilization: PROVISIONED_ASSUMED_UTILIZATION,
      wru_per_delivery: { provisioned: round(provisionedDb?.units.provisioned.wru ?? Number.NaN, 3), on_demand: round(provisionedDb?.units.onDemand.wru ?? Number.NaN, 3) },
      rru_per_delivery: { provisioned: round(provisionedDb?.units.provisioned.rru ?? Number.NaN, 3), on_demand: round(provisionedDb?.units.onDemand.rru ?? Number.NaN, 3) },
      usd_per_million_consumed_units: provisionedDb
        ? { wru: round(provisionedDb.provisioned_usd_per_million.wru, 4), rru: round(provisionedDb.provisioned_usd_per_million.rru, 4) }
        : null,
      unmatched_resources: provisionedDb?.unmatched ?? [],
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
    /** Issue 19: the measured split the all-in figures (usd_per_million_all_in) are computed from. */
    all_in_base: all_in_base ?? null,
    assumptions: [
      'Calls are counted by the bench\'s observer on the functions\' SDK clients (bench/sdk-observer.ts, attached by the local runtime only under the bench), from right before the first publish to right after the last delivery of the throughput phase: they include the event source mapping\'s ReceiveMessage/DeleteMessageBatch (empty long polls too: DELIVERY_CONCURRENCY pollers, 1 s waits) and any sweeper run in the window. The bench\'s own PutEvents calls are not counted as API calls (they are the publisher\'s), but their events are priced under EventBridge.',
      `DynamoDB: units computed from the items actually written and read (bench/capacity-units.ts, AWS's documented rules: item size = attribute names + values; writes in 1 KB units on the larger of the item before and after; each index the item enters, leaves or changes in costs a write sized by its projection, an index key change a delete and a put; a failed condition the existing item's size or 1; reads in 4 KB units, eventually consistent half, Query/Scan on the summed sizes), during a separate paced capacity phase (${units ? `${units.events} events, ${units.delivered} deliveries` : 'not run'}) in which the observer reads each written item before (and after an update) — which slows the runtime, so it is not on during the throughput phase. On-demand prices.`,
      `DynamoDB, provisioned option (usd_per_million_deliveries_provisioned; stage dynamoDbBilling=provisioned): the units of the ${PER_DELIVERY_TABLES.join(' and ')} tables priced as provisioned capacity at $${PRICES.dynamodb_provisioned_usd_per_wcu_hour} per WCU-hour and $${PRICES.dynamodb_provisioned_usd_per_rcu_hour} per RCU-hour, divided by an assumed average utilization of ${PROVISIONED_ASSUMED_UTILIZATION * 100} % (below the 70 % auto scaling target: scaling follows a rise after minutes and scales down slowly) — a WRU consumed is a WCU-second, an RRU an RCU-second; every other table's units on-demand. Steady traffic assumed: the minimum capacity billed at low traffic is not included.`,
      'SQS: requests as billed, each 64 KB chunk of a call\'s payload (message bodies and attributes) one request. Standard queue price.',
      `KMS: the local runtime encrypts secrets with a key file, so 0 calls are measured; in AWS the delivery function decrypts once per webhook per instance per 5 min (cache), modelled as webhooks × DELIVERY_CONCURRENCY / (deliveries/s × 300 s) = ${kmsModelledPerDelivery.toExponential(2)} per delivery.`,
      'EventBridge: one custom event per published entry (each < 64 KB), shared by the webhooks the event fans out to.',
      `Lambda: fan-out invocations = PutEvents entries (one per event); delivery invocations = deliveries / ${batchSize} (full batches of DELIVERY_QUEUE.batchSize; the real batch sizes — ReceiveMessage calls that returned messages — are not observable). Durations rounded up to 1 ms; arm64.`,
      'Not included: API Gateway, CloudWatch Logs/metrics, data transfer, the sweeper (1 invocation a minute), free tiers, DynamoDB storage.',
      ...(units && Object.keys(units.approximations).length ? [`DynamoDB units estimated or not priced: ${Object.entries(units.approximations).map(([k, n]) => `${k} × ${n}`).join(', ')}`] : []),
    ],
  };
}

export type CostResult = ReturnType<typeof computeCost> & { usd_per_million_all_in?: AllInResult };

/** Tables whose units are per event (the event item, the fan-out lease), and the fan-out's webhook Query. */
const PER_EVENT_TABLES: readonly TableName[] = ['events', 'fanOuts'];

/**
 * Assumed where the bench does not measure: a TLS 1.3 handshake with a typical certificate chain
 * (2–3 certificates) and the TCP set-up is ~5–6 KB on the wire; counted whole (5,500 B) as if it
 * were all egress, although only the client's part (~0.6–1 KB: SYN/ACKs, ClientHello, Finished)
 * leaves AWS — the certificate chain comes in, and inbound transfer is free. An upper bound.
 */
export const TLS_HANDSHAKE_BYTES = 5_500;
/** Lambda's START / END / REPORT lines per invocation (text format, ~260 B): assumed, not printed locally. */
export const LAMBDA_PLATFORM_LOG_BYTES = 260;
/** Without the bench's kms section: the last measured figure in docs/performance.md (0.00027) rounded up, as the issue gives it. */
export const DEFAULT_KMS_CALLS_PER_DELIVERY = 0.00037;
/** Without the bench's connection_reuse section: its last figure in docs/performance.md, 300 → 10 handshakes. */
export const DEFAULT_HANDSHAKES_PER_ATTEMPT_WITH_REUSE = 10 / 300;
/** Log group retention assumed for CloudWatch Logs storage (the stage's logRetentionDays; its default is not read here). */
export const LOG_RETENTION_DAYS_ASSUMED = 30;

/** The per-delivery / per-event split of the measured figures (W-independent), kept in results.json. */
export type AllInBase = Omit<AllInInputs, 'kmsCallsPerDelivery' | 'handshakesPerAttemptWithReuse'> & { sources: Record<string, string> };

export type AllInResult = {
  w1: ReturnType<typeof roundAllIn>;
  w4: ReturnType<typeof roundAllIn>;
  api_destinations: { w1: number; w4: number; note: string };
  targets: { w4: number; w1: number; w4_met: boolean; w1_met: boolean };
  inputs: AllInInputs;
  sources: Record<string, string>;
};

function roundAllIn(c: ReturnType<typeof allInCostPerMillion>) {
  return {
    total: round(c.total, 3)!,
    items: Object.fromEntries(Object.entries(c.items).map(([k, v]) => [k, round(v, 4)])) as Record<keyof typeof c.items, number>,
    egress_without_reuse: round(c.egress_without_reuse, 4),
    total_without_reuse: round(c.total_without_reuse, 3),
  };
}

/** Issue 19 targets. */
export const ALL_IN_TARGETS = { w4: 1.5, w1: 2.4 };

/** The all-in figures from the cost section's base, with the kms and connection_reuse sections' results where they ran. */
export function allInFromBase(base: AllInBase, measured: { kmsCallsPerDelivery?: number; handshakesSavedRatio?: number }): AllInResult {
  const { sources, ...rest } = base;
  const inputs: AllInInputs = {
    ...rest,
    kmsCallsPerDelivery: measured.kmsCallsPerDelivery ?? DEFAULT_KMS_CALLS_PER_DELIVERY,
    handshakesPerAttemptWithReuse: measured.handshakesSavedRatio !== undefined ? 1 - measured.handshakesSavedRatio : DEFAULT_HANDSHAKES_PER_ATTEMPT_WITH_REUSE,
  };
  const w1 = roundAllIn(allInCostPerMillion(inputs, 1));
  const w4 = roundAllIn(allInCostPerMillion(inputs, 4));
  return {
    w1,
    w4,
    api_destinations: {
      w1: round(apiDestinationsPerMillion(1), 3)!,
      w4: round(apiDestinationsPerMillion(4), 3)!,
      note: `EventBridge API destinations: $${ALL_IN_PRICES.eventbridge_usd_per_million_events} per million events + $${ALL_IN_PRICES.api_destinations_usd_per_million_invocations} per million invocations; no signing (Standard Webhooks), no delivery history, no self-service portal or API; its retries last 24 h at most`,
    },
    targets: { ...ALL_IN_TARGETS, w4_met: w4.total <= ALL_IN_TARGETS.w4, w1_met: w1.total <= ALL_IN_TARGETS.w1 },
    inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, round(v, 6)])) as AllInInputs,
    sources: {
      ...sources,
      kmsCallsPerDelivery: measured.kmsCallsPerDelivery !== undefined ? 'measured: the kms section (cost.kms_calls_per_delivery)' : `assumed ${DEFAULT_KMS_CALLS_PER_DELIVERY} (the kms section did not run)`,
      handshakesPerAttemptWithReuse:
        measured.handshakesSavedRatio !== undefined ? 'measured: the connection_reuse section (1 − handshakes saved / handshakes without the pool)' : 'assumed 10 / 300 (the connection_reuse section did not run; its last figure in docs/performance.md)',
    },
  };
}

/** The per-delivery / per-event split of the cost section's measurements, for the all-in model. */
function allInBase(input: CostInputs, parts: {
  exact: UnitsByResource | undefined;
  sqsBilled: number;
  sqsSendCalls: number;
  fanOutGbSecondsPerEvent: number;
  deliverGbSecondsPerDelivery: number;
  deliverInvocationsPerDelivery: number;
}): AllInBase | undefined {
  const m = input.allIn;
  const { delivered, events } = input.window;
  if (!m || delivered <= 0 || events <= 0 || !parts.exact) return undefined;
  const w = delivered / events; // webhooks per event in the bench's runs
  const units = { delivery: { wru: 0, rru: 0 }, event: { wru: 0, rru: 0 } };
  for (const [resource, u] of Object.entries(parts.exact)) {
    const table = tableOfResource(resource, input.tableNames);
    const perEvent = (table && PER_EVENT_TABLES.includes(table)) || (table === 'webhooks' && resource.endsWith('.Query'));
    const side = perEvent ? units.event : units.delivery;
    // Measured per delivery at W = w: a per-event resource's units per event are w times that.
    side.wru += (u.wru ?? 0) * (perEvent ? w : 1);
    side.rru += (u.rru ?? 0) * (perEvent ? w : 1);
  }
  const num = (v: number | null, fallback: number) => (v == null || !Number.isFinite(v) ? fallback : v);
  const history = num(m.historyItemBytes, Number.NaN);
  return {
    deliverInvocationsPerDelivery: parts.deliverInvocationsPerDelivery,
    deliverGbSecondsPerDelivery: parts.deliverGbSecondsPerDelivery,
    fanOutInvocationsPerEvent: 1,
    fanOutGbSecondsPerEvent: parts.fanOutGbSecondsPerEvent,
    sqsRequestsPerEvent: parts.sqsSendCalls / events,
    sqsRequestsPerDelivery: (parts.sqsBilled - parts.sqsSendCalls) / delivered,
    wruPerDelivery: units.delivery.wru,
    wruPerEvent: units.event.wru,
    rruPerDelivery: units.delivery.rru,
    rruPerEvent: units.event.rru,
    eventbridgeEventsPerEvent: 1,
    logBytesPerDelivery: num(m.logBytesPerDelivery, Number.NaN) + parts.deliverInvocationsPerDelivery * LAMBDA_PLATFORM_LOG_BYTES,
    logBytesPerEvent: num(m.logBytesPerEvent, Number.NaN) + LAMBDA_PLATFORM_LOG_BYTES,
    logRetentionDays: LOG_RETENTION_DAYS_ASSUMED,
    storedBytesPerDelivery: history,
    storedBytesPerEvent: num(m.eventItemBytes, 0),
    retentionDays: RETENTION_DAYS,
    pitrBytesPerDelivery: 0,
    pitrBytesPerEvent: 0,
    requestBytesPerAttempt: num(m.requestBytesPerAttempt, Number.NaN),
    handshakeBytes: TLS_HANDSHAKE_BYTES,
    attemptsPerDelivery: 1,
    sources: {
      lambda: `measured: invocations per event / per delivery (batches of ${DELIVERY_QUEUE.batchSize}); fan-out duration measured (PutEvents round trip), delivery batch duration assumed (--deliver-ms ${input.deliverBatchMs})`,
      sqs: `measured (pipeline window): SendMessage(Batch) calls per event ${round(parts.sqsSendCalls / events, 3)}, the other billed requests per delivery; at W = 1 the fan-out still sends one SendMessageBatch per event`,
      dynamodb: `measured (capacity phase, W = ${round(w, 2)}): units of the ${PER_EVENT_TABLES.join(' and ')} tables and the webhooks Query counted per event (× W), the rest per delivery`,
      eventbridge: 'one custom event (< 64 KB) per event',
      logs: `${m.logSource}; + ${LAMBDA_PLATFORM_LOG_BYTES} B of Lambda START/END/REPORT lines per invocation (assumed); storage of the uncompressed bytes (AWS bills archived, compressed bytes: an upper bound) for ${LOG_RETENTION_DAYS_ASSUMED} days (assumed)`,
      storage: `measured: a scan of the local deliveries and events tables, item size + index entries + 100 B per item, stored ${RETENTION_DAYS} days (RETENTION_DAYS); the fan-out lease is deleted once queued (not stored)`,
      pitr: `$0: point-in-time recovery is on the ${POINT_IN_TIME_RECOVERY_TABLES.join(' and ')} tables only, not on history or events`,
      egress: `request bytes measured at the receivers (request line + headers + body, ${round(m.requestBytesPerAttempt ?? Number.NaN, 0)} B per attempt); TCP + TLS 1.3 handshake ${TLS_HANDSHAKE_BYTES} B assumed per new connection (counted whole: an upper bound, the certificate chain is inbound); 1 attempt per delivery (healthy endpoints); TCP/IP framing not counted`,
    },
  };
}
