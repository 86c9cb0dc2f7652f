// What each function may touch, in one table a reviewer can check against the handlers
// (lambdas/*.handler.ts and the stores they reach through their graphs in lambdas/wiring/).
// WebhookFunction turns each entry into exactly those IAM statements and environment variables.
import { FALLBACK_HANDLER, ROUTES } from '../lambdas/routes.js';
import type { Lane } from '../lambdas/domain/delivery.js';
import type { TableName } from '../lambdas/stores/table-definitions.js';

export type RouteFunctionName = (typeof ROUTES)[keyof typeof ROUTES]['name'];
export type FunctionName = RouteFunctionName | typeof FALLBACK_HANDLER | 'fan-out' | 'deliver' | 'deliver-slow' | 'sweeper';

/** The delivery functions, one per lane (`lambdas/<name>.handler.ts`), each on its lane's queue. */
export const DELIVERY_FUNCTIONS = { fast: 'deliver', slow: 'deliver-slow' } as const satisfies Record<Lane, FunctionName>;

/** DynamoDB operations and their IAM actions: the stores use nothing else (no Scan, no deletes in batches). */
export const TABLE_OPERATIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  /** BatchGetItem (lambdas/stores/event-store.ts reads an event's chunk items). */
  batchGet: ['dynamodb:BatchGetItem'],
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
  /** The secrets key: create-webhook encrypts, the delivery functions decrypt; nobody else. */
  secrets?: 'encrypt' | 'decrypt';
  /**
   * The delivery lanes' queues (lambdas/stores/queue-definitions.ts). send: SendMessage on each
   * named lane. consume: the lane's SQS event source (receive, delete, change visibility).
   * A function with queue access has every lane's URL in its environment (QUEUE_ENV).
   */
  queues?: { send?: readonly Lane[]; consume?: Lane };
};

/**
 * Every route authenticates against the keys table (lambdas/http/authenticate.ts), then counts
 * the request in the rate-limit table (lambdas/http/rate-limit.ts: a consistent GetItem of the key's
 * item and a conditional UpdateItem of it).
 */
const AUTH = { apiKeys: ['read'], rateLimits: ['read', 'update'] } as const;

/**
 * The fan-out's path (lambdas/delivery/fan-out.ts; the test route has the same grants): the event's lease is a
 * conditional PutItem in the fan-outs table, released (conditional DeleteItem) once its jobs are
 * queued or ended early (UpdateItem) when queueing fails; the event item is a conditional PutItem
 * (large data first as chunk items, BatchWriteItem), read back (GetItem, chunks by BatchGetItem)
 * when it already exists; jobs the queue refuses end as a failed job (PutItem) and a history item
 * (BatchWriteItem). SPEC §11 per_entity ordering: each ordered webhook's job is put in its line
 * (PutItem) before it is queued, and leaves it (DeleteItem) when the queue refuses it. Jobs go to
 * the fast lane, or to the slow lane for endpoints already served there (their health by BatchGetItem).
 */
const FAN_OUT = {
  tables: {
    webhooks: ['read'],
    fanOuts: ['put', 'update', 'delete'],
    events: ['put', 'batchPut', 'read', 'batchGet'],
    jobs: ['put'],
    orderedJobs: ['put', 'delete'],
    deliveries: ['batchPut'],
    endpoints: ['batchGet'],
  },
  queues: { send: ['fast', 'slow'] },
} as const satisfies FunctionAccess;

/**
 * DeliveryWorker (lambdas/delivery/delivery-worker.ts), either lane: job GetItem (messages seen
 * again) and conditional PutItem (versioned state); the event's data when the message carries it
 * by reference (GetItem, chunks by BatchGetItem); webhook GetItem; endpoint health (GetItem,
 * PutItem, the probe's conditional UpdateItem); the batch's history in one BatchWriteItem;
 * auto-disable (410 Gone, failing too long) is a conditional UpdateItem of the webhook.
 * SPEC §11 per_entity ordering: the head of a job's line (a consistent Query), and the job's item
 * removed once it ended (DeleteItem; also an ended job's item a crash left at the head).
 */
const DELIVER_TABLES = {
  jobs: ['read', 'put'],
  orderedJobs: ['read', 'delete'],
  events: ['read', 'batchGet'],
  webhooks: ['read', 'update'],
  endpoints: ['read', 'put', 'update'],
  deliveries: ['batchPut'],
  // SPEC §11 rate limits: a limited webhook's slot schedule (consistent GetItem, conditional UpdateItem).
  rateLimits: ['read', 'update'],
} as const;

export const FUNCTION_ACCESS: Record<FunctionName, FunctionAccess> = {
  // WebhookStore.create: counter UpdateItem + conditional PutItem; the secret is encrypted first
  // (the shared data key item: GetItem, and a conditional PutItem when due; stores/data-key-store.ts).
  // At the limit, a settled counter is checked against a count of the webhooks (GetItem, Query).
  'create-webhook': { tables: { ...AUTH, webhooks: ['read', 'put', 'update'] }, secrets: 'encrypt' },
  // The page's endpoint health (SPEC §7 `health`) in one BatchGetItem.
  'list-webhooks': { tables: { ...AUTH, webhooks: ['read'], endpoints: ['batchGet'] } },
  // The webhook, then its endpoint health (GetItem).
  'get-webhook': { tables: { ...AUTH, webhooks: ['read'], endpoints: ['read'] } },
  // WebhookService.update reads (re-enable/disable check) then updates; then the endpoint health (GetItem), which a
  // PATCH to active half-opens (SPEC §9: a consistent GetItem and a conditional PutItem, endpointBack).
  // Custom headers (SPEC §11) given in the PATCH are encrypted before the write, as create does
  // (the shared data key item: GetItem, and a conditional PutItem when due).
  'update-webhook': { tables: { ...AUTH, webhooks: ['read', 'put', 'update'], endpoints: ['read', 'put'] }, secrets: 'encrypt' },
  // WebhookStore.delete: counter UpdateItem (mark), DeleteItem, counter UpdateItem.
  'delete-webhook': { tables: { ...AUTH, webhooks: ['delete', 'update'] } },
  // sendTestEvent: WebhookService.require (GetItem), then RequestedJobs.sendTest (the event's PutItem, the fast queue).
  // Like every partner action, it half-opens an open circuit first (endpointBack: GetItem, conditional PutItem).
  'test-webhook': { tables: { ...AUTH, ...FAN_OUT.tables, endpoints: ['read', 'put'] }, queues: { send: ['fast'] } },
  // SPEC §7. redeliverEvent: webhook GetItem, the event (GetItem, chunks by BatchGetItem), the
  // stored job (GetItem) or else the event's history (Query), then RequestedJobs.requeue: the job's
  // conditional PutItem (leased), the fast queue, then the lease's end (UpdateItem).
  'redeliver-event': {
    tables: { ...AUTH, webhooks: ['read'], events: ['read', 'batchGet'], jobs: ['read', 'put', 'update'], deliveries: ['read'], endpoints: ['read', 'put'] },
    queues: { send: ['fast'] },
  },
  // recoverEvents: webhook GetItem, the jobs' ended-index Query (and COUNT), each job's GetItem, conditional PutItem
  // and lease-ending UpdateItem; recovered jobs, and the rest of a large window as a recover task, go to the slow queue.
  // Both half-open an open circuit first (endpointBack: GetItem, conditional PutItem).
  'recover-events': { tables: { ...AUTH, webhooks: ['read'], jobs: ['read', 'queryIndexes', 'put', 'update'], endpoints: ['read', 'put'] }, queues: { send: ['slow'] } },
  // WebhookService.rotateSecret: GetItem, the new secret encrypted, a conditional UpdateItem.
  // Encrypting reads the shared data key item, and stores the next one when due (PutItem; stores/data-key-store.ts).
  'rotate-secret': { tables: { ...AUTH, webhooks: ['read', 'put', 'update'] }, secrets: 'encrypt' },
  'list-deliveries': { tables: { ...AUTH, webhooks: ['read'], deliveries: ['read'] } },
  // The catalog is code: authentication and the rate limit only.
  'list-event-types': { tables: { ...AUTH } },
  // The addresses come from the environment (EGRESS_MODE, EGRESS_IPS): authentication and the rate limit only.
  'get-egress-ips': { tables: { ...AUTH } },
  // Public (scope null): the OpenAPI document is built from code, no table at all.
  'get-openapi': {},
  // 404/405 from the route table alone.
  fallback: {},
  // The portal's page and assets are compiled into the function (lambdas/portal/): no data access.
  portal: {},
  // acceptEvent: the fan-out's path; refused events are kept (PutItem).
  'fan-out': { ...FAN_OUT, tables: { ...FAN_OUT.tables, rejectedEvents: ['put'] } },
  // deliverBatch(…, 'fast'): jobs of slow-lane endpoints move to the slow queue; a success whose
  // history write failed queues its record on the fast queue.
  deliver: { tables: DELIVER_TABLES, secrets: 'decrypt', queues: { consume: 'fast', send: ['fast', 'slow'] } },
  // deliverBatch(…, 'slow'): the same core; records go back on its own (slow) queue, nothing moves lanes. It also
  // runs recover tasks (continueRecover): the jobs' ended-index; recovered jobs and the next task on its own queue.
  // Retries whose endpoint is healthy again go back to the fast lane, so a one-off 5xx never waits behind slow endpoints.
  'deliver-slow': { tables: { ...DELIVER_TABLES, jobs: ['read', 'put', 'update', 'queryIndexes'] }, secrets: 'decrypt', queues: { consume: 'slow', send: ['slow', 'fast'] } },
  // Sweeper: due-index Query per shard, lease UpdateItem, re-queue on the slow lane; and the
  // fan-out's path for events whose fan-out stopped midway (the fan-outs table's shards by Query).
  sweeper: {
    tables: { ...FAN_OUT.tables, fanOuts: ['read', ...FAN_OUT.tables.fanOuts], jobs: ['queryIndexes', 'update', ...FAN_OUT.tables.jobs] },
    queues: { send: ['fast', 'slow'] },
  },
};
