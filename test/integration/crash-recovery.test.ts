// No pending delivery is lost to a crash: the local SQS emulator is memory-only, so after a
// kill -9 everything pending is recovered from DynamoDB; and a job whose queue message never
// got sent (a crash between the DynamoDB write and the SQS send, in AWS) is found by the sweeper.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { jobIdFor } from '../../lambdas/domain/delivery.js';
import { JobStore } from '../../lambdas/stores/job-store.js';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { makeDataDir, removeDataDir, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('crash safety', () => {
  it('makes the pending retry after kill -9 during the retry wait and a restart on the same DATA_DIR', async () => {
    const dataDir = makeDataDir();
    const env = { RETRY_SCHEDULE_SECONDS: '3,3,3,3,3', SWEEP_INTERVAL_SECONDS: '1', SWEEP_GRACE_SECONDS: '30', RATE_LIMIT_PER_SECOND: '1000' };
    receiver.script('/crash', { statuses: [503, 200] });
    const first = await startRuntime({ dataDir, env });
    const created = await apiClient(first.state)('POST', '/v1/webhooks', { body: { url: receiver.url('/crash'), events: [] } });
    let aws = localAws(first.state);
    const { eventId } = await aws.publish('account.kyc_rejected', exampleData('account.kyc_rejected'));
    await waitFor(async () => (await aws.job(created.body.id, eventId))?.attempts === 1);
    aws.destroy();
    await first.kill9();
    expect(receiver.received('/crash')).toHaveLength(1);

    const second = await startRuntime({ dataDir, env });
    try {
      aws = localAws(second.state);
      await waitFor(async () => (await aws.job(created.body.id, eventId))?.status === 'succeeded', { timeoutMs: 15_000 });
      const got = receiver.received('/crash');
      expect(got).toHaveLength(2);
      expect(JSON.parse(got[1]!.body).event_id).toBe(eventId);
      // The retry still waited for its turn in the schedule.
      expect(got[1]!.receivedAt - got[0]!.receivedAt).toBeGreaterThanOrEqual(2900);
      const history = (await apiClient(second.state)('GET', `/v1/webhooks/${created.body.id}/deliveries`)).body;
      expect(history.map((d: any) => [d.attempt_number, d.status])).toEqual([
        [2, 'succeeded'],
        [1, 'failed'],
      ]);
    } finally {
      aws.destroy();
      expect(await second.stop()).toBe(0);
      removeDataDir(dataDir);
    }
  });

  it('delivers a job that reached DynamoDB but never SQS, once the sweeper finds it overdue', async () => {
    const rt = await startRuntime({ env: { SWEEP_INTERVAL_SECONDS: '1', SWEEP_GRACE_SECONDS: '1' } });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: rt.state.region, endpoint: rt.state.dynamodb_endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
    );
    try {
      const created = await apiClient(rt.state)('POST', '/v1/webhooks', { body: { url: receiver.url('/orphan'), events: [] } });
      const eventId = '0b5c1f5e-4d7a-4c1e-9a53-0f6a2b9d8e11';
      // What a fan-out that crashed right after its DynamoDB write leaves behind.
      const now = new Date();
      await new JobStore(db, rt.state.tables.jobs).createIfAbsent({
        jobId: jobIdFor(created.body.id, eventId),
        partnerId: 'dev',
        webhookId: created.body.id,
        eventId,
        eventType: 'account.closed',
        data: exampleData('account.closed'),
        environment: 'sandbox',
        eventCreatedAt: now.toISOString(),
        createdAt: now.toISOString(),
        attempts: 0,
        status: 'pending',
        nextAttemptAt: now.getTime(),
      });
      const [delivery] = await waitFor(() => (receiver.received('/orphan').length ? receiver.received('/orphan') : undefined), {
        timeoutMs: 10_000,
      });
      expect(JSON.parse(delivery!.body)).toMatchObject({ event_id: eventId, event_type: 'account.closed' });
    } finally {
      db.destroy();
      expect(await rt.stop()).toBe(0);
      removeDataDir(rt.dataDir);
    }
  });
});
