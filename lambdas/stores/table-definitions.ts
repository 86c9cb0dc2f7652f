// The DynamoDB tables, described once: the local runtime creates them from this and the CDK
// stack declares them from this, so the key schema cannot drift between the two hosts.

export type TableDefinition = {
  partitionKey: string;
  sortKey?: string;
  /** Attribute holding an epoch-seconds expiry (DynamoDB TTL). */
  timeToLiveAttribute?: string;
};

export const TABLES = {
  /** Webhooks by partner: sk `webhook#<uuidv7>` (time ordered) and one `partner` counter item. */
  webhooks: { partitionKey: 'partner_id', sortKey: 'sk' },
  /** API keys by key id; the secret is stored as a hash. */
  apiKeys: { partitionKey: 'api_key' },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof TABLES;
