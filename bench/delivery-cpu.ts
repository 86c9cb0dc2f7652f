// The delivery function's own CPU per delivery, measured in-process: this (bench) process loads the
// `deliver` handler itself, configured against a local runtime's DynamoDB and SQS (another
// process), and hands it batches of 10 fresh delivery messages for webhooks on a loopback receiver
// in a third process (one port each, signatures verified). process.cpuUsage() around the batches is the function's own CPU — envelope,
// signatures, secret, SDK marshalling and SigV4, the POST, the history write — with the emulators
// and the receiver excluded. With `profile`, the same window's CPU profile is summarised.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { deliverMessage, encodeQueueMessage } from '../lambdas/domain/delivery.js';
import { TABLE_ENV } from '../lambdas/shared/config-names.js';
import { functionEnvironment } from '../local/function-environment.js';
import { summariseProfile } from './profile.js';
import { Receivers } from './receiver.js';
import { startRuntime } from './runtime.js';
import { exampleData, NO_RATE_LIMITS, webhookRegistry } from './scenario.js';
import { round } from './stats.js';

export type DeliveryCpuResult = {
  deliveries: number;
  batches: number;
  webhooks: number;
  /** User + system CPU of the handler's process per delivery (ms). */
  cpu_ms_per_delivery: number;
  wall_ms_per_batch: number;
  failed: number;
  profile?: ReturnType<typeof summariseProfile>;
};

export async function runDeliveryCpu(options: { batches: number; webhooks: number; profile: boolean }): Promise<DeliveryCpuResult> {
  // One receiver per webhook (partners have distinct hosts), in their own process: their CPU is not the function's.
  const receivers = await Receivers.start(options.webhooks);
  const runtime = await startRuntime({ env: NO_RATE_LIMITS });
  const registry = webhookRegistry(runtime.state);
  // The handler's config is read once per process; the environment is given back for the sections after this one (their runtimes inherit it).
  let restoreEnv = () => {};
  try {
    const created: { id: string; secret: string }[] = [];
    for (let i = 0; i < options.webhooks; i++) created.push(await registry.create(receivers.url(i), ['order.filled']));
    receivers.setSecrets(created.map((w) => w.secret));
    const ids = created.map((w) => w.id);
    // What the Lambda service gives the function: its environment, read once by config().
    const { state } = runtime;
    const saved = { ...process.env };
    restoreEnv = () => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    };
    Object.assign(process.env, {
      ...functionEnvironment({
        region: state.region,
        dynamodbEndpoint: state.dynamodb_endpoint,
        sqsEndpoint: state.sqs_endpoint,
        queueUrls: { fast: state.delivery_queue_url, slow: state.slow_delivery_queue_url },
        dataDir: runtime.dataDir,
        allowLoopbackUrls: true,
      }),
      LOG_LEVEL: 'warn',
      ...Object.fromEntries(Object.entries(TABLE_ENV).map(([table, variable]) => [variable, state.tables[table as keyof typeof TABLE_ENV]])),
    });
    const { core } = await import('../lambdas/deliver.handler.js');
    const data = exampleData('order.filled');
    const batch = (): SQSEvent => ({
      Records: Array.from({ length: 10 }, (_, i) => {
        const now = new Date().toISOString();
        const job = { partnerId: 'dev', webhookId: ids[i % ids.length]!, eventId: randomUUID(), eventType: 'order.filled' as const, environment: 'sandbox' as const, eventCreatedAt: now, queuedAt: now, data, attempts: 0, version: 0 };
        return {
          messageId: randomUUID(),
          receiptHandle: `bench-${randomUUID()}`,
          body: encodeQueueMessage(deliverMessage(job)),
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(Date.now()) },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
          awsRegion: state.region,
        };
      }),
    });
    let failed = 0;
    for (let i = 0; i < 10; i++) failed += (await core(batch())).batchItemFailures.length; // warm-up: imports, JIT, caches
    const stats0 = await receivers.stats();
    const session = options.profile ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < options.batches; i++) failed += (await core(batch())).batchItemFailures.length;
    const cpu = process.cpuUsage(cpu0);
    const wallMs = Date.now() - started;
    let profile: DeliveryCpuResult['profile'];
    if (session) {
      const { profile: cpuProfile } = await session.post('Profiler.stop');
      const dir = mkdtempSync(join(tmpdir(), 'bmw-delivery-cpu-'));
      writeFileSync(join(dir, 'deliver.cpuprofile'), JSON.stringify(cpuProfile));
      profile = summariseProfile(dir, { startUs: cpuProfile.startTime, endUs: cpuProfile.endTime });
      rmSync(dir, { recursive: true, force: true });
      session.disconnect();
    }
    const deliveries = options.batches * 10;
    const stats = await receivers.stats();
    if (stats.verified - stats0.verified !== deliveries) throw new Error(`delivery_cpu: ${stats.verified - stats0.verified} of ${deliveries} deliveries verified at the receivers`);
    return {
      deliveries,
      batches: options.batches,
      webhooks: options.webhooks,
      cpu_ms_per_delivery: round((cpu.user + cpu.system) / 1000 / deliveries, 3) ?? Number.NaN,
      wall_ms_per_batch: round(wallMs / options.batches, 1) ?? Number.NaN,
      failed,
      ...(profile ? { profile } : {}),
    };
  } finally {
    restoreEnv();
    await registry.deleteAll();
    await runtime.stop();
    await receivers.stop();
  }
}
