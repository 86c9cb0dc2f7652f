// Issue 19: all-in USD per million deliveries, every line item, for W webhooks per event. Pure:
// the bench (bench/cost.ts, sections.ts) measures the inputs; test/unit/all-in-cost.test.ts checks
// it against hand-computed examples.

/** us-east-1 list prices, no free tier (each with its source, as read for issue 19). */
export const ALL_IN_PRICES = {
  /** aws.amazon.com/lambda/pricing: Arm, first 6 billion GB-s per month. */
  lambda_arm64_usd_per_gb_second: 0.0000133334,
  /** aws.amazon.com/lambda/pricing: requests. */
  lambda_usd_per_million_requests: 0.2,
  /** aws.amazon.com/sqs/pricing: standard queue, each 64 KB chunk of a request's payload one request. */
  sqs_usd_per_million_requests: 0.4,
  /** aws.amazon.com/dynamodb/pricing/on-demand: write / read request units. */
  dynamodb_usd_per_million_wru: 0.625,
  dynamodb_usd_per_million_rru: 0.125,
  /** Same page: table storage (Standard table class) and continuous backups (PITR), per GB-month. */
  dynamodb_storage_usd_per_gb_month: 0.25,
  dynamodb_pitr_usd_per_gb_month: 0.2,
  /** aws.amazon.com/eventbridge/pricing: custom events, each 64 KB chunk one event. */
  eventbridge_usd_per_million_events: 1.0,
  /** aws.amazon.com/kms/pricing: $0.03 per 10,000 requests. */
  kms_usd_per_request: 0.03 / 10_000,
  /** aws.amazon.com/cloudwatch/pricing: Logs standard ingestion per GB; archived storage per GB-month. */
  logs_ingestion_usd_per_gb: 0.5,
  logs_storage_usd_per_gb_month: 0.03,
  /** aws.amazon.com/ec2/pricing/on-demand (data transfer): out to the internet, first 10 TB/month, per GB. */
  egress_usd_per_gb: 0.09,
  /** aws.amazon.com/eventbridge/pricing: API destinations — $0.20 per million invocations, on top of the event. */
  api_destinations_usd_per_million_invocations: 0.2,
} as const;

/** AWS bills GB as 2^30 bytes; a GB-month is 730 hours. */
export const GB = 1024 ** 3;
export const HOURS_PER_MONTH = 730;
/** DynamoDB storage: 100 bytes of overhead per item (and per index entry) on top of its size. */
export const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;

/** Measured or assumed inputs. "Per delivery" parts do not depend on W; "per event" parts are shared by the W deliveries of an event. */
export type AllInInputs = {
  /** Lambda: delivery invocations per delivery (1 / batch size) and GB-s per delivery. */
  deliverInvocationsPerDelivery: number;
  deliverGbSecondsPerDelivery: number;
  /** Lambda: fan-out invocations per event (1) and GB-s per event. */
  fanOutInvocationsPerEvent: number;
  fanOutGbSecondsPerEvent: number;
  /** SQS requests: sends per event (one SendMessageBatch for up to 10 jobs), the rest (receive, delete, visibility) per delivery. */
  sqsRequestsPerEvent: number;
  sqsRequestsPerDelivery: number;
  /** DynamoDB units: history, jobs, endpoints, … per delivery; the event item and the fan-out lease per event. */
  wruPerDelivery: number;
  wruPerEvent: number;
  rruPerDelivery: number;
  rruPerEvent: number;
  /** EventBridge events per event (each 64 KB chunk one event). */
  eventbridgeEventsPerEvent: number;
  kmsCallsPerDelivery: number;
  /** CloudWatch Logs bytes per delivery / per event (our lines + Lambda's START/END/REPORT lines), and the log groups' retention. */
  logBytesPerDelivery: number;
  logBytesPerEvent: number;
  logRetentionDays: number;
  /** DynamoDB bytes stored per delivery (history item + index entries) and per event (event item), for `retentionDays`. */
  storedBytesPerDelivery: number;
  storedBytesPerEvent: number;
  retentionDays: number;
  /** Of those, bytes in tables with point-in-time recovery (0: PITR is on the webhooks and apiKeys tables only). */
  pitrBytesPerDelivery: number;
  pitrBytesPerEvent: number;
  /** Egress per delivery attempt: the request (request line, headers, body) and a new connection's handshake bytes out. */
  requestBytesPerAttempt: number;
  handshakeBytes: number;
  /** New connections per attempt: 1 without reuse, (1 − saved ratio) with. */
  handshakesPerAttemptWithReuse: number;
  attemptsPerDelivery: number;
};

export type AllInItems = {
  lambda_requests: number;
  lambda_compute: number;
  sqs: number;
  dynamodb_writes: number;
  dynamodb_reads: number;
  eventbridge: number;
  kms: number;
  logs_ingestion: number;
  logs_storage: number;
  dynamodb_storage: number;
  dynamodb_pitr: number;
  egress: number;
};

export type AllInCost = {
  webhooks_per_event: number;
  total: number;
  items: AllInItems;
  /** Egress if every attempt opened a new connection (the total would be total − egress + this). */
  egress_without_reuse: number;
  total_without_reuse: number;
};

/** USD per million deliveries at W webhooks per event: per-event costs divided by W. */
export function allInCostPerMillion(input: AllInInputs, webhooksPerEvent: number, prices = ALL_IN_PRICES): AllInCost {
  const w = webhooksPerEvent;
  if (!(w >= 1)) throw new Error(`webhooks per event must be ≥ 1, got ${w}`);
  const M = 1e6;
  const perDelivery = (delivery: number, event: number) => delivery + event / w;
  const months = (days: number) => (days * 24) / HOURS_PER_MONTH;
  const bytesOut = (handshakesPerAttempt: number) => input.attemptsPerDelivery * (input.requestBytesPerAttempt + handshakesPerAttempt * input.handshakeBytes);
  const egress = (handshakesPerAttempt: number) => ((bytesOut(handshakesPerAttempt) * M) / GB) * prices.egress_usd_per_gb;
  const logBytes = perDelivery(input.logBytesPerDelivery, input.logBytesPerEvent);
  const items: AllInItems = {
    lambda_requests: perDelivery(input.deliverInvocationsPerDelivery, input.fanOutInvocationsPerEvent) * prices.lambda_usd_per_million_requests,
    lambda_compute: perDelivery(input.deliverGbSecondsPerDelivery, input.fanOutGbSecondsPerEvent) * M * prices.lambda_arm64_usd_per_gb_second,
    sqs: perDelivery(input.sqsRequestsPerDelivery, input.sqsRequestsPerEvent) * prices.sqs_usd_per_million_requests,
    dynamodb_writes: perDelivery(input.wruPerDelivery, input.wruPerEvent) * prices.dynamodb_usd_per_million_wru,
    dynamodb_reads: perDelivery(input.rruPerDelivery, input.rruPerEvent) * prices.dynamodb_usd_per_million_rru,
    eventbridge: (input.eventbridgeEventsPerEvent / w) * prices.eventbridge_usd_per_million_events,
    kms: input.kmsCallsPerDelivery * M * prices.kms_usd_per_request,
    logs_ingestion: ((logBytes * M) / GB) * prices.logs_ingestion_usd_per_gb,
    logs_storage: ((logBytes * M) / GB) * months(input.logRetentionDays) * prices.logs_storage_usd_per_gb_month,
    dynamodb_storage: ((perDelivery(input.storedBytesPerDelivery, input.storedBytesPerEvent) * M) / GB) * months(input.retentionDays) * prices.dynamodb_storage_usd_per_gb_month,
    dynamodb_pitr: ((perDelivery(input.pitrBytesPerDelivery, input.pitrBytesPerEvent) * M) / GB) * months(input.retentionDays) * prices.dynamodb_pitr_usd_per_gb_month,
    egress: egress(input.handshakesPerAttemptWithReuse),
  };
  const total = Object.values(items).reduce((a, b) => a + b, 0);
  const egressWithout = egress(1);
  return { webhooks_per_event: w, total, items, egress_without_reuse: egressWithout, total_without_reuse: total - items.egress + egressWithout };
}

/** EventBridge API destinations at W targets per event: one event shared, one invocation per target. */
export function apiDestinationsPerMillion(webhooksPerEvent: number, prices = ALL_IN_PRICES): number {
  return prices.eventbridge_usd_per_million_events / webhooksPerEvent + prices.api_destinations_usd_per_million_invocations;
}
