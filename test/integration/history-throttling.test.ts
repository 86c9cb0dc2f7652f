// Our own failures in the delivery path, on real DynamoDB (dynalite, in-process): DynamoDB
// throttling the history write puts the message back for seconds, not the queue's 180 s. (The
// endpoints table's contract, on the store and its fake: test/contract/endpoint-store.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EndpointTracker } from '../../lambdas/delivery/endpoint-tracker.js';
import { DeliveryWorker } from '../../lambdas/delivery/delivery-worker.js';
import { planQueueActions } from '../../lambdas/delivery/queue-actions.js';
import { deliverMessage } from '../../lambdas/domain/delivery.js';
import type { IsolationPolicy } from '../../lambdas/domain/endpoint-health.js';
import { RetryPolicy } from '../../lambdas/domain/retry-policy.js';
import { DELIVERY_QUEUE } from '../../lambdas/stores/queue-definitions.js';
import { DeliveryStore } from '../../lambdas/stores/delivery-store.js';
import { EndpointStore } from '../../lambdas/stores/endpoint-store.js';
import { JobStore } from '../../lambdas/stores/job-store.js';
import { TABLES } from '../../lambdas/stores/table-definitions.js';
import { ensureTables, type LocalDynamo, startDynalite } from '../../local/dynamodb.js';
import { FakeEvents, jobFixture, webhookFixture } from '../support/delivery-fakes.js';

const POLICY: IsolationPolicy = { slowAfterMs: 1000, maxInFlight: 4, overflowAfterMs: 250, failureThreshold: 5, probeIntervalMs: 60_000, fastStreakToReturn: 3, successRefreshMs: 300_000, probeAnswerMs: 12_000 };
const NOW = new Date('2026-06-01T12:00:00.000Z');
const tables = Object.fromEntries(Object.keys(TABLES).map((t) => [t, `test-${t}`])) as Record<keyof typeof TABLES, string>;

let dir: string;
let dynamo: LocalDynamo;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
/** When set, DynamoDB answers each request of this command with a throttling error. */
let throttle: string | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'history-throttling-'));
  dynamo = await startDynalite(dir, 0);
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, maxAttempts: 1 });
  // As DynamoDB throttles: the request is refused with ThrottlingException (the SDK's own retries are off here).
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (throttle !== undefined && context.commandName === throttle) {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $fault: 'client' });
      }
      return next(args);
    },
    { step: 'initialize', name: 'testThrottle' },
  );
  await ensureTables(client, tables);
  db = DynamoDBDocumentClient.from(client);
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
const tracker = (store: EndpointStore) => new EndpointTracker({ store, policy: POLICY, cacheTtlMs: 60_000, now: () => NOW });

describe('our own failure in the delivery path', () => {
  it('DynamoDB throttling the history write: nothing recorded as the partner\'s attempt, and the message shows again in seconds', async () => {
    const jobs = new JobStore(db, tables.jobs);
    const history = new DeliveryStore(db, tables.deliveries);
    const worker = new DeliveryWorker({
      jobs,
      events: new FakeEvents(),
      webhooks: { get: async (_p, id) => webhookFixture(id) },
      endpoints: tracker(new EndpointStore(db, tables.endpoints)),
      history,
      cipher: { encrypt: async (s) => s, decrypt: async () => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      sender: { send: async () => ({ ok: false, httpStatus: 503, responseTimeMs: 5, error: null }) },
      retryPolicy: new RetryPolicy([1, 1, 1, 1, 1]),
      parkAfterSeconds: 60,
      disabler: { disable: async () => true },
      autoDisableAfterMs: 432_000_000,
      recover: async () => ({ queued: 0 }),
      now: () => NOW,
    });
    const webhookId = `w-${++counter}`;
    const record = { messageId: 'm1', receiptHandle: 'r1', receiveCount: 1, message: deliverMessage(jobFixture({ webhookId })) };
    throttle = 'BatchWriteItemCommand';
    const outcomes = await worker.processBatch([record], 'fast').finally(() => (throttle = undefined));
    expect(outcomes.get('m1')).toMatchObject({ kind: 'error', error: { name: 'ThrottlingException' } });
    expect((await history.list(webhookId, { limit: 10 })).items).toEqual([]);
    const plan = planQueueActions([record], outcomes, 'fast', NOW.getTime());
    expect(plan.keep).toEqual(['m1']);
    expect(plan.showAgain).toHaveLength(1);
    expect(plan.showAgain[0]!.seconds).toBeLessThanOrEqual(2);
    expect(plan.showAgain[0]!.seconds).toBeLessThan(DELIVERY_QUEUE.visibilityTimeoutSeconds);
  });
});
