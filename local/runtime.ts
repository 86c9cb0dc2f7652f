// The local runtime: every part of the AWS deployment on one machine, in one process, running
// the same handler modules through the real AWS SDK clients (endpoint override only):
// API Gateway → api-gateway.ts, EventBridge → event-bus.ts, SQS → sqs.ts (fauxqs),
// the SQS event source mapping → event-source-mapping.ts, the sweeper schedule → a timer.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LANES } from '../lambdas/domain/delivery.js';
import { DEFAULT_EVENT_BUS_NAME } from '../lambdas/domain/event-rule.js';
import { DELIVERY_QUEUES } from '../lambdas/stores/queue-definitions.js';
import { documentClient } from '../lambdas/shared/aws-clients.js';
import { config } from '../lambdas/shared/config.js';
import { sqsClient } from '../lambdas/shared/sqs-client.js';
import { apiGraph } from '../lambdas/wiring/api.js';
import { cipher } from '../lambdas/wiring/cipher.js';
import { fanOutGraph } from '../lambdas/wiring/delivery.js';
import { startApiGateway } from './api-gateway.js';
import { functionEnvironment } from './function-environment.js';
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
  const sqsServer = await startSqs(local.sqsPort, REGION, local.dataDir);

  // What the Lambda service gives a function: its environment. The handlers read it once.
  Object.assign(
    process.env,
    functionEnvironment({
      region: REGION,
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: sqsServer.endpoint,
      queueUrls: { fast: sqsServer.queues.fast.url, slow: sqsServer.queues.slow.url },
      dataDir: local.dataDir,
      allowLoopbackUrls: local.allowLoopbackUrls,
    }),
  );
  // The process's object graph: built once, from that environment, and shared by every handler.
  const handlerConfig = config();
  const host = apiGraph();

  // The engine's own client (table set-up, TTL): not one of the functions', so not counted as theirs.
  const admin = new DynamoDBClient({ region: REGION, endpoint: dynamo.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTables(admin, handlerConfig.tables);
  // Make (or check) the key file now, so a broken key fails at start, not at the first create.
  await cipher().decrypt(await cipher().encrypt('check', 'start'), 'start');
  const devKey = await bootstrapDevKey(host.apiKeys, local.dataDir, local.devApiKey);

  const load = handlerLoader();
  // One event source mapping per delivery lane, each with its own concurrency (as in the stack).
  const mappings = LANES.map((lane) =>
    startEventSourceMapping({
      sqs: sqsClient(),
      queueUrl: sqsServer.queues[lane].url,
      queueArn: sqsServer.queues[lane].arn,
      region: REGION,
      batchSize: DELIVERY_QUEUES[lane].batchSize,
      concurrency: lane === 'fast' ? local.deliveryConcurrency : local.slowDeliveryConcurrency,
      handler: () => load(lane === 'fast' ? 'deliver' : 'deliver-slow'),
      logger: host.logger,
    }),
  );
  let expiring: Promise<unknown> = Promise.resolve();
  const ttlTimer = setInterval(() => {
    expiring = deleteExpiredItems(admin, handlerConfig.tables, Math.floor(Date.now() / 1000)).catch((error: unknown) =>
      host.logger.warn('local TTL sweep failed', { error }),
    );
  }, local.ttlSweepSeconds * 1000);
  let sweeping: Promise<unknown> = Promise.resolve();
  let sweepRunning = false;
  const sweepTimer = setInterval(() => {
    // One run at a time, as the stack's schedule with a budget below the interval gives.
    if (sweepRunning) return;
    sweepRunning = true;
    sweeping = load('sweeper')
      .then((sweep) => sweep({}, lambdaContext('sweeper')))
      .catch((error: unknown) => host.logger.error('sweeper failed', { error }))
      .finally(() => (sweepRunning = false));
  }, local.sweepIntervalSeconds * 1000);

  // One process hosts every fan-out here, so each lease left from before this start belongs to
  // a fan-out that died with the last process (kill -9 between storing an event and queueing
  // it): finish those events now, before the bus takes a publisher's retry.
  const finished = await fanOutGraph().fanOut.finishAbandoned(`local-start-${process.pid}`, Date.now());
  if (finished.finished > 0) host.logger.warn('finished the queueing of events stored before the last stop', { ...finished });

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
    delivery_queue_url: sqsServer.queues.fast.url,
    delivery_dlq_url: sqsServer.queues.fast.deadLetterQueueUrl,
    slow_delivery_queue_url: sqsServer.queues.slow.url,
    slow_delivery_dlq_url: sqsServer.queues.slow.deadLetterQueueUrl,
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
      await Promise.all([api.stop(), bus.stop(), ...mappings.map((m) => m.stop()), sweeping, expiring]);
      admin.destroy();
      await sqsServer.stop();
      documentClient().destroy();
      sqsClient().destroy();
      await dynamo.stop();
    },
  };
}
