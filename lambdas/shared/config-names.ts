// The environment variables the functions read (config.ts) and the stack sets (lib/), named once.
import type { TableName } from '../stores/table-definitions.js';

/** Each table's name. */
export const TABLE_ENV = {
  webhooks: 'WEBHOOKS_TABLE',
  apiKeys: 'API_KEYS_TABLE',
  events: 'EVENTS_TABLE',
  fanOuts: 'FAN_OUTS_TABLE',
  jobs: 'JOBS_TABLE',
  orderedJobs: 'ORDERED_JOBS_TABLE',
  endpoints: 'ENDPOINTS_TABLE',
  deliveries: 'DELIVERIES_TABLE',
  rateLimits: 'RATE_LIMITS_TABLE',
  rejectedEvents: 'REJECTED_EVENTS_TABLE',
} as const satisfies Record<TableName, string>;

/** Each delivery lane's queue URL. */
export const QUEUE_ENV = { fast: 'DELIVERY_QUEUE_URL', slow: 'SLOW_DELIVERY_QUEUE_URL' } as const;
