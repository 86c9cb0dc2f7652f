// The DynamoDB tables, described once: the local runtime creates them from this and the CDK
// stack declares them from this, so the key schema cannot drift between the two hosts.

export type KeyType = 'S' | 'N';

export type IndexDefinition = {
  name: string;
  partitionKey: string;
  sortKey: string;
  sortKeyType: KeyType;
  /** KEYS_ONLY keeps each index write at the minimum (1 write unit); ALL copies the item. */
  projection: 'KEYS_ONLY' | 'ALL';
};

export type TableDefinition = {
  partitionKey: string;
  sortKey?: string;
  /** Sparse global secondary indexes: only items carrying the index's keys land in them. */
  indexes?: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry (DynamoDB TTL). */
  timeToLiveAttribute?: string;
};

/**
 * Parked jobs (retries waiting longer than a queue should hold them) by due time. The partition
 * key is one of DUE_SHARDS buckets, so no single partition takes every park and re-queue
 * (a partition tops out near 1,000 writes/s); the sweeper reads the shards in turn. 64 carry
 * ~1,000 newly failing events/s with the default schedule (docs/capacity.md). Raising it later
 * is safe: a job keeps the shard it was written with, and the sweeper reads every shard below it.
 */
export const DUE_INDEX = 'due-index';
export const DUE_SHARDS = 64;

/** Partitions of the fan-out leases (stores/fan-out-lease-store.ts): two writes per event spread over them. */
export const FAN_OUT_SHARDS = 16;

/** A stable shard of `count` for a key (a string hash), so an item's shard never moves. */
export function shardOf(key: string, count: number): string {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return String(hash % count);
}

/**
 * Jobs that ended failed or dropped, by webhook and end time (SPEC §7 recover). Sparse: only
 * those jobs carry its keys, so the healthy path never writes to it; re-queueing a job takes it out.
 */
export const ENDED_INDEX = 'ended-index';

export const TABLES = {
  /** Webhooks by partner: sk `webhook#<uuidv7>` (time ordered) and one `partner` counter item. */
  webhooks: { partitionKey: 'partner_id', sortKey: 'sk' },
  /** API keys by key id; the secret is stored as a hash. */
  apiKeys: { partitionKey: 'api_key' },
  /**
   * Published events, one item per (partner, event_id): the fan-out's idempotency record and the
   * event's data for 30 days (large data continues in `<key>#<n>` chunk items).
   */
  events: { partitionKey: 'event_key', timeToLiveAttribute: 'expires_at' },
  /**
   * Fan-outs in progress: one item per event whose jobs are not all queued yet, by shard; the
   * lease that makes a crash between storing an event and queueing it recoverable.
   */
  fanOuts: { partitionKey: 'shard', sortKey: 'event_key', timeToLiveAttribute: 'expires_at' },
  /** Delivery jobs that needed state beyond their first attempt: retries, parked waits, ends. */
  jobs: {
    partitionKey: 'job_id',
    indexes: [
      { name: DUE_INDEX, partitionKey: 'due_shard', sortKey: 'due_at', sortKeyType: 'N', projection: 'KEYS_ONLY' },
      { name: ENDED_INDEX, partitionKey: 'ended_webhook', sortKey: 'ended_at', sortKeyType: 'S', projection: 'KEYS_ONLY' },
    ],
    timeToLiveAttribute: 'expires_at',
  },
  /**
   * SPEC §11 `ordering: "per_entity"`: the jobs not ended yet of each webhook and entity, oldest
   * first (pk `<webhookId>#<entity>`, sk `<accepted µs>#<eventId>`); a job is attempted only at the head.
   */
  orderedJobs: { partitionKey: 'entity_key', sortKey: 'seq_key', timeToLiveAttribute: 'expires_at' },
  /** Per-endpoint (webhook) delivery health: lane, circuit breaker, consecutive failures. */
  endpoints: { partitionKey: 'webhook_id', timeToLiveAttribute: 'expires_at' },
  /** Delivery history: one item per attempt, by webhook, newest last (ids are UUIDv7). */
  deliveries: { partitionKey: 'webhook_id', sortKey: 'id', timeToLiveAttribute: 'expires_at' },
  /** Rate-limit state: one item per API key, one per client address (failed authentication); expired by TTL. */
  rateLimits: { partitionKey: 'bucket', timeToLiveAttribute: 'expires_at' },
  /** Published events the fan-out refused, with the reason: kept, never silently dropped. */
  rejectedEvents: { partitionKey: 'id', timeToLiveAttribute: 'expires_at' },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof TABLES;

/**
 * The tables written on every delivery (its history item, its share of the event item): the
 * only ones steady enough to be worth provisioned capacity (`dynamoDbBilling`, lib/stage-config.ts;
 * priced by the bench, bench/cost.ts). Neither has an index: a provisioned table's indexes would
 * each need capacity and auto scaling of their own, which the stack does not declare.
 */
export const PER_DELIVERY_TABLES = ['deliveries', 'events'] as const satisfies readonly TableName[];

/**
 * The tables with point-in-time recovery: their items live as long as the webhook or the key and
 * cannot be rebuilt. Every other table's items expire within RETENTION_DAYS (PITR's 35 days would
 * keep items the service has already let go) or are rebuilt by the service itself (rate limits,
 * endpoint health, fan-out leases).
 */
export const POINT_IN_TIME_RECOVERY_TABLES = ['webhooks', 'apiKeys'] as const satisfies readonly TableName[];

/** How long delivery history, jobs, events and rejected events are kept (SPEC §4: 30 days). */
export const RETENTION_DAYS = 30;

export const expiresAt = (from: Date, days = RETENTION_DAYS) => Math.floor(from.getTime() / 1000) + days * 86_400;
