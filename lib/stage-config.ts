// The stage parameters of a deployment, read once from CDK context (`cdk.json` or
// `npx cdk deploy -c key=value`) and validated, so a bad value fails the synth with its name.
// docs/deploy.md lists them; the defaults below are the ones it documents.
import type { Node } from 'constructs';
import * as z from 'zod';
import { DEFAULT_EVENT_BUS_NAME } from '../lambdas/domain/event-rule.js';
import { DEFAULT_RETRY_SCHEDULE_SECONDS, RetryPolicy } from '../lambdas/domain/retry-policy.js';
import { DELIVERY_QUEUE } from '../lambdas/stores/queue-definitions.js';

/** Log retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Receives of one delivery message beyond its attempts (early re-shows, crashes) before the DLQ. */
export const MIN_RECEIVE_MARGIN = 3;

export type StageConfig = {
  /** `sandbox` | `live`: the `environment` of delivered envelopes, and how stateful resources are kept. */
  environment: 'sandbox' | 'live';
  stackName: string;
  eventBusName: string;
  /** CloudWatch Logs retention of the function and API access logs. */
  logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  /** RETRY_SCHEDULE_SECONDS of the delivery function (comma-separated seconds). */
  retrySchedule: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Maximum concurrent delivery function instances the SQS event source may run (2-1000). */
  deliveryMaxConcurrency: number;
  /** API Gateway stage-wide default route throttling (requests per second, burst). */
  apiThrottleRateLimit: number;
  apiThrottleBurstLimit: number;
  /** Tables keep deletion protection and survive `cdk destroy`; the KMS key is retained. */
  retainData: boolean;
  /** Days the bus's archive keeps every published event, for replay after a bug (0 = forever). */
  eventArchiveRetentionDays: number;
  /** Existing SNS topic the alarms notify (optional). */
  alarmTopicArn?: string;
};

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const contextSchema = z.object({
  environment: z.enum(['sandbox', 'live']).default('sandbox'),
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
  apiThrottleRateLimit: int(1, 10_000).default(100),
  apiThrottleBurstLimit: int(1, 5_000).default(200),
  retainData: flag.optional(),
  eventArchiveRetentionDays: int(0, 3650).default(30),
  alarmTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'an SNS topic ARN').optional(),
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
  let policy: RetryPolicy;
  try {
    policy = RetryPolicy.parse(c.retrySchedule);
  } catch (error) {
    throw new Error(`Invalid context: retrySchedule: ${(error as Error).message}`);
  }
  if (policy.maxAttempts + MIN_RECEIVE_MARGIN > DELIVERY_QUEUE.maxReceiveCount) {
    throw new Error(
      `Invalid context: retrySchedule: ${policy.maxAttempts} attempts leave too few receives before the DLQ (maxReceiveCount ${DELIVERY_QUEUE.maxReceiveCount})`,
    );
  }
  return {
    environment: c.environment,
    stackName: c.stackName,
    eventBusName: c.eventBusName,
    logRetentionDays: c.logRetentionDays,
    retrySchedule: policy.scheduleSeconds.join(','),
    logLevel: c.logLevel,
    deliveryMaxConcurrency: c.deliveryMaxConcurrency,
    apiThrottleRateLimit: c.apiThrottleRateLimit,
    apiThrottleBurstLimit: c.apiThrottleBurstLimit,
    retainData: c.retainData ?? c.environment === 'live',
    eventArchiveRetentionDays: c.eventArchiveRetentionDays,
    ...(c.alarmTopicArn ? { alarmTopicArn: c.alarmTopicArn } : {}),
  };
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
