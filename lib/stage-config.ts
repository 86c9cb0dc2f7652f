// The stage parameters of a deployment, read once from CDK context (`cdk.json` or
// `npx cdk deploy -c key=value`) and validated, so a bad value fails the synth with its name.
// docs/deploy.md lists them; the defaults below are the ones it documents.
import type { Node } from 'constructs';
import * as z from 'zod';
import { EGRESS_OPTIONS, type EgressOption } from '../lambdas/domain/egress.js';
import { ENVIRONMENTS, type Environment } from '../lambdas/domain/environments.js';
import { DEFAULT_EVENT_BUS_NAME } from '../lambdas/domain/event-rule.js';
import { DEFAULT_RETRY_SCHEDULE_SECONDS, RetryPolicy } from '../lambdas/domain/retry-policy.js';
import { ROUTE_LIST } from '../lambdas/routes.js';
import { DELIVERY_QUEUE } from '../lambdas/stores/queue-definitions.js';

/** Log retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Receives of one delivery message beyond its attempts (early re-shows, crashes) before the DLQ. */
export const MIN_RECEIVE_MARGIN = 3;

/** Lambda refuses reserved concurrency that leaves less than this unreserved in the account. */
export const MIN_UNRESERVED_CONCURRENCY = 100;

/** How the per-delivery tables (PER_DELIVERY_TABLES) are billed; every other table stays on-demand. */
export const DYNAMODB_BILLING_MODES = ['on-demand', 'provisioned'] as const;

/**
 * The key that encrypts the tables, queues, event bus and archive, and log groups at rest
 * (lib/data-key.ts): `aws-owned` keys of each service (free, but no use of them shows in
 * CloudTrail and nobody can revoke them), or one `customer-managed` KMS key of the stack's.
 */
export const DATA_KEY_OPTIONS = ['aws-owned', 'customer-managed'] as const;
export type DataKeyOption = (typeof DATA_KEY_OPTIONS)[number];

/** Auto scaled provisioned capacity of each per-delivery table (units per second). */
export type ProvisionedCapacity = {
  write: { min: number; max: number };
  read: { min: number; max: number };
  /** Consumed / provisioned capacity the target-tracking policies keep (20-90 %). */
  targetUtilizationPercent: number;
};

export type StageConfig = {
  /** `sandbox` | `live`: the `environment` of delivered envelopes, and how stateful resources are kept. */
  environment: Environment;
  stackName: string;
  eventBusName: string;
  /** CloudWatch Logs retention of the function and API access logs. */
  logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  /** RETRY_SCHEDULE_SECONDS of the delivery function (comma-separated seconds). */
  retrySchedule: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Maximum concurrent `deliver` instances the fast lane's SQS event source may run (2-1000). */
  deliveryMaxConcurrency: number;
  /** The same for `deliver-slow` on the slow lane's queue. */
  slowDeliveryMaxConcurrency: number;
  /**
   * Reserved concurrency (docs/capacity.md): undefined = none, the default, because a new
   * account's quota can be as low as 10 and Lambda refuses a reservation that leaves less than
   * MIN_UNRESERVED_CONCURRENCY unreserved. `apiReservedConcurrency` is per route function.
   */
  fanOutReservedConcurrency?: number;
  deliveryReservedConcurrency?: number;
  slowDeliveryReservedConcurrency?: number;
  apiReservedConcurrency?: number;
  /** The account's Lambda concurrency quota, if known: the reservations are checked against it. */
  accountConcurrencyLimit?: number;
  /** How long a fan-out instance reuses a partner's webhook list (PARTNER_WEBHOOKS_CACHE_TTL_MS; 0 = overlapping reads only). */
  fanOutWebhookCacheMs: number;
  /**
   * How long a delivery instance reuses a webhook it read (WEBHOOK_CACHE_TTL_MS; 0 = overlapping
   * reads only). Above 0, a disable or delete stops deliveries up to that long later.
   */
  deliveryWebhookCacheMs: number;
  /**
   * Sweeper invocations a minute, each on its own part of the due shards with its own CPU and
   * 45 s budget (1-5: targets of one EventBridge rule). 4 carry ~4× one sweeper's re-queue rate.
   */
  sweeperParts: number;
  /** Age of the oldest message on each lane's queue that raises an alarm (minutes). */
  fastQueueAgeAlarmMinutes: number;
  slowQueueAgeAlarmMinutes: number;
  /** API Gateway stage-wide default route throttling (requests per second, burst). */
  apiThrottleRateLimit: number;
  apiThrottleBurstLimit: number;
  /** Tables keep deletion protection and survive `cdk destroy`; the KMS keys are retained. */
  retainData: boolean;
  /** `customer-managed` (default for live) or `aws-owned` (default for sandbox): see DATA_KEY_OPTIONS. */
  dataKey: DataKeyOption;
  /** Days the bus's archive keeps every published event, for replay after a bug (1-3650; 0, forever, is refused). */
  eventArchiveRetentionDays: number;
  /**
   * IAM principal ARNs (roles, users, account roots) allowed to put events on the bus; the bus
   * policy denies PutEvents to every other principal. Required for live; on sandbox, empty means
   * no bus policy (any principal of the account with events:PutEvents).
   */
  producerPrincipals: string[];
  /** Existing SNS topic the alarms notify: required for `live`, optional for `sandbox`. */
  alarmTopicArn?: string;
  /** `on-demand` (default) or `provisioned` for the deliveries and events tables. */
  dynamoDbBilling: (typeof DYNAMODB_BILLING_MODES)[number];
  /** Present exactly when `dynamoDbBilling` is `provisioned`. */
  provisionedCapacity?: ProvisionedCapacity;
  /**
   * SPEC §11: `static` runs the delivery functions in a VPC whose NAT gateways hold Elastic IPs
   * (lib/static-egress.ts); `none` (default): no VPC, no NAT cost.
   */
  egress: EgressOption;
  /** Availability zones (each one NAT gateway and one address) of static egress, 1–3. */
  egressAzCount: number;
};

/** An IAM role, user or account root ARN: what `aws:PrincipalArn` is compared with. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]{1,512}|user\/[\w+=,.@/-]{1,512})$/;

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const contextSchema = z.object({
  environment: z.enum(ENVIRONMENTS).default('sandbox'),
  stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,100}$/, 'letters, digits and "-", starting with a letter').default('BuildmarketsWebhooks'),
  eventBusName: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/).default(DEFAULT_EVENT_BUS_NAME),
  logRetentionDays: z.coerce
    .number()
    .refine((n): n is StageConfig['logRetentionDays'] => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
      message: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(30),
  retrySchedule: z.string().default(DEFAULT_RETRY_SCHEDULE_SECONDS.join(',')),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  deliveryMaxConcurrency: int(2, 1000).default(10),
  slowDeliveryMaxConcurrency: int(2, 1000).default(5),
  fanOutReservedConcurrency: int(1, 10_000).optional(),
  deliveryReservedConcurrency: int(1, 10_000).optional(),
  slowDeliveryReservedConcurrency: int(1, 10_000).optional(),
  apiReservedConcurrency: int(1, 10_000).optional(),
  accountConcurrencyLimit: int(10, 1_000_000).optional(),
  fanOutWebhookCacheMs: int(0, 60_000).default(0),
  deliveryWebhookCacheMs: int(0, 60_000).default(0),
  sweeperParts: int(1, 5).default(4),
  fastQueueAgeAlarmMinutes: int(1, 1440).default(15),
  slowQueueAgeAlarmMinutes: int(1, 1440).default(60),
  apiThrottleRateLimit: int(1, 10_000).default(100),
  apiThrottleBurstLimit: int(1, 5_000).default(200),
  retainData: flag.optional(),
  dataKey: z.enum(DATA_KEY_OPTIONS).optional(),
  eventArchiveRetentionDays: int(0, 3650).default(30),
  // A comma-separated string from `-c`, or a JSON array in cdk.json.
  producerPrincipals: z
    .union([z.array(z.string()), z.string().transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))])
    .pipe(z.array(z.string().regex(PRINCIPAL_ARN, 'IAM principal ARNs (arn:aws:iam::<account>:role/<name>, user/<name> or root)')))
    .default([]),
  alarmTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'an SNS topic ARN').optional(),
  dynamoDbBilling: z.enum(DYNAMODB_BILLING_MODES).default('on-demand'),
  // Used only when provisioned. 40,000 is DynamoDB's default per-table throughput quota.
  provisionedWriteCapacityMin: int(1, 40_000).default(5),
  provisionedWriteCapacityMax: int(1, 40_000).default(1000),
  provisionedReadCapacityMin: int(1, 40_000).default(1),
  provisionedReadCapacityMax: int(1, 40_000).default(200),
  provisionedTargetUtilization: int(20, 90).default(70),
  egress: z.enum(EGRESS_OPTIONS).default('none'),
  egressAzCount: int(1, 3).default(2),
});

export const STAGE_CONTEXT_KEYS = Object.keys(contextSchema.shape) as (keyof typeof contextSchema.shape)[];

/** Validates raw context values (strings from `-c`, or JSON values from cdk.json). */
export function parseStageConfig(raw: Record<string, unknown>): StageConfig {
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid context: ${String(issue.path[0])}: ${issue.message}`);
  }
  const c = parsed.data;
  const policy = checkedRetryPolicy(c.retrySchedule);
  if (c.eventArchiveRetentionDays === 0) {
    throw new Error('Invalid context: eventArchiveRetentionDays: 0 would keep every event (partner data) forever; give the days to keep them (1-3650)');
  }
  if (c.environment === 'live' && !c.alarmTopicArn) {
    throw new Error('Invalid context: alarmTopicArn: required for environment live (an SNS topic ARN), so that alarms reach a person');
  }
  if (c.environment === 'live' && c.producerPrincipals.length === 0) {
    throw new Error(
      'Invalid context: producerPrincipals: required for environment live (IAM principal ARNs of the services that publish events), so that no other principal can publish for any partner',
    );
  }
  checkConcurrency(c);
  const provisionedCapacity = c.dynamoDbBilling === 'provisioned' ? checkedProvisionedCapacity(c) : undefined;
  return {
    environment: c.environment,
    stackName: c.stackName,
    eventBusName: c.eventBusName,
    logRetentionDays: c.logRetentionDays,
    retrySchedule: policy.scheduleSeconds.join(','),
    logLevel: c.logLevel,
    deliveryMaxConcurrency: c.deliveryMaxConcurrency,
    slowDeliveryMaxConcurrency: c.slowDeliveryMaxConcurrency,
    ...defined({
      fanOutReservedConcurrency: c.fanOutReservedConcurrency,
      deliveryReservedConcurrency: c.deliveryReservedConcurrency,
      slowDeliveryReservedConcurrency: c.slowDeliveryReservedConcurrency,
      apiReservedConcurrency: c.apiReservedConcurrency,
      accountConcurrencyLimit: c.accountConcurrencyLimit,
    }),
    fanOutWebhookCacheMs: c.fanOutWebhookCacheMs,
    deliveryWebhookCacheMs: c.deliveryWebhookCacheMs,
    sweeperParts: c.sweeperParts,
    fastQueueAgeAlarmMinutes: c.fastQueueAgeAlarmMinutes,
    slowQueueAgeAlarmMinutes: c.slowQueueAgeAlarmMinutes,
    apiThrottleRateLimit: c.apiThrottleRateLimit,
    apiThrottleBurstLimit: c.apiThrottleBurstLimit,
    retainData: c.retainData ?? c.environment === 'live',
    dataKey: c.dataKey ?? (c.environment === 'live' ? 'customer-managed' : 'aws-owned'),
    eventArchiveRetentionDays: c.eventArchiveRetentionDays,
    producerPrincipals: [...new Set(c.producerPrincipals)],
    ...(c.alarmTopicArn ? { alarmTopicArn: c.alarmTopicArn } : {}),
    dynamoDbBilling: c.dynamoDbBilling,
    ...(provisionedCapacity ? { provisionedCapacity } : {}),
    egress: c.egress,
    egressAzCount: c.egressAzCount,
  };
}

/** The retry schedule, leaving enough receives before the DLQ. */
function checkedRetryPolicy(schedule: string): RetryPolicy {
  let policy: RetryPolicy;
  try {
    policy = RetryPolicy.parse(schedule);
  } catch (error) {
    throw new Error(`Invalid context: retrySchedule: ${(error as Error).message}`);
  }
  if (policy.maxAttempts + MIN_RECEIVE_MARGIN > DELIVERY_QUEUE.maxReceiveCount) {
    throw new Error(
      `Invalid context: retrySchedule: ${policy.maxAttempts} attempts leave too few receives before the DLQ (maxReceiveCount ${DELIVERY_QUEUE.maxReceiveCount})`,
    );
  }
  return policy;
}

/** Auto scaling cannot keep a range whose minimum is above its maximum. */
function checkedProvisionedCapacity(c: z.output<typeof contextSchema>): ProvisionedCapacity {
  const ranges = [
    ['provisionedWriteCapacityMin', c.provisionedWriteCapacityMin, 'provisionedWriteCapacityMax', c.provisionedWriteCapacityMax],
    ['provisionedReadCapacityMin', c.provisionedReadCapacityMin, 'provisionedReadCapacityMax', c.provisionedReadCapacityMax],
  ] as const;
  for (const [minKey, min, maxKey, max] of ranges) {
    if (min > max) throw new Error(`Invalid context: ${minKey}: ${min} is above ${maxKey} (${max})`);
  }
  return {
    write: { min: c.provisionedWriteCapacityMin, max: c.provisionedWriteCapacityMax },
    read: { min: c.provisionedReadCapacityMin, max: c.provisionedReadCapacityMax },
    targetUtilizationPercent: c.provisionedTargetUtilization,
  };
}

/** The route functions that take `apiReservedConcurrency` each (the fallback does not). */
export const RESERVED_API_FUNCTIONS = ROUTE_LIST.length;

/**
 * An event source mapping above its function's reserved concurrency is throttled; reservations
 * that leave the account less than MIN_UNRESERVED_CONCURRENCY fail the deploy.
 */
function checkConcurrency(c: z.output<typeof contextSchema>): void {
  const lanes = [
    ['deliveryMaxConcurrency', c.deliveryMaxConcurrency, 'deliveryReservedConcurrency', c.deliveryReservedConcurrency],
    ['slowDeliveryMaxConcurrency', c.slowDeliveryMaxConcurrency, 'slowDeliveryReservedConcurrency', c.slowDeliveryReservedConcurrency],
  ] as const;
  for (const [maxKey, max, reservedKey, reserved] of lanes) {
    if (reserved !== undefined && max > reserved) {
      throw new Error(`Invalid context: ${maxKey}: ${max} is above ${reservedKey} (${reserved}); the event source would be throttled`);
    }
  }
  const reserved =
    (c.fanOutReservedConcurrency ?? 0) +
    (c.deliveryReservedConcurrency ?? 0) +
    (c.slowDeliveryReservedConcurrency ?? 0) +
    (c.apiReservedConcurrency ?? 0) * RESERVED_API_FUNCTIONS;
  if (c.accountConcurrencyLimit !== undefined && reserved > 0 && reserved > c.accountConcurrencyLimit - MIN_UNRESERVED_CONCURRENCY) {
    throw new Error(
      `Invalid context: accountConcurrencyLimit: the reserved concurrency (${reserved}, apiReservedConcurrency counting ${RESERVED_API_FUNCTIONS} times) ` +
        `leaves less than ${MIN_UNRESERVED_CONCURRENCY} of ${c.accountConcurrencyLimit} unreserved; Lambda would refuse the deploy`,
    );
  }
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The stage of the app, from its context. */
export function stageConfigFromContext(node: Node): StageConfig {
  const raw: Record<string, unknown> = {};
  for (const key of STAGE_CONTEXT_KEYS) {
    const value = node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  return parseStageConfig(raw);
}
