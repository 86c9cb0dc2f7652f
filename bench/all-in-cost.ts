// All-in USD per million deliveries, every line item, for W webhooks per event. Pure: cost.ts measures the
// inputs; test/unit/all-in-cost.test.ts checks it against hand-computed examples.

/** us-east-1 list prices, no free tier, read once from aws.amazon.com/<service>/pricing (not fetched at run time). */
export const ALL_IN_PRICES = {
  /** Arm, first 6 billion GB-s per month; requests. */
  lambda_arm64_usd_per_gb_second: 0.0000133334,
  lambda_usd_per_million_requests: 0.2,
  /** Standard queue, each 64 KB chunk of a request's payload one request. */
  sqs_usd_per_million_requests: 0.4,
  /** On-demand request units; table storage (Standard class) and continuous backups (PITR) per GB-month. */
  dynamodb_usd_per_million_wru: 0.625,
  dynamodb_usd_per_million_rru: 0.125,
  dynamodb_storage_usd_per_gb_month: 0.25,
  dynamodb_pitr_usd_per_gb_month: 0.2,
  /** Custom events, each 64 KB chunk one event. */
  eventbridge_usd_per_million_events: 1.0,
  kms_usd_per_request: 0.03 / 10_000,
  /** CloudWatch Logs standard ingestion per GB; archived storage per GB-month. */
  logs_ingestion_usd_per_gb: 0.5,
  logs_storage_usd_per_gb_month: 0.03,
  /** Data transfer out to the internet, first 10 TB/month (ec2/pricing/on-demand). */
  egress_usd_per_gb: 0.09,
  /** EventBridge API destinations, on top of the event. */
  api_destinations_usd_per_million_invocations: 0.2,
} as const;

/** AWS bills GB as 2^30 bytes; a GB-month is 730 hours. */
export const GB = 1024 ** 3;
export const HOURS_PER_MONTH = 730;
/** DynamoDB storage: 100 bytes of overhead per item (and per index entry) on top of its size. */
export const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;

// Inputs: "per delivery" parts do not depend on W; "per event" parts are shared by an event's W deliveries (fan-out, its
// SendMessageBatch, event item, lease). Stored bytes kept `retentionDays` (`pitr*` with PITR). Egress per attempt: the
// request and a new connection's handshake (new connections per attempt: 1 without reuse, 1 − saved ratio with).
export type AllInInputs = Record<
  | 'deliverInvocationsPerDelivery' | 'deliverGbSecondsPerDelivery' | 'fanOutInvocationsPerEvent' | 'fanOutGbSecondsPerEvent'
  | 'sqsRequestsPerEvent' | 'sqsRequestsPerDelivery' | 'wruPerDelivery' | 'wruPerEvent' | 'rruPerDelivery' | 'rruPerEvent'
  | 'eventbridgeEventsPerEvent' | 'kmsCallsPerDelivery' | 'logBytesPerDelivery' | 'logBytesPerEvent' | 'logRetentionDays'
  | 'storedBytesPerDelivery' | 'storedBytesPerEvent' | 'retentionDays' | 'pitrBytesPerDelivery' | 'pitrBytesPerEvent'
  | 'requestBytesPerAttempt' | 'handshakeBytes' | 'handshakesPerAttemptWithReuse' | 'attemptsPerDelivery',
  number
>;

/** USD per million deliveries at W webhooks per event: per-event costs divided by W. `egress_without_reuse`: if every attempt opened a new connection. */
export function allInCostPerMillion(input: AllInInputs, webhooksPerEvent: number, prices = ALL_IN_PRICES) {
  const w = webhooksPerEvent;
  if (!(w >= 1)) throw new Error(`webhooks per event must be ≥ 1, got ${w}`);
  const M = 1e6;
  const perDelivery = (delivery: number, event: number) => delivery + event / w;
  const months = (days: number) => (days * 24) / HOURS_PER_MONTH;
  const bytesOut = (handshakesPerAttempt: number) => input.attemptsPerDelivery * (input.requestBytesPerAttempt + handshakesPerAttempt * input.handshakeBytes);
  const egress = (handshakesPerAttempt: number) => ((bytesOut(handshakesPerAttempt) * M) / GB) * prices.egress_usd_per_gb;
  const logBytes = perDelivery(input.logBytesPerDelivery, input.logBytesPerEvent);
  const items = {
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
