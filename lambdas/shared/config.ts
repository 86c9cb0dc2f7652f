// Configuration, read once from the environment at cold start and validated with zod.
// Nothing else in lambdas/ reads process.env. A bad value fails fast, naming the variable.
import * as z from 'zod';
import { EGRESS_MODES, type EgressMode } from '../domain/egress.js';
import { ENVIRONMENTS, type Environment } from '../domain/environments.js';
import type { Lane } from '../domain/delivery.js';
import type { IsolationPolicy } from '../domain/endpoint-health.js';
import { DEFAULT_RETRY_SCHEDULE_SECONDS, RetryPolicy } from '../domain/retry-policy.js';
import type { TableName } from '../stores/table-definitions.js';
import { QUEUE_ENV, TABLE_ENV } from './config-names.js';

/** Quick successes in a row that bring an endpoint back from the slow lane. */
const FAST_STREAK_TO_RETURN = 3;
/** A probe is out for the delivery timeout and this margin (signing, the record): then its answer is in. */
const PROBE_ANSWER_MARGIN_MS = 2000;

export const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  /** Endpoint overrides: set only by the local runtime (dynalite, the SQS emulator). */
  DYNAMODB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
  [TABLE_ENV.webhooks]: z.string().default('buildmarkets-webhooks'),
  [TABLE_ENV.apiKeys]: z.string().default('buildmarkets-api-keys'),
  [TABLE_ENV.events]: z.string().default('buildmarkets-events'),
  [TABLE_ENV.fanOuts]: z.string().default('buildmarkets-fan-outs'),
  [TABLE_ENV.jobs]: z.string().default('buildmarkets-delivery-jobs'),
  [TABLE_ENV.orderedJobs]: z.string().default('buildmarkets-ordered-jobs'),
  [TABLE_ENV.endpoints]: z.string().default('buildmarkets-endpoints'),
  [TABLE_ENV.deliveries]: z.string().default('buildmarkets-deliveries'),
  [TABLE_ENV.rejectedEvents]: z.string().default('buildmarkets-rejected-events'),
  [TABLE_ENV.rateLimits]: z.string().default('buildmarkets-rate-limits'),
  RATE_LIMIT_PER_SECOND: positiveInt.default(10),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(300),
  /** Failed authentications per client address and minute before the address is refused (429). */
  AUTH_FAILURES_PER_MINUTE: positiveInt.default(30),
  /** How long a blocked address waits for its 429: bounds what a flood on N connections can ask for (N per this). */
  AUTH_BLOCKED_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(1000),
  /** Needed by the routes and functions that queue deliveries (fan-out, test, delivery, sweeper). */
  [QUEUE_ENV.fast]: z.string().optional(),
  /** The slow lane's queue: the delivery function moves slow endpoints' jobs there. */
  [QUEUE_ENV.slow]: z.string().optional(),
  RETRY_SCHEDULE_SECONDS: z.string().default(DEFAULT_RETRY_SCHEDULE_SECONDS.join(',')),
  DELIVERY_TIMEOUT_MS: positiveInt.max(60_000).default(10_000),
  /** How long the delivery function may reuse a webhook it read; 0 = only overlapping lookups share a read. */
  WEBHOOK_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** How long the fan-out reuses a partner's webhook list it read; 0 = only overlapping fan-outs share a read. */
  PARTNER_WEBHOOKS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** Retry waits longer than this leave SQS: the job is parked in DynamoDB until due (SPEC §9). */
  PARK_AFTER_SECONDS: z.coerce.number().int().min(0).max(43_200).default(60),
  /** How long a job the sweeper re-queued may take to reach the delivery function before it is sent again. */
  SWEEP_LEASE_SECONDS: z.coerce.number().int().min(1).default(900),
  /**
   * How long a fan-out holds its event before another may finish its queueing: longer than the
   * fan-out function can run (30 s), so a live holder is never taken over.
   */
  FAN_OUT_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** How long one sweeper run goes on re-queueing due jobs (below the sweeper function's 60 s timeout; the next run goes on). */
  SWEEP_BUDGET_MS: z.coerce.number().int().min(100).max(840_000).default(45_000),
  /** How long a recover request (or one run of its background task) re-queues before handing on the rest. */
  RECOVER_BUDGET_MS: z.coerce.number().int().min(0).max(20_000).default(10_000),
  /**
   * Ended jobs a recover run reads per page of the index. The budget is checked between pages, so
   * a run may overrun it by one page: at 200 (~1–2 s of re-queueing) the request still ends well
   * within its function's 29 s.
   */
  RECOVER_PAGE_SIZE: z.coerce.number().int().min(1).max(200).default(100),
  /**
   * A fast-lane attempt unanswered this long is cut short and tried again at once on the slow lane
   * (so a fast batch never waits longer for one bad endpoint); ≥ DELIVERY_TIMEOUT_MS: never.
   */
  FAST_LANE_DEADLINE_MS: positiveInt.max(60_000).default(2000),
  /**
   * A delivery batch still running this long has a slow attempt: its free slots take more messages
   * of the queue meanwhile (delivery/batch-refill.ts). 0: never.
   */
  REFILL_AFTER_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  /** An attempt unanswered this long moves its endpoint to the slow lane. */
  SLOW_ENDPOINT_MS: positiveInt.max(60_000).default(1000),
  /** Attempts to one endpoint waiting in one instance before its next jobs overflow to the slow lane. */
  ENDPOINT_MAX_IN_FLIGHT: positiveInt.max(1000).default(4),
  /** …once the oldest of them has waited this long. */
  ENDPOINT_OVERFLOW_AFTER_MS: positiveInt.max(60_000).default(250),
  /** Failures in a row that open an endpoint's circuit. */
  CIRCUIT_FAILURE_THRESHOLD: positiveInt.max(1000).default(5),
  /** How often an open circuit lets one probe attempt through. */
  CIRCUIT_PROBE_SECONDS: positiveInt.max(86_400).default(60),
  /** How long a delivery function instance reuses an endpoint's health it read. */
  ENDPOINT_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** How stale a healthy endpoint's last_success_at may get before a success writes it again (one write per endpoint and interval). */
  HEALTH_SUCCESS_REFRESH_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** A webhook whose attempts have failed this long without one success is disabled (SPEC §7; 5 days). */
  AUTO_DISABLE_AFTER_SECONDS: positiveInt.default(432_000),
  /** Delivery metrics (CloudWatch Embedded Metric Format): one log line per delivery batch. */
  METRICS_NAMESPACE: z.string().min(1).max(255).default('BuildmarketsWebhooks'),
  /** EMF lines: off by default in the local runtime, which has no CloudWatch; the stack sets 1. */
  METRICS_ENABLED: flag.default(false),
  /** Local secret cipher: AES-256-GCM key file. In AWS, SECRETS_KMS_KEY_ID instead. */
  SECRET_KEY_FILE: z.string().optional(),
  SECRETS_KMS_KEY_ID: z.string().optional(),
  /** KMS cipher: the shared data key is replaced after this many minutes (default 7 days)… */
  SECRETS_DATA_KEY_MAX_AGE_MINUTES: positiveInt.max(525_600).default(10_080),
  /** …or after this many secrets encrypted under one data key, whichever comes first. */
  SECRETS_DATA_KEY_MAX_ENCRYPTIONS: positiveInt.max(1_000_000_000).default(100_000),
  MAX_WEBHOOKS_PER_PARTNER: positiveInt.default(100),
  /** Local runtime only: permit http(s) webhook URLs on loopback. Never set in the stack. */
  ALLOW_LOOPBACK_URLS: flag.default(false),
  ENVIRONMENT: z.enum(ENVIRONMENTS).default('sandbox'),
  /** SPEC §11 static egress: the stage's option (`local` in the local runtime), and with `static` the addresses. */
  EGRESS_MODE: z.enum(EGRESS_MODES).default('none'),
  EGRESS_IPS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((a) => a.trim()).filter((a) => a.length > 0))
    .pipe(z.array(z.ipv4())),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Config = {
  region: string;
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
  tables: Record<TableName, string>;
  rateLimits: { perSecond: number; perMinute: number };
  queueUrls: Partial<Record<Lane, string>>;
  authFailuresPerMinute: number;
  authBlockedDelayMs: number;
  retryPolicy: RetryPolicy;
  deliveryTimeoutMs: number;
  fastLaneDeadlineMs?: number;
  parkAfterSeconds: number;
  /** REFILL_AFTER_MS (0: batches are never refilled). */
  refillAfterMs: number;
  sweepLeaseSeconds: number;
  fanOutLeaseSeconds: number;
  sweepBudgetMs: number;
  recoverBudgetMs: number;
  recoverPageSize: number;
  isolation: IsolationPolicy;
  endpointCacheTtlMs: number;
  autoDisableAfterMs: number;
  metrics: { enabled: boolean; namespace: string };
  webhookCacheTtlMs: number;
  partnerWebhooksCacheTtlMs: number;
  secretKeyFile?: string;
  secretsKmsKeyId?: string;
  /** When the KMS cipher's encrypting instance rotates its data key (lambdas/stores/kms-secret-cipher.ts). */
  secretsDataKeyRotation: { afterMs: number; afterEncryptions: number };
  maxWebhooksPerPartner: number;
  allowLoopbackUrls: boolean;
  environment: Environment;
  egress: { mode: EgressMode; addresses: string[] };
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
    tables: Object.fromEntries(Object.entries(TABLE_ENV).map(([table, variable]) => [table, e[variable]])) as Record<TableName, string>,
    rateLimits: { perSecond: e.RATE_LIMIT_PER_SECOND, perMinute: e.RATE_LIMIT_PER_MINUTE },
    queueUrls: { fast: e[QUEUE_ENV.fast], slow: e[QUEUE_ENV.slow] },
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    authBlockedDelayMs: e.AUTH_BLOCKED_DELAY_MS,
    retryPolicy: parseRetrySchedule(e.RETRY_SCHEDULE_SECONDS),
    deliveryTimeoutMs: e.DELIVERY_TIMEOUT_MS,
    ...(e.FAST_LANE_DEADLINE_MS < e.DELIVERY_TIMEOUT_MS ? { fastLaneDeadlineMs: e.FAST_LANE_DEADLINE_MS } : {}),
    parkAfterSeconds: e.PARK_AFTER_SECONDS,
    refillAfterMs: e.REFILL_AFTER_MS,
    sweepLeaseSeconds: e.SWEEP_LEASE_SECONDS,
    fanOutLeaseSeconds: e.FAN_OUT_LEASE_SECONDS,
    sweepBudgetMs: e.SWEEP_BUDGET_MS,
    recoverBudgetMs: e.RECOVER_BUDGET_MS,
    recoverPageSize: e.RECOVER_PAGE_SIZE,
    isolation: {
      slowAfterMs: e.SLOW_ENDPOINT_MS,
      maxInFlight: e.ENDPOINT_MAX_IN_FLIGHT,
      overflowAfterMs: e.ENDPOINT_OVERFLOW_AFTER_MS,
      failureThreshold: e.CIRCUIT_FAILURE_THRESHOLD,
      probeIntervalMs: e.CIRCUIT_PROBE_SECONDS * 1000,
      fastStreakToReturn: FAST_STREAK_TO_RETURN,
      successRefreshMs: e.HEALTH_SUCCESS_REFRESH_SECONDS * 1000,
      probeAnswerMs: e.DELIVERY_TIMEOUT_MS + PROBE_ANSWER_MARGIN_MS,
    },
    autoDisableAfterMs: e.AUTO_DISABLE_AFTER_SECONDS * 1000,
    metrics: { enabled: e.METRICS_ENABLED, namespace: e.METRICS_NAMESPACE },
    endpointCacheTtlMs: e.ENDPOINT_CACHE_TTL_MS,
    webhookCacheTtlMs: e.WEBHOOK_CACHE_TTL_MS,
    partnerWebhooksCacheTtlMs: e.PARTNER_WEBHOOKS_CACHE_TTL_MS,
    secretKeyFile: e.SECRET_KEY_FILE,
    secretsKmsKeyId: e.SECRETS_KMS_KEY_ID,
    secretsDataKeyRotation: { afterMs: e.SECRETS_DATA_KEY_MAX_AGE_MINUTES * 60_000, afterEncryptions: e.SECRETS_DATA_KEY_MAX_ENCRYPTIONS },
    maxWebhooksPerPartner: e.MAX_WEBHOOKS_PER_PARTNER,
    allowLoopbackUrls: e.ALLOW_LOOPBACK_URLS,
    environment: e.ENVIRONMENT,
    egress: { mode: e.EGRESS_MODE, addresses: e.EGRESS_IPS },
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
