// The local runtime's own settings, read once from the environment (SPEC §6). The handlers'
// settings are passed on to them as environment variables, as the Lambda service does.
import { resolve } from 'node:path';
import * as z from 'zod';
import { flag, parseEnv } from '../lambdas/shared/config.js';

const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  PORT: port.default(3000),
  EVENTS_PORT: port.default(4010),
  /** 0 = any free port; the chosen one is printed and written to local.json. */
  DYNAMODB_PORT: port.default(0),
  SQS_PORT: port.default(0),
  DATA_DIR: z.string().default('.data'),
  /** Any non-empty value up to the 512 characters the API reads in a credential. */
  DEV_API_KEY: z.string().min(1).max(512).optional(),
  DEV_API_SECRET: z.string().min(1).max(512).optional(),
  ALLOW_LOOPBACK_URLS: flag.default(true),
  /** How often the sweeper re-queues parked delivery jobs that are due. */
  SWEEP_INTERVAL_SECONDS: z.coerce.number().positive().default(30),
  /** Batches in each lane's delivery function at once, like the event source mapping's maximum concurrency. */
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(16),
  /** The same for the slow lane (SPEC §9: endpoints that answer slowly, served apart). */
  SLOW_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** How often expired items (TTL) are deleted: dynalite has no TTL of its own. */
  TTL_SWEEP_INTERVAL_SECONDS: z.coerce.number().positive().default(300),
  /** Concurrent fan-out invocations, like the fan-out function's reserved concurrency. */
  FAN_OUT_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** Tests only (local/crash-point.ts): kill -9 the runtime itself right before its Nth SendMessageBatch. */
  LOCAL_CRASH_BEFORE_QUEUE_SEND: z.coerce.number().int().positive().optional(),
  /** Set by `npm run bench` only: attach local/sdk-observer.ts (call counts, capacity units) to the SDK clients. */
  BENCH_SDK_OBSERVER: flag.default(false),
});

export type LocalConfig = {
  port: number;
  eventsPort: number;
  dynamodbPort: number;
  sqsPort: number;
  dataDir: string;
  devApiKey?: { apiKey: string; apiSecret: string };
  allowLoopbackUrls: boolean;
  sweepIntervalSeconds: number;
  deliveryConcurrency: number;
  slowDeliveryConcurrency: number;
  fanOutConcurrency: number;
  ttlSweepSeconds: number;
  benchSdkObserver: boolean;
  crashBeforeQueueSend?: number;
};

export function parseLocalConfig(env: Record<string, string | undefined>): LocalConfig {
  const e = parseEnv(schema, env);
  if ((e.DEV_API_KEY === undefined) !== (e.DEV_API_SECRET === undefined)) {
    throw new Error('Invalid configuration: set both DEV_API_KEY and DEV_API_SECRET, or neither');
  }
  return {
    port: e.PORT,
    eventsPort: e.EVENTS_PORT,
    dynamodbPort: e.DYNAMODB_PORT,
    sqsPort: e.SQS_PORT,
    dataDir: resolve(e.DATA_DIR),
    devApiKey: e.DEV_API_KEY && e.DEV_API_SECRET ? { apiKey: e.DEV_API_KEY, apiSecret: e.DEV_API_SECRET } : undefined,
    allowLoopbackUrls: e.ALLOW_LOOPBACK_URLS,
    sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    deliveryConcurrency: e.DELIVERY_CONCURRENCY,
    slowDeliveryConcurrency: e.SLOW_DELIVERY_CONCURRENCY,
    fanOutConcurrency: e.FAN_OUT_CONCURRENCY,
    ttlSweepSeconds: e.TTL_SWEEP_INTERVAL_SECONDS,
    benchSdkObserver: e.BENCH_SDK_OBSERVER,
    crashBeforeQueueSend: e.LOCAL_CRASH_BEFORE_QUEUE_SEND,
  };
}
