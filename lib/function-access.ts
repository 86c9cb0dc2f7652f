// What each function may touch, in one table a reviewer can check against the handlers
// (lambdas/*.handler.ts and the stores they reach through lambdas/shared/deps.ts).
// WebhookFunction turns each entry into exactly those IAM statements and environment variables.
import { FALLBACK_HANDLER, ROUTES } from '../lambdas/routes.js';
import type { TableName } from '../lambdas/stores/table-definitions.js';

export type RouteFunctionName = (typeof ROUTES)[keyof typeof ROUTES]['name'];
export type FunctionName = RouteFunctionName | typeof FALLBACK_HANDLER | 'fan-out' | 'deliver' | 'sweeper';

/** DynamoDB operations and their IAM actions: the stores use nothing else (no Scan, no deletes in batches). */
export const TABLE_OPERATIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  /** Query on the table's secondary indexes (granted on each named index, not `index/*`). */
  queryIndexes: ['dynamodb:Query'],
  put: ['dynamodb:PutItem'],
  update: ['dynamodb:UpdateItem'],
  delete: ['dynamodb:DeleteItem'],
  /** BatchWriteItem (lambdas/stores/batch-writer.ts puts only; IAM cannot tell puts from deletes). */
  batchPut: ['dynamodb:BatchWriteItem'],
} as const;
export type TableOperation = keyof typeof TABLE_OPERATIONS;

export type FunctionAccess = {
  tables?: Partial<Record<TableName, readonly TableOperation[]>>;
  /** The secrets key: create-webhook encrypts, the delivery function decrypts; nobody else. */
  secrets?: 'encrypt' | 'decrypt';
  /** send: SendMessage. consume: the SQS event source (receive, delete, change visibility). */
  deliveryQueue?: 'send' | 'consume';
};

/**
 * Every route authenticates against the keys table (lambdas/http/authenticate.ts), then counts
 * the request in the rate-limit table (lambdas/http/rate-limit.ts: an atomic UpdateItem ADD per
 * window, and a GetItem of each previous window for the sliding estimate).
 */
const AUTH = { apiKeys: ['read'], rateLimits: ['read', 'update'] } as const;

export const FUNCTION_ACCESS: Record<FunctionName, FunctionAccess> = {
  // WebhookStore.create: counter UpdateItem + conditional PutItem; the secret is encrypted first.
  'create-webhook': { tables: { ...AUTH, webhooks: ['put', 'update'] }, secrets: 'encrypt' },
  'list-webhooks': { tables: { ...AUTH, webhooks: ['read'] } },
  'get-webhook': { tables: { ...AUTH, webhooks: ['read'] } },
  // WebhookService.update reads (re-enable check) then updates.
  'update-webhook': { tables: { ...AUTH, webhooks: ['read', 'update'] } },
  // WebhookStore.delete: DeleteItem + counter UpdateItem.
  'delete-webhook': { tables: { ...AUTH, webhooks: ['delete', 'update'] } },
  // FanOut.sendTest: one job (conditional PutItem) and its queue message.
  'test-webhook': { tables: { ...AUTH, webhooks: ['read'], jobs: ['put'] }, deliveryQueue: 'send' },
  'list-deliveries': { tables: { ...AUTH, webhooks: ['read'], deliveries: ['read'] } },
  // 404/405 from the route table alone.
  fallback: {},
  // The portal's page and assets are compiled into the function (lambdas/portal/): no data access.
  portal: {},
  // FanOut.publish: the partner's webhooks, a job per target, queue messages; refused events kept.
  'fan-out': { tables: { webhooks: ['read'], jobs: ['put'], rejectedEvents: ['put'] }, deliveryQueue: 'send' },
  // DeliveryWorker: job GetItem (retries), webhook GetItem; DeliveryRecorder writes the batch's
  // history items and new job states with BatchWriteItem.
  deliver: {
    tables: { jobs: ['read', 'batchPut'], webhooks: ['read'], deliveries: ['batchPut'] },
    secrets: 'decrypt',
    deliveryQueue: 'consume',
  },
  // Sweeper: due-index Query, lease UpdateItem, re-queue.
  sweeper: { tables: { jobs: ['queryIndexes', 'update'] }, deliveryQueue: 'send' },
};
