// Configuration, read once from the environment at cold start and validated with zod.
// Nothing else in lambdas/ reads process.env. A bad value fails fast, naming the variable.
import * as z from 'zod';
import { DEFAULT_RETRY_SCHEDULE_SECONDS, RetryPolicy } from '../domain/retry-policy.js';

export const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  /** Endpoint overrides: set only by the local runtime (dynalite, the SQS emulator). */
  DYNAMODB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
  WEBHOOKS_TABLE: z.string().default('buildmarkets-webhooks'),
  API_KEYS_TABLE: z.string().default('buildmarkets-api-keys'),
  JOBS_TABLE: z.string().default('buildmarkets-delivery-jobs'),
  DELIVERIES_TABLE: z.string().default('buildmarkets-deliveries'),
  REJECTED_EVENTS_TABLE: z.string().default('buildmarkets-rejected-events'),
  RATE_LIMITS_TABLE: z.string().default('buildmarkets-rate-limits'),
  RATE_LIMIT_PER_SECOND: positiveInt.default(10),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(300),
  /** Failed authentications per client address and minute before the address is refused (429). */
  AUTH_FAILURES_PER_MINUTE: positiveInt.default(30),
  /** How long a blocked address waits for its 429: bounds what a flood on N connections can ask for (N per this). */
  AUTH_BLOCKED_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(1000),
  /** Needed by the routes and functions that queue deliveries (fan-out, test, delivery, sweeper). */
  DELIVERY_QUEUE_URL: z.string().optional(),
  RETRY_SCHEDULE_SECONDS: z.string().default(DEFAULT_RETRY_SCHEDULE_SECONDS.join(',')),
  DELIVERY_TIMEOUT_MS: positiveInt.max(60_000).default(10_000),
  /** How long the delivery function may reuse a webhook it read; 0 = only overlapping lookups share a read. */
  WEBHOOK_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** How long a pending job may be overdue before the sweeper re-queues it. */
  SWEEP_GRACE_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Local secret cipher: AES-256-GCM key file. In AWS, SECRETS_KMS_KEY_ID instead. */
  SECRET_KEY_FILE: z.string().optional(),
  SECRETS_KMS_KEY_ID: z.string().optional(),
  MAX_WEBHOOKS_PER_PARTNER: positiveInt.default(100),
  /** Local runtime only: permit http(s) webhook URLs on loopback. Never set in the stack. */
  ALLOW_LOOPBACK_URLS: flag.default(false),
  ENVIRONMENT: z.enum(['sandbox', 'live']).default('sandbox'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Config = {
  region: string;
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
  tables: { webhooks: string; apiKeys: string; jobs: string; deliveries: string; rejectedEvents: string; rateLimits: string };
  rateLimits: { perSecond: number; perMinute: number };
  authFailuresPerMinute: number;
  authBlockedDelayMs: number;
  deliveryQueueUrl?: string;
  retryPolicy: RetryPolicy;
  deliveryTimeoutMs: number;
  sweepGraceSeconds: number;
  webhookCacheTtlMs: number;
  secretKeyFile?: string;
  secretsKmsKeyId?: string;
  maxWebhooksPerPartner: number;
  allowLoopbackUrls: boolean;
  environment: 'sandbox' | 'live';
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
};

/** Parses environment variables with a zod schema; the error names the first bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`Invalid configuration: ${String(issue.path[0])}: ${issue.message}`);
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const e = parseEnv(envSchema, env);
  return {
    region: e.AWS_REGION,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    sqsEndpoint: e.SQS_ENDPOINT,
    tables: {
      webhooks: e.WEBHOOKS_TABLE,
      apiKeys: e.API_KEYS_TABLE,
      jobs: e.JOBS_TABLE,
      deliveries: e.DELIVERIES_TABLE,
      rejectedEvents: e.REJECTED_EVENTS_TABLE,
      rateLimits: e.RATE_LIMITS_TABLE,
    },
    rateLimits: { perSecond: e.RATE_LIMIT_PER_SECOND, perMinute: e.RATE_LIMIT_PER_MINUTE },
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    authBlockedDelayMs: e.AUTH_BLOCKED_DELAY_MS,
    deliveryQueueUrl: e.DELIVERY_QUEUE_URL,
    retryPolicy: parseRetrySchedule(e.RETRY_SCHEDULE_SECONDS),
    deliveryTimeoutMs: e.DELIVERY_TIMEOUT_MS,
    sweepGraceSeconds: e.SWEEP_GRACE_SECONDS,
    webhookCacheTtlMs: e.WEBHOOK_CACHE_TTL_MS,
    secretKeyFile: e.SECRET_KEY_FILE,
    secretsKmsKeyId: e.SECRETS_KMS_KEY_ID,
    maxWebhooksPerPartner: e.MAX_WEBHOOKS_PER_PARTNER,
    allowLoopbackUrls: e.ALLOW_LOOPBACK_URLS,
    environment: e.ENVIRONMENT,
    logLevel: e.LOG_LEVEL,
  };
}

function parseRetrySchedule(value: string): RetryPolicy {
  try {
    return RetryPolicy.parse(value);
  } catch (error) {
    throw new Error(`Invalid configuration: RETRY_SCHEDULE_SECONDS: ${(error as Error).message}`);
  }
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
