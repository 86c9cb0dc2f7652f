// The local runtime: every part of the AWS deployment on one machine, in one process, running
// the same handler modules through the real AWS SDK clients (endpoint override only):
// API Gateway → api-gateway.ts, EventBridge → event-bus.ts, SQS → sqs.ts (fauxqs),
// the SQS event source mapping → event-source-mapping.ts, the sweeper schedule → a timer.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LANES } from '../lambdas/domain/delivery.js';
import { DEFAULT_EVENT_BUS_NAME } from '../lambdas/domain/event-rule.js';
import { DELIVERY_QUEUES } from '../lambdas/stores/queue-definitions.js';
import type { TableName } from '../lambdas/stores/table-definitions.js';
import { documentClient } from '../lambdas/shared/aws-clients.js';
import { config } from '../lambdas/shared/config.js';
import type { Logger } from '../lambdas/shared/logger.js';
import { sqsClient } from '../lambdas/shared/sqs-client.js';
import { apiGraph } from '../lambdas/wiring/api.js';
import { cipher } from '../lambdas/wiring/cipher.js';
import { fanOutGraph } from '../lambdas/wiring/delivery.js';
import { startApiGateway } from './api-gateway.js';
import { functionEnvironment } from './function-environment.js';
import { bootstrapDevKey, type DevKey } from './dev-key.js';
import { ensureTables, type LocalDynamo, startDynalite } from './dynamodb.js';
import { startEventBus } from './event-bus.js';
import { startEventSourceMapping } from './event-source-mapping.js';
import { handlerLoader } from './handler-loader.js';
import { lambdaContext } from './lambda-context.js';
import type { LocalConfig } from './local-config.js';
import { type LocalSqs, startSqs } from './sqs.js';
import { deleteExpiredItems } from './ttl-sweeper.js';
import { type LocalState, writeLocalState } from './state-file.js';

export type LocalRuntime = { state: LocalState; stop(): Promise<void> };

const REGION = 'us-east-1';

type HandlerLoader = ReturnType<typeof handlerLoader>;

/** An engine's thread died under the running runtime: nothing can be stored any more, so the process ends, loudly. */
function engineLost(error: Error): void {
  process.stderr.write(`the local runtime lost its DynamoDB engine: ${error.message}\n`);
  process.exit(1);
}

export async function startLocalRuntime(local: LocalConfig): Promise<LocalRuntime> {
  const dynamo = await startDynalite(local.dataDir, local.dynamodbPort, engineLost);
  const sqsServer = await startSqs(local.sqsPort, REGION, local.dataDir);
  setFunctionEnvironment(local, dynamo, sqsServer);
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
  const mappings = startDeliveryMappings(local, sqsServer, load, host.logger);
  const ttlSweeps = startTtlSweeps(admin, handlerConfig.tables, local.ttlSweepSeconds, host.logger);
  const sweeps = startSweeperSchedule(load, local.sweepIntervalSeconds, host.logger);
  await finishAbandonedFanOuts(host.logger);

  const bus = await startEventBus({
    port: local.eventsPort,
    busName: DEFAULT_EVENT_BUS_NAME,
    region: REGION,
    fanOut: () => load('fan-out'),
    logger: host.logger,
    fanOutConcurrency: local.fanOutConcurrency,
  });
  const api = await startApiGateway({ port: local.port, loadHandler: load });

  const state = localState({ apiUrl: api.url, eventsUrl: bus.url, dynamo, sqsServer, tables: handlerConfig.tables, devKey });
  writeLocalState(local.dataDir, state);

  return {
    state,
    // Outside in: no new work, then the work in progress finishes, then the engines close.
    stop: async () => {
      const sweeping = sweeps.stop();
      const expiring = ttlSweeps.stop();
      await Promise.all([api.stop(), bus.stop(), ...mappings.map((m) => m.stop()), sweeping, expiring]);
      admin.destroy();
      await sqsServer.stop();
      documentClient().destroy();
      sqsClient().destroy();
      await dynamo.stop();
    },
  };
}

/** What the Lambda service gives a function: its environment. The handlers read it once. */
function setFunctionEnvironment(local: LocalConfig, dynamo: LocalDynamo, sqsServer: LocalSqs): void {
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
}

/** One event source mapping per delivery lane, each with its own concurrency (as in the stack). */
function startDeliveryMappings(local: LocalConfig, sqsServer: LocalSqs, load: HandlerLoader, logger: Logger) {
  return LANES.map((lane) =>
    startEventSourceMapping({
      sqs: sqsClient(),
      queueUrl: sqsServer.queues[lane].url,
      queueArn: sqsServer.queues[lane].arn,
      region: REGION,
      batchSize: DELIVERY_QUEUES[lane].batchSize,
      concurrency: lane === 'fast' ? local.deliveryConcurrency : local.slowDeliveryConcurrency,
      handler: () => load(lane === 'fast' ? 'deliver' : 'deliver-slow'),
      logger,
    }),
  );
}

/** A timer's work: stop() ends the timer and gives the run it started last (settled or not). */
type Repeating = { stop(): Promise<unknown> };

/** DynamoDB's TTL: expired items deleted every `seconds`. */
function startTtlSweeps(admin: DynamoDBClient, tables: Record<TableName, string>, seconds: number, logger: Logger): Repeating {
  let expiring: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    expiring = deleteExpiredItems(admin, tables, Math.floor(Date.now() / 1000)).catch((error: unknown) =>
      logger.warn('local TTL sweep failed', { error }),
    );
  }, seconds * 1000);
  return {
    stop: () => {
      clearInterval(timer);
      return expiring;
    },
  };
}

/** The sweeper's schedule: one run every `seconds`. */
function startSweeperSchedule(load: HandlerLoader, seconds: number, logger: Logger): Repeating {
  let sweeping: Promise<unknown> = Promise.resolve();
  let sweepRunning = false;
  const timer = setInterval(() => {
    // One run at a time, as the stack's schedule with a budget below the interval gives.
    if (sweepRunning) return;
    sweepRunning = true;
    sweeping = load('sweeper')
      .then((sweep) => sweep({}, lambdaContext('sweeper')))
      .catch((error: unknown) => logger.error('sweeper failed', { error }))
      .finally(() => (sweepRunning = false));
  }, seconds * 1000);
  return {
    stop: () => {
      clearInterval(timer);
      return sweeping;
    },
  };
}

/**
 * One process hosts every fan-out here, so each lease left from before this start belongs to
 * a fan-out that died with the last process (kill -9 between storing an event and queueing
 * it): finish those events now, before the bus takes a publisher's retry.
 */
async function finishAbandonedFanOuts(logger: Logger): Promise<void> {
  const finished = await fanOutGraph().fanOut.finishAbandoned(`local-start-${process.pid}`, Date.now());
  if (finished.finished > 0) logger.warn('finished the queueing of events stored before the last stop', { ...finished });
}

/** What $DATA_DIR/local.json tells the CLIs and tests about this runtime. */
function localState(parts: {
  apiUrl: string;
  eventsUrl: string;
  dynamo: LocalDynamo;
  sqsServer: LocalSqs;
  tables: Record<TableName, string>;
  devKey: DevKey;
}): LocalState {
  const { dynamo, sqsServer, devKey } = parts;
  return {
    pid: process.pid,
    api_url: parts.apiUrl,
    events_url: parts.eventsUrl,
    dynamodb_endpoint: dynamo.endpoint,
    sqs_endpoint: sqsServer.endpoint,
    region: REGION,
    event_bus_name: DEFAULT_EVENT_BUS_NAME,
    delivery_queue_url: sqsServer.queues.fast.url,
    delivery_dlq_url: sqsServer.queues.fast.deadLetterQueueUrl,
    slow_delivery_queue_url: sqsServer.queues.slow.url,
    slow_delivery_dlq_url: sqsServer.queues.slow.deadLetterQueueUrl,
    tables: parts.tables,
    dev_api_key: devKey.apiKey,
    dev_api_secret: devKey.apiSecret,
  };
}
