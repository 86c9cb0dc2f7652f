// The `deliver` handler's own CPU per delivery: loaded into this process against a local runtime's engines (another
// process), fed batches of 10 fresh messages for webhooks on verifying receivers (a third); process.cpuUsage() around
// the batches excludes the emulators and receivers.
import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { deliverMessage, encodeQueueMessage } from '../lambdas/domain/delivery.js';
import { TABLE_ENV } from '../lambdas/shared/config-names.js';
import { toRecord } from '../local/event-source-mapping.js';
import { functionEnvironment } from '../local/function-environment.js';
import { exampleData } from '../test/support/examples.js';
import { closePipeline, openPipeline, PARTNER } from './pipeline.js';
import { type Runtime, withRuntime } from './runtime.js';
import { NO_RATE_LIMITS } from './scenario.js';
import { num } from './util.js';

/** What the Lambda service gives the function (its config is read once per process); returns the undo, for the sections after this one. */
function setFunctionEnvironment(runtime: Runtime): () => void {
  const { state } = runtime;
  const saved = { ...process.env };
  const queueUrls = { fast: state.delivery_queue_url, slow: state.slow_delivery_queue_url };
  const endpoints = { region: state.region, dynamodbEndpoint: state.dynamodb_endpoint, sqsEndpoint: state.sqs_endpoint, queueUrls };
  Object.assign(process.env, {
    ...functionEnvironment({ ...endpoints, dataDir: runtime.dataDir, allowLoopbackUrls: true }),
    LOG_LEVEL: 'warn',
    ...Object.fromEntries(Object.entries(TABLE_ENV).map(([table, variable]) => [variable, state.tables[table as keyof typeof TABLE_ENV]])),
  });
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
}

/** One receiver per webhook (partners have distinct hosts), in their own process: their CPU is not the function's. */
export function runDeliveryCpu(options: { batches: number; webhooks: number }) {
  return withRuntime(NO_RATE_LIMITS, async (runtime) => {
    const pc = await openPipeline(runtime, options.webhooks, 1);
    const restoreEnv = setFunctionEnvironment(runtime);
    try {
      const { core } = await import('../lambdas/deliver.handler.js');
      const data = exampleData('order.filled');
      const record = (i: number) => {
        const now = new Date().toISOString();
        const job = {
          partnerId: PARTNER, webhookId: pc.ids[i % pc.ids.length]!, eventId: randomUUID(), eventType: 'order.filled' as const,
          environment: 'sandbox' as const, eventCreatedAt: now, queuedAt: now, data, attempts: 0, version: 0,
        };
        const message = { MessageId: randomUUID(), ReceiptHandle: `bench-${randomUUID()}`, Body: encodeQueueMessage(deliverMessage(job)) };
        return toRecord(message, { queueArn: 'arn:aws:sqs:us-east-1:000000000000:bench', region: runtime.state.region });
      };
      let failed = 0;
      const batches = async (n: number) => {
        for (let b = 0; b < n; b++) {
          failed += (await core({ Records: Array.from({ length: 10 }, (_, i) => record(i)) } satisfies SQSEvent)).batchItemFailures.length;
        }
      };
      await batches(10); // warm-up: imports, JIT, caches
      const stats0 = await pc.receivers.stats();
      const [started, cpu0] = [Date.now(), process.cpuUsage()];
      await batches(options.batches);
      const [wallMs, cpu] = [Date.now() - started, process.cpuUsage(cpu0)];
      const deliveries = options.batches * 10;
      const verified = (await pc.receivers.stats()).verified - stats0.verified;
      if (verified !== deliveries) throw new Error(`delivery_cpu: ${verified} of ${deliveries} deliveries verified at the receivers`);
      return {
        deliveries, batches: options.batches, webhooks: options.webhooks,
        cpu_ms_per_delivery: num((cpu.user + cpu.system) / 1000 / deliveries, 3),
        wall_ms_per_batch: num(wallMs / options.batches, 1),
        failed,
      };
    } finally {
      restoreEnv();
      await closePipeline(pc);
    }
  });
}
