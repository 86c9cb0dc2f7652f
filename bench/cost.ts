// `cost`: AWS API calls, SQS requests and DynamoDB units per delivery from the observer (pipeline window, capacity
// phase), priced per million deliveries at us-east-1 list prices; and the measured split the all-in model needs.
import { DELIVERY_QUEUE } from '../lambdas/stores/queue-definitions.js';
import { PER_DELIVERY_TABLES, POINT_IN_TIME_RECOVERY_TABLES, RETENTION_DAYS, type TableName } from '../lambdas/stores/table-definitions.js';
import { type AllInInputs, allInCostPerMillion, apiDestinationsPerMillion, ALL_IN_PRICES } from './all-in-cost.js';
import { FUNCTION_MEMORY_MB } from '../lib/function-memory.js';
import type { ObserverSnapshot } from '../local/sdk-observer.js';
import { round } from './util.js';

/** us-east-1 list prices (no free tier): the all-in model's, and DynamoDB's on-demand and provisioned. */
export const PRICES = {
  ...ALL_IN_PRICES,
  region: 'us-east-1',
  dynamodb_on_demand_usd_per_million_write_request_units: ALL_IN_PRICES.dynamodb_usd_per_million_wru,
  dynamodb_on_demand_usd_per_million_read_request_units: ALL_IN_PRICES.dynamodb_usd_per_million_rru,
  /** Provisioned, per unit-hour whether consumed or not: 1 WCU = one 1 KB write/s; 1 RCU = one consistent 4 KB read/s. */
  dynamodb_provisioned_usd_per_wcu_hour: 0.00065,
  dynamodb_provisioned_usd_per_rcu_hour: 0.00013,
} as const;

/** Average consumed / provisioned of the provisioned option: below the stack's 70 % target (auto scaling lags). */
export const PROVISIONED_ASSUMED_UTILIZATION = 0.5;

/** DynamoDB units per delivery by observer resource: `<table>.<Op>`, `<table>/index/<index>[.<Op>]`. */
export type UnitsByResource = Record<string, { wru: number | null; rru: number | null }>;

/** The table an observer resource belongs to, given the physical names: the longest name the key equals or continues with `.` or `/`. */
export function tableOfResource(resource: string, tableNames: Record<TableName, string>): TableName | undefined {
  const of = (name: string) => resource === name || resource.startsWith(`${name}.`) || resource.startsWith(`${name}/`);
  const matches = (Object.entries(tableNames) as [TableName, string][]).filter(([, name]) => of(name));
  return matches.sort((a, b) => b[1].length - a[1].length)[0]?.[0];
}

/** Units summed on two sides, `a` where `inA(table, resource)` and `b` elsewhere; `unmatched`: the resources of no table. */
function unitSides(byResource: UnitsByResource, tableNames: Record<TableName, string>, inA: (table: TableName | undefined, resource: string) => boolean) {
  const sides = { a: { wru: 0, rru: 0 }, b: { wru: 0, rru: 0 }, unmatched: [] as string[] };
  for (const [resource, u] of Object.entries(byResource)) {
    const table = tableOfResource(resource, tableNames);
    if (!table) sides.unmatched.push(resource);
    const side = inA(table, resource) ? sides.a : sides.b;
    side.wru += u.wru ?? 0;
    side.rru += u.rru ?? 0;
  }
  return sides;
}

/** USD per million deliveries of DynamoDB units, a table on-demand or, if `provisioned`, at `utilization` (a WRU is a WCU-second); unknown: on-demand, `unmatched`. */
export function dynamodbUsdPerMillionDeliveries(byResource: UnitsByResource, options: { tableNames: Record<TableName, string>; provisioned: readonly TableName[]; utilization: number }) {
  if (!(options.utilization > 0 && options.utilization <= 1)) throw new Error(`utilization must be in (0, 1], got ${options.utilization}`);
  const perUnit = {
    onDemand: { wru: PRICES.dynamodb_on_demand_usd_per_million_write_request_units / 1e6, rru: PRICES.dynamodb_on_demand_usd_per_million_read_request_units / 1e6 },
    provisioned: { wru: PRICES.dynamodb_provisioned_usd_per_wcu_hour / 3600 / options.utilization, rru: PRICES.dynamodb_provisioned_usd_per_rcu_hour / 3600 / options.utilization },
  };
  const { a: provisioned, b: onDemand, unmatched } = unitSides(byResource, options.tableNames, (table) => table !== undefined && options.provisioned.includes(table));
  const units = { onDemand, provisioned };
  const usd = (kind: 'wru' | 'rru') => (units.onDemand[kind] * perUnit.onDemand[kind] + units.provisioned[kind] * perUnit.provisioned[kind]) * 1e6;
  /** `units`: per delivery on each side; `provisioned_usd_per_million`: per million units consumed on provisioned capacity at this utilization. */
  return { writes: usd('wru'), reads: usd('rru'), units, provisioned_usd_per_million: { wru: perUnit.provisioned.wru * 1e6, rru: perUnit.provisioned.rru * 1e6 }, unmatched };
}

export type CostWindow = { before: ObserverSnapshot; after: ObserverSnapshot; delivered: number; events: number };

/** `window`: the throughput phase (calls, SQS requests); `capacity`: DynamoDB units (absent if it failed); `fanOutMs` measured, `deliverBatchMs` assumed. */
export type CostInputs = {
  window: CostWindow;
  capacity?: CostWindow;
  fanOutMs: number;
  deliverBatchMs: number;
  tableNames: Record<TableName, string>;
  allIn?: AllInMeasured;
};

/** What the all-in model measures beyond units and calls (log bytes, stored bytes per item, request bytes per attempt). */
export type AllInMeasured = { logSource: string } & Record<
  'logBytesPerEvent' | 'logBytesPerDelivery' | 'historyItemBytes' | 'eventItemBytes' | 'requestBytesPerAttempt',
  number | null
>;

const diff = (before: Record<string, number>, after: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => (n as number) > 0));

/** DynamoDB units (and calls) per delivery in the capacity window, in all and by resource (reported rounded; `exact` for pricing). */
function dynamodbUnits(capacity: CostWindow | undefined) {
  if (!capacity || capacity.delivered <= 0) return undefined;
  const { before, after, delivered } = capacity;
  const exact: Record<string, { calls: number; wru: number; rru: number }> = {};
  for (const [resource, a] of Object.entries(after.dynamodb.by_resource).sort()) {
    const b = before.dynamodb.by_resource[resource] ?? { calls: 0, wru: 0, rru: 0 };
    if (a.calls - b.calls + a.wru - b.wru + a.rru - b.rru === 0) continue;
    exact[resource] = { calls: (a.calls - b.calls) / delivered, wru: (a.wru - b.wru) / delivered, rru: (a.rru - b.rru) / delivered };
  }
  const byResource = Object.fromEntries(Object.entries(exact).map(([resource, u]) => [resource, roundAll(u, 3)]));
  const approximations = diff(before.dynamodb.approximations, after.dynamodb.approximations);
  const units = { delivered, events: capacity.events, wru: (after.dynamodb.wru - before.dynamodb.wru) / delivered, rru: (after.dynamodb.rru - before.dynamodb.rru) / delivered, per_delivery_by_resource: byResource, approximations };
  return { units, exact };
}

/** Lambda invocations and GB-seconds in the throughput window: fan-out = one per event, delivery = deliveries / batch size. */
function lambdaUsage(input: CostInputs) {
  const memory = { fanOut: FUNCTION_MEMORY_MB.default, deliver: FUNCTION_MEMORY_MB.deliver };
  const batchSize = DELIVERY_QUEUE.batchSize;
  const { delivered, events: fanOutInvocations } = input.window;
  const deliverInvocations = delivered / batchSize;
  const deliverGbSeconds = deliverInvocations * (Math.ceil(input.deliverBatchMs) / 1000) * (memory.deliver / 1024);
  const fanOutGbSecondsPerEvent = (Math.ceil(input.fanOutMs) / 1000) * (memory.fanOut / 1024);
  const gbSeconds = fanOutInvocations * fanOutGbSecondsPerEvent + deliverGbSeconds;
  const report = {
    fan_out: { memory_mb: memory.fanOut, duration_ms: Math.ceil(input.fanOutMs), duration_source: 'measured: PutEvents round trip of one entry at idle (local bus answers after the fan-out handler ran)', invocations_per_delivery: round(fanOutInvocations / delivered, 4) },
    deliver: { memory_mb: memory.deliver, duration_ms: Math.ceil(input.deliverBatchMs), duration_source: 'assumed (--deliver-ms): one batch, dominated by the partners\' response times, not measurable locally', invocations_per_delivery: round(1 / batchSize, 4) },
    memory_source: 'lib/function-memory.ts',
  };
  return { batchSize, invocations: fanOutInvocations + deliverInvocations, gbSeconds, deliverGbSeconds, fanOutGbSecondsPerEvent, report };
}

const roundAll = (o: Record<string, number>, digits: number) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, digits)]));
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

export function computeCost(input: CostInputs) {
  const { delivered, events } = input.window;
  const perDelivery = (n: number) => (delivered > 0 ? n / delivered : Number.NaN);
  const delta = diff(input.window.before.calls, input.window.after.calls);
  const perService: Record<string, number> = {};
  for (const [key, n] of Object.entries(delta).sort()) perService[key.split('.')[0]!] = (perService[key.split('.')[0]!] ?? 0) + n;
  const measured = dynamodbUnits(input.capacity);
  const units = measured?.units;
  const [wru, rru] = [units?.wru ?? Number.NaN, units?.rru ?? Number.NaN];
  const sqsRequests = input.window.after.sqs_billed_requests - input.window.before.sqs_billed_requests;
  const lambda = lambdaUsage(input);
  const perMillion = (n: number, usdPerUnit: number) => perDelivery(n) * 1e6 * usdPerUnit;
  const usd = {
    lambda_requests: perMillion(lambda.invocations, PRICES.lambda_usd_per_million_requests / 1e6),
    lambda_compute: perMillion(lambda.gbSeconds, PRICES.lambda_arm64_usd_per_gb_second),
    sqs: perMillion(sqsRequests, PRICES.sqs_usd_per_million_requests / 1e6),
    dynamodb_writes: wru * PRICES.dynamodb_on_demand_usd_per_million_write_request_units,
    dynamodb_reads: rru * PRICES.dynamodb_on_demand_usd_per_million_read_request_units,
    kms: (perMillion(perService.KMS ?? 0, 1) + DEFAULT_KMS_CALLS_PER_DELIVERY * 1e6) * PRICES.kms_usd_per_request,
    eventbridge: perMillion(events, PRICES.eventbridge_usd_per_million_events / 1e6),
  };
  // The provisioned option: the per-delivery tables' units on provisioned capacity, the rest as above.
  const provisionedDb = measured && dynamodbUsdPerMillionDeliveries(measured.exact, { tableNames: input.tableNames, provisioned: PER_DELIVERY_TABLES, utilization: PROVISIONED_ASSUMED_UTILIZATION });
  const usdProvisioned = { ...usd, dynamodb_writes: provisionedDb?.writes ?? Number.NaN, dynamodb_reads: provisionedDb?.reads ?? Number.NaN };
  const sqsSendCalls = (delta['SQS.SendMessageBatch'] ?? 0) + (delta['SQS.SendMessage'] ?? 0);
  const base = allInBase(input, { exact: measured?.exact, sqsBilled: sqsRequests, sqsSendCalls, fanOutGbSecondsPerEvent: lambda.fanOutGbSecondsPerEvent, deliverGbSecondsPerDelivery: perDelivery(lambda.deliverGbSeconds) });
  return {
    delivered,
    events,
    calls_per_delivery: round(perDelivery(sum(delta)), 3),
    calls_per_delivery_by_service: roundAll(Object.fromEntries(Object.entries(perService).map(([s, n]) => [s, perDelivery(n)])), 3),
    calls: Object.fromEntries(Object.entries(delta).sort().map(([key, n]) => [key, { calls: n, per_delivery: round(perDelivery(n), 4) }])),
    dynamodb_wru_per_delivery: round(wru, 3),
    dynamodb_rru_per_delivery: round(rru, 3),
    sqs_requests_per_delivery: round(perDelivery(sqsRequests), 3),
    lambda_gb_seconds_per_delivery: round(perDelivery(lambda.gbSeconds), 6),
    dynamodb_capacity: units ? { ...units, wru: round(units.wru, 3), rru: round(units.rru, 3) } : null,
    usd_per_million_deliveries: { ...roundAll(usd, 3), total: round(sum(usd), 2) },
    /** The same with the deliveries and events tables on provisioned capacity (dynamoDbBilling=provisioned). */
    usd_per_million_deliveries_provisioned: { ...roundAll(usdProvisioned, 3), total: round(sum(usdProvisioned), 2) },
    dynamodb_provisioned_option: provisionedOption(provisionedDb),
    lambda: lambda.report,
    prices: PRICES,
    /** The measured split the all-in figures (usd_per_million_all_in) are computed from. */
    all_in_base: base ?? null,
    assumptions: costAssumptions(units, lambda.batchSize),
  };
}

function provisionedOption(db: ReturnType<typeof dynamodbUsdPerMillionDeliveries> | undefined) {
  const r3 = (v: number | undefined) => round(v ?? Number.NaN, 3);
  return {
    tables: [...PER_DELIVERY_TABLES],
    assumed_utilization: PROVISIONED_ASSUMED_UTILIZATION,
    wru_per_delivery: { provisioned: r3(db?.units.provisioned.wru), on_demand: r3(db?.units.onDemand.wru) },
    rru_per_delivery: { provisioned: r3(db?.units.provisioned.rru), on_demand: r3(db?.units.onDemand.rru) },
    usd_per_million_consumed_units: db ? { wru: round(db.provisioned_usd_per_million.wru, 4), rru: round(db.provisioned_usd_per_million.rru, 4) } : null,
    unmatched_resources: db?.unmatched ?? [],
  };
}

function costAssumptions(units: NonNullable<ReturnType<typeof dynamodbUnits>>['units'] | undefined, batchSize: number): string[] {
  return [
    'Calls are counted by the bench\'s observer on the functions\' SDK clients (local/sdk-observer.ts, attached by the local runtime only under the bench), from right before the first publish to right after the last delivery of the throughput phase: they include the event source mapping\'s ReceiveMessage/DeleteMessageBatch (one long poll per lane at a time, while the lane has room for a batch; an empty one too) and any sweeper run in the window. The bench\'s own PutEvents calls are not counted as API calls (they are the publisher\'s), but their events are priced under EventBridge.',
    `DynamoDB: units computed from the items actually written and read (local/capacity-units.ts, AWS's documented rules: item size = attribute names + values; writes in 1 KB units on the larger of the item before and after; each index the item enters, leaves or changes in costs a write sized by its projection, an index key change a delete and a put; a failed condition the existing item's size or 1; reads in 4 KB units, eventually consistent half, Query/Scan on the summed sizes), during a separate paced capacity phase (${units ? `${units.events} events, ${units.delivered} deliveries` : 'not run'}) in which the observer reads each written item before (and after an update) — which slows the runtime, so it is not on during the throughput phase. On-demand prices.`,
    `DynamoDB, provisioned option (usd_per_million_deliveries_provisioned; stage dynamoDbBilling=provisioned): the units of the ${PER_DELIVERY_TABLES.join(' and ')} tables priced as provisioned capacity at $${PRICES.dynamodb_provisioned_usd_per_wcu_hour} per WCU-hour and $${PRICES.dynamodb_provisioned_usd_per_rcu_hour} per RCU-hour, divided by an assumed average utilization of ${PROVISIONED_ASSUMED_UTILIZATION * 100} % (below the 70 % auto scaling target: scaling follows a rise after minutes and scales down slowly) — a WRU consumed is a WCU-second, an RRU an RCU-second; every other table's units on-demand. Steady traffic assumed: the minimum capacity billed at low traffic is not included.`,
    'SQS: requests as billed, each 64 KB chunk of a call\'s payload (message bodies and attributes) one request. Standard queue price.',
    `KMS: the local runtime encrypts secrets with a key file, so 0 calls are measured; priced at ${DEFAULT_KMS_CALLS_PER_DELIVERY} calls per delivery, the kms section's figure for envelope encryption at 100,000 webhooks (the all-in figures take that section's own result when it ran).`,
    'EventBridge: one custom event per published entry (each < 64 KB), shared by the webhooks the event fans out to.',
    `Lambda: fan-out invocations = PutEvents entries (one per event); delivery invocations = deliveries / ${batchSize} (full batches of DELIVERY_QUEUE.batchSize; the real batch sizes — ReceiveMessage calls that returned messages — are not observable). Durations rounded up to 1 ms; arm64.`,
    'Not included: API Gateway, CloudWatch Logs/metrics, data transfer, the sweeper (1 invocation a minute), free tiers, DynamoDB storage.',
    ...(units && Object.keys(units.approximations).length ? [`DynamoDB units estimated or not priced: ${Object.entries(units.approximations).map(([k, n]) => `${k} × ${n}`).join(', ')}`] : []),
  ];
}

export type CostResult = ReturnType<typeof computeCost> & { usd_per_million_all_in?: ReturnType<typeof allInFromBase> };

/** Tables whose units are per event (the event item, the fan-out lease), and the fan-out's webhook Query. */
const PER_EVENT_TABLES: readonly TableName[] = ['events', 'fanOuts'];
const isPerEvent = (table: TableName | undefined, resource: string) =>
  (table !== undefined && PER_EVENT_TABLES.includes(table)) || (table === 'webhooks' && resource.endsWith('.Query'));

/** Assumed: TCP + TLS 1.3 set-up, ~5–6 KB on the wire, all counted as egress (only ~1 KB leaves AWS): an upper bound. */
const TLS_HANDSHAKE_BYTES = 5_500;
/** Lambda's START / END / REPORT lines per invocation (text format): assumed, not printed locally. */
const LAMBDA_PLATFORM_LOG_BYTES = 260;
/** Without the kms section: an assumed figure, with a margin above its last one in docs/performance.md (0.00027). */
const DEFAULT_KMS_CALLS_PER_DELIVERY = 0.00037;
/** Without the connection_reuse section: its last figure in docs/performance.md, 300 → 10 handshakes. */
const DEFAULT_HANDSHAKES_PER_ATTEMPT_WITH_REUSE = 10 / 300;
/** CloudWatch Logs retention assumed (the stage's logRetentionDays default is not read here). */
const LOG_RETENTION_DAYS_ASSUMED = 30;

/** The per-delivery / per-event split of the measured figures (W-independent), kept in results.json. */
export type AllInBase = Omit<AllInInputs, 'kmsCallsPerDelivery' | 'handshakesPerAttemptWithReuse'> & { sources: Record<string, string> };

function roundAllIn(c: ReturnType<typeof allInCostPerMillion>) {
  const items = roundAll(c.items, 4) as Record<keyof typeof c.items, number>;
  return { total: round(c.total, 3)!, items, egress_without_reuse: round(c.egress_without_reuse, 4), total_without_reuse: round(c.total_without_reuse, 3) };
}

/** The all-in figures from the cost section's base, with the kms and connection_reuse sections' results where they ran. */
export function allInFromBase(base: AllInBase, measured: { kmsCallsPerDelivery?: number; handshakesSavedRatio?: number }) {
  const { sources, ...rest } = base;
  const { kmsCallsPerDelivery, handshakesSavedRatio } = measured;
  const inputs: AllInInputs = {
    ...rest,
    kmsCallsPerDelivery: kmsCallsPerDelivery ?? DEFAULT_KMS_CALLS_PER_DELIVERY,
    handshakesPerAttemptWithReuse: handshakesSavedRatio !== undefined ? 1 - handshakesSavedRatio : DEFAULT_HANDSHAKES_PER_ATTEMPT_WITH_REUSE,
  };
  const [w1, w4] = [roundAllIn(allInCostPerMillion(inputs, 1)), roundAllIn(allInCostPerMillion(inputs, 4))];
  return {
    w1, w4,
    api_destinations: {
      w1: round(apiDestinationsPerMillion(1), 3)!,
      w4: round(apiDestinationsPerMillion(4), 3)!,
      note: `EventBridge API destinations: $${ALL_IN_PRICES.eventbridge_usd_per_million_events} per million events + $${ALL_IN_PRICES.api_destinations_usd_per_million_invocations} per million invocations; no signing (Standard Webhooks), no delivery history, no self-service portal or API; its retries last 24 h at most`,
    },
    inputs: roundAll(inputs, 6) as AllInInputs,
    sources: {
      ...sources,
      kmsCallsPerDelivery: kmsCallsPerDelivery !== undefined ? 'measured: the kms section (cost.kms_calls_per_delivery)' : `assumed ${DEFAULT_KMS_CALLS_PER_DELIVERY} (the kms section did not run)`,
      handshakesPerAttemptWithReuse:
        handshakesSavedRatio !== undefined ? 'measured: the connection_reuse section (1 − handshakes saved / handshakes without the pool)' : 'assumed 10 / 300 (the connection_reuse section did not run; its last figure in docs/performance.md)',
    },
  };
}

type AllInParts = { exact: UnitsByResource | undefined; sqsBilled: number; sqsSendCalls: number; fanOutGbSecondsPerEvent: number; deliverGbSecondsPerDelivery: number };

/** The per-delivery / per-event split of the cost section's measurements, for the all-in model. */
function allInBase(input: CostInputs, parts: AllInParts): AllInBase | undefined {
  const m = input.allIn;
  const { delivered, events } = input.window;
  if (!m || delivered <= 0 || events <= 0 || !parts.exact) return undefined;
  const w = delivered / events; // webhooks per event in the bench's runs
  // Units measured per delivery at W = w: a per-event resource's units per event are w times that.
  const { a: event, b: delivery } = unitSides(parts.exact, input.tableNames, isPerEvent);
  const deliverInvocationsPerDelivery = 1 / DELIVERY_QUEUE.batchSize;
  return {
    deliverInvocationsPerDelivery, deliverGbSecondsPerDelivery: parts.deliverGbSecondsPerDelivery, fanOutInvocationsPerEvent: 1, fanOutGbSecondsPerEvent: parts.fanOutGbSecondsPerEvent,
    sqsRequestsPerEvent: parts.sqsSendCalls / events, sqsRequestsPerDelivery: (parts.sqsBilled - parts.sqsSendCalls) / delivered,
    wruPerDelivery: delivery.wru, wruPerEvent: event.wru * w, rruPerDelivery: delivery.rru, rruPerEvent: event.rru * w, eventbridgeEventsPerEvent: 1,
    logBytesPerDelivery: (m.logBytesPerDelivery ?? Number.NaN) + deliverInvocationsPerDelivery * LAMBDA_PLATFORM_LOG_BYTES,
    logBytesPerEvent: (m.logBytesPerEvent ?? Number.NaN) + LAMBDA_PLATFORM_LOG_BYTES,
    logRetentionDays: LOG_RETENTION_DAYS_ASSUMED, storedBytesPerDelivery: m.historyItemBytes ?? Number.NaN, storedBytesPerEvent: m.eventItemBytes || 0, retentionDays: RETENTION_DAYS,
    pitrBytesPerDelivery: 0, pitrBytesPerEvent: 0, requestBytesPerAttempt: m.requestBytesPerAttempt ?? Number.NaN, handshakeBytes: TLS_HANDSHAKE_BYTES, attemptsPerDelivery: 1,
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
