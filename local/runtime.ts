// The local runtime: every part of the AWS deployment on one machine, in one process, running
// the same handler modules through the real AWS SDK clients (endpoint override only):
// API Gateway → api-gateway.ts, EventBridge → event-bus.ts, SQS → sqs.ts (fauxqs),
// the SQS event source mapping → event-source-mapping.ts, the sweeper schedule → a timer.
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DEFAULT_EVENT_BUS_NAME } from '../lambdas/domain/event-rule.js';
import { DELIVERY_QUEUE } from '../lambdas/stores/queue-definitions.js';
import { parseConfig } from '../lambdas/shared/config.js';
import { buildDeps } from '../lambdas/shared/deps.js';
import { startApiGateway } from './api-gateway.js';
import { bootstrapDevKey } from './dev-key.js';
import { ensureTables, startDynalite } from './dynamodb.js';
import { startEventBus } from './event-bus.js';
import { startEventSourceMapping } from './event-source-mapping.js';
import { handlerLoader } from './handler-loader.js';
import { lambdaContext } from './lambda-context.js';
import type { LocalConfig } from './local-config.js';
import { startSqs } from './sqs.js';
import { deleteExpiredItems } from './ttl-sweeper.js';
import { type LocalState, writeLocalState } from './state-file.js';

export type LocalRuntime = { state: LocalState; stop(): Promise<void> };

const REGION = 'us-east-1';

export async function startLocalRuntime(local: LocalConfig): Promise<LocalRuntime> {
  const dynamo = await startDynalite(local.dataDir, local.dynamodbPort);
  const sqsServer = await startSqs(local.sqsPort, REGION);

  // What the Lambda service gives a function: its environment. The handlers read it once.
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqsServer.endpoint,
    DELIVERY_QUEUE_URL: sqsServer.deliveryQueueUrl,
    SECRET_KEY_FILE: join(local.dataDir, 'secret.key'),
    ALLOW_LOOPBACK_URLS: local.allowLoopbackUrls ? '1' : '0',
  });
  const handlerConfig = parseConfig(process.env);
  const host = buildDeps(handlerConfig);

  // The engine's own client (table set-up, TTL): not one of the functions', so not counted as theirs.
  const admin = new DynamoDBClient({ region: REGION, endpoint: dynamo.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTables(admin, handlerConfig.tables);
  // Make (or check) the key file now, so a broken key fails at start, not at the first create.
  await host.cipher.decrypt(await host.cipher.encrypt('check', 'start'), 'start');
  const devKey = await bootstrapDevKey(host.apiKeys, local.dataDir, local.devApiKey);

  const load = handlerLoader();
  const queueArn = (
    await host.sqs.send(new GetQueueAttributesCommand({ QueueUrl: sqsServer.deliveryQueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  // The emulator starts empty: re-queue every pending job (each waits until it is due).
  const recovered = await host.sweeper.requeueAllPending();
  if (recovered.requeued > 0) host.logger.warn('re-queued pending delivery jobs from DynamoDB', { ...recovered });

  const mapping = startEventSourceMapping({
    sqs: host.sqs,
    queueUrl: sqsServer.deliveryQueueUrl,
    queueArn,
    region: REGION,
    batchSize: DELIVERY_QUEUE.batchSize,
    concurrency: local.deliveryConcurrency,
    handler: () => load('deliver'),
    logger: host.logger,
  });
  let expiring: Promise<unknown> = Promise.resolve();
  const ttlTimer = setInterval(() => {
    expiring = deleteExpiredItems(admin, handlerConfig.tables, Math.floor(Date.now() / 1000)).catch((error: unknown) =>
      host.logger.warn('local TTL sweep failed', { error }),
    );
  }, local.ttlSweepSeconds * 1000);
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweepTimer = setInterval(() => {
    sweeping = load('sweeper')
      .then((sweep) => sweep({}, lambdaContext('sweeper')))
      .catch((error: unknown) => host.logger.error('sweeper failed', { error }));
  }, local.sweepIntervalSeconds * 1000);

  const bus = await startEventBus({
    port: local.eventsPort,
    busName: DEFAULT_EVENT_BUS_NAME,
    region: REGION,
    fanOut: () => load('fan-out'),
    logger: host.logger,
    fanOutConcurrency: local.fanOutConcurrency,
  });
  const api = await startApiGateway({ port: local.port, loadHandler: load });

  const state: LocalState = {
    pid: process.pid,
    api_url: api.url,
    events_url: bus.url,
    dynamodb_endpoint: dynamo.endpoint,
    sqs_endpoint: sqsServer.endpoint,
    region: REGION,
    event_bus_name: DEFAULT_EVENT_BUS_NAME,
    delivery_queue_url: sqsServer.deliveryQueueUrl,
    delivery_dlq_url: sqsServer.deadLetterQueueUrl,
    tables: handlerConfig.tables,
    dev_api_key: devKey.apiKey,
    dev_api_secret: devKey.apiSecret,
  };
  writeLocalState(local.dataDir, state);

  return {
    state,
    // Outside in: no new work, then the work in progress finishes, then the engines close.
    stop: async () => {
      clearInterval(sweepTimer);
      clearInterval(ttlTimer);
      await Promise.all([api.stop(), bus.stop(), mapping.stop(), sweeping, expiring]);
      admin.destroy();
      await sqsServer.stop();
      host.db.destroy();
      host.sqs.destroy();
      await dynamo.stop();
    },
  };
}
