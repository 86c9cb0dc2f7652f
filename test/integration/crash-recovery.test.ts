// No pending delivery is lost to a crash: a short retry wait stays in the queue (the local SQS
// emulator persists, as SQS does), a long one is parked in DynamoDB and re-queued by the sweeper.
// Each test has runtimes and a receiver path of its own: they run concurrently.
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { makeDataDir, removeDataDir, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

let receiver: Receiver;
const batchesDone = (output: string): { kept: number }[] =>
  output
    .split('\n')
    .filter((line) => line.includes('"event source mapping: batch done"'))
    .map((line) => JSON.parse(line));

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('crash safety', () => {
  it.concurrent('makes the pending retry after kill -9 during the retry wait and a restart on the same DATA_DIR', async () => {
    const dataDir = makeDataDir();
    // Debug logs show when a batch is over, so the kill lands in the retry wait, not between the
    // attempt's job write and the visibility change that schedules its retry.
    const env = { RETRY_SCHEDULE_SECONDS: '3,3,3,3,3', SWEEP_INTERVAL_SECONDS: '1', RATE_LIMIT_PER_SECOND: '1000', LOG_LEVEL: 'debug' };
    receiver.script('/crash', { statuses: [503, 200] });
    const first = await startRuntime({ dataDir, env });
    const created = await apiClient(first.state)('POST', '/v1/webhooks', { body: { url: receiver.url('/crash'), events: [] } });
    let aws = localAws(first.state);
    const { eventId } = await aws.publish('account.kyc_rejected', exampleData('account.kyc_rejected'));
    await waitFor(async () => (await aws.job(created.body.id, eventId))?.attempts === 1);
    await waitFor(() => batchesDone(first.output()).some((b) => b.kept === 1), { what: () => `the kept batch:\n${first.output()}` });
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

  it.concurrent('parks a long retry wait in DynamoDB (nothing in flight in SQS) and the sweeper re-queues it when due, across kill -9', async () => {
    const dataDir = makeDataDir();
    const env = { RETRY_SCHEDULE_SECONDS: '4,4,4,4,4', PARK_AFTER_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '1', RATE_LIMIT_PER_SECOND: '1000' };
    receiver.script('/parked', { statuses: [503, 200] });
    const first = await startRuntime({ dataDir, env });
    const created = await apiClient(first.state)('POST', '/v1/webhooks', { body: { url: receiver.url('/parked'), events: [] } });
    let aws = localAws(first.state);
    const sqs = new SQSClient({ region: first.state.region, endpoint: first.state.sqs_endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    try {
      const { eventId } = await aws.publish('account.closed', exampleData('account.closed'));
      const job = await waitFor(async () => {
        const item = await aws.job(created.body.id, eventId);
        return item?.attempts === 1 ? item : undefined;
      });
      expect(job).toMatchObject({ status: 'pending', parked: true, due_shard: expect.any(String), due_at: expect.any(Number) });
      // The failed first message is deleted, not left waiting in flight.
      await waitFor(async () => {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: first.state.delivery_queue_url, AttributeNames: ['ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessages'] }),
        );
        return Attributes?.ApproximateNumberOfMessagesNotVisible === '0' && Attributes?.ApproximateNumberOfMessages === '0';
      });
    } finally {
      sqs.destroy();
      aws.destroy();
    }
    await first.kill9();

    const second = await startRuntime({ dataDir, env });
    try {
      aws = localAws(second.state);
      const history = await waitFor(
        async () => {
          const items = (await apiClient(second.state)('GET', `/v1/webhooks/${created.body.id}/deliveries`)).body as any[];
          return items.length === 2 ? items : undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect(history.map((d: any) => [d.attempt_number, d.status])).toEqual([
        [2, 'succeeded'],
        [1, 'failed'],
      ]);
      expect(receiver.received('/parked')).toHaveLength(2);
      const job = await aws.job(created.body.id, JSON.parse(receiver.received('/parked')[0]!.body).event_id);
      expect(job).toMatchObject({ status: 'succeeded' });
      expect(job!.due_shard).toBeUndefined();
    } finally {
      aws.destroy();
      expect(await second.stop()).toBe(0);
      removeDataDir(dataDir);
    }
  });
});
