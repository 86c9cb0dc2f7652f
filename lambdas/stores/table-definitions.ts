// The DynamoDB tables, described once: the local runtime creates them from this and the CDK
// stack declares them from this, so the key schema cannot drift between the two hosts.

export type KeyType = 'S' | 'N';

export type TableDefinition = {
  partitionKey: string;
  sortKey?: string;
  /** Sparse global secondary indexes (all attributes projected). */
  indexes?: { name: string; partitionKey: string; sortKey: string; sortKeyType: KeyType }[];
  /** Attribute holding an epoch-seconds expiry (DynamoDB TTL). */
  timeToLiveAttribute?: string;
};

/** Only pending jobs carry `due_bucket`, so the index lists exactly the work still to do. */
export const DUE_INDEX = 'due-index';
export const DUE_BUCKET_PENDING = 'pending';

export const TABLES = {
  /** Webhooks by partner: sk `webhook#<uuidv7>` (time ordered) and one `partner` counter item. */
  webhooks: { partitionKey: 'partner_id', sortKey: 'sk' },
  /** API keys by key id; the secret is stored as a hash. */
  apiKeys: { partitionKey: 'api_key' },
  /** Delivery jobs, one per (webhook, event): the durable record of work still to do. */
  jobs: {
    partitionKey: 'job_id',
    indexes: [{ name: DUE_INDEX, partitionKey: 'due_bucket', sortKey: 'next_attempt_at', sortKeyType: 'N' }],
    timeToLiveAttribute: 'expires_at',
  },
  /** Delivery history: one item per attempt, by webhook, newest last (ids are UUIDv7). */
  deliveries: { partitionKey: 'webhook_id', sortKey: 'id', timeToLiveAttribute: 'expires_at' },
  /** Rate-limit state: one item per API key, one per client address (failed authentication); expired by TTL. */
  rateLimits: { partitionKey: 'bucket', timeToLiveAttribute: 'expires_at' },
  /** Published events the fan-out refused, with the reason: kept, never silently dropped. */
  rejectedEvents: { partitionKey: 'id', timeToLiveAttribute: 'expires_at' },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof TABLES;

/** How long delivery history, jobs and rejected events are kept (SPEC §4: 30 days). */
export const RETENTION_DAYS = 30;

export const expiresAt = (from: Date, days = RETENTION_DAYS) => Math.floor(from.getTime() / 1000) + days * 86_400;
