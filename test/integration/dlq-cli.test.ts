// `npm run dlq -- list | redrive` as an operator runs it, against a running local runtime: messages
// are put in the lanes' DLQs directly with the SDK (as the queues' redrive policy would), listed
// with their parsed ids, and a redriven delivery reaches the receiver. The two tests run
// concurrently (the second's commands are all refused before any queue is read).
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deliverMessage, encodeQueueMessage } from '../../lambdas/domain/delivery.js';
import { apiClient } from '../support/api-client.js';
import { runCli } from '../support/cli.js';
import { exampleData } from '../support/examples.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { startAll } from '../support/start-all.js';
import { waitFor } from '../support/wait-for.js';

let rt: RuntimeProcess;
let receiver: Receiver;
let sqs: SQSClient;

beforeAll(async () => {
  [rt, receiver] = await startAll([startRuntime({ env: { ALLOW_LOOPBACK_URLS: '1' } }), startReceiver()]);
  sqs = new SQSClient({ region: rt.state.region, endpoint: rt.state.sqs_endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  sqs?.destroy();
  await receiver?.close();
  if (!rt) return;
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

const dlq = (args: string[]) => runCli('dlq', args, rt.dataDir);

async function dlqJson(args: string[]): Promise<any[]> {
  const result = await dlq(args);
  if (result.code !== 0) throw new Error(`dlq ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as any[];
}

/** Messages in a queue, visible or not. */
const depth = async (url: string) => {
  const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
};

describe('dlq CLI', () => {
  it.concurrent('lists what sits in each lane\'s DLQ, leaves it there, and redrives a lane back to its queue', async () => {
    const call = apiClient(rt.state);
    const created = await call('POST', '/v1/webhooks', { body: { url: receiver.url('/dlq'), events: [] } });
    expect(created.status).toBe(201);
    const eventId = randomUUID();
    const job = {
      partnerId: 'dev',
      webhookId: created.body.id as string,
      eventId,
      eventType: 'order.filled' as const,
      environment: 'sandbox' as const,
      eventCreatedAt: new Date().toISOString(),
      queuedAt: new Date().toISOString(),
      data: exampleData('order.filled'),
      attempts: 0,
      version: 0,
    };
    await sqs.send(new SendMessageCommand({ QueueUrl: rt.state.delivery_dlq_url, MessageBody: encodeQueueMessage(deliverMessage(job)) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: rt.state.slow_delivery_dlq_url, MessageBody: 'not json' }));

    const listed = await dlqJson(['list']);
    expect(listed).toEqual([
      expect.objectContaining({ lane: 'fast', kind: 'deliver', webhook_id: job.webhookId, event_id: eventId, event_type: 'order.filled', attempts: 0, version: 0, receive_count: 1 }),
      expect.objectContaining({ lane: 'slow', kind: 'unparseable', body_bytes: 8 }),
    ]);
    expect(typeof listed[0].message_id).toBe('string');
    // Listing leaves the messages in the DLQ (visible again a second later: the next listing sees them).
    expect([await depth(rt.state.delivery_dlq_url), await depth(rt.state.slow_delivery_dlq_url)]).toEqual([1, 1]);
    expect(await dlqJson(['list', '--lane', 'slow'])).toEqual([expect.objectContaining({ lane: 'slow', kind: 'unparseable' })]);

    expect(await dlqJson(['redrive', '--lane', 'fast', '--max', '5'])).toEqual([{ lane: 'fast', redriven: 1, failed: 0 }]);
    const [delivered] = await waitFor(() => (receiver.received('/dlq').length > 0 ? receiver.received('/dlq') : undefined), { what: () => 'the redriven delivery' });
    expect(JSON.parse(delivered!.body).event_id).toBe(eventId);
    expect((await dlqJson(['list'])).map((m) => m.lane)).toEqual(['slow']);
  });

  it.concurrent('refuses unknown commands, lanes and --max values (exit 2, usage on stderr)', async () => {
    const cases = [[], ['purge'], ['list', '--lane', 'medium'], ['redrive', '--max', '0'], ['list', '--max', 'x'], ['list', 'extra']];
    const results = await Promise.all(cases.map((args) => dlq(args)));
    results.forEach((result, i) => {
      expect([cases[i], result.code]).toEqual([cases[i], 2]);
      expect(result.stderr).toContain('usage');
      expect(result.stdout).toBe('');
    });
  });
});
