// One set of cases for the delivery queues' sends, run against DeliveryQueue on the SQS emulator
// (fauxqs in-process, as the local runtime hosts it but in memory; through the SDK) and against the in-memory
// fake the fan-out, sweeper, recover and redelivery unit tests use, so the fake cannot pass on
// behaviour the queue never had: one message per entry on its lane, the body unchanged, a message
// too large for SQS refused for good and the rest of the call sent.
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { deliverMessage, type Lane, type QueueMessage, queueMessageSchema, recordMessage } from '../../lambdas/domain/delivery.js';
import { DeliveryQueue, type SendResult } from '../../lambdas/stores/delivery-queue.js';
import { DELIVERY_QUEUES } from '../../lambdas/stores/queue-definitions.js';
import { FakeQueue, jobFixture } from '../support/delivery-fakes.js';

/** The queue under test and what has arrived on a lane since the last look. */
type Queue = { send(lane: Lane, outgoing: { message: QueueMessage }[]): Promise<SendResult[]>; receive(lane: Lane): Promise<QueueMessage[]> };

let app: ReturnType<typeof buildApp>;
let client: SQSClient;
let urls: Record<Lane, string>;

beforeAll(async () => {
  // The local runtime's emulator (local/sqs.ts) without its SQLite persistence, which jest's module loader cannot resolve.
  app = buildApp({ logger: false, defaultRegion: 'us-east-1' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  client = new SQSClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const create = async (lane: Lane) => (await client.send(new CreateQueueCommand({ QueueName: DELIVERY_QUEUES[lane].name }))).QueueUrl!;
  urls = { fast: await create('fast'), slow: await create('slow') };
});
afterAll(async () => {
  client?.destroy();
  await app?.close();
});

/** The emulator's queues, emptied by each look (every message received is kept out of sight for the file's run). */
function queueOnEmulator(): Queue {
  const queue = new DeliveryQueue(client, (lane) => urls[lane]);
  return {
    send: (lane, outgoing) => queue.send(lane, outgoing),
    async receive(lane) {
      const received: QueueMessage[] = [];
      for (;;) {
        const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: urls[lane], MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600 }));
        if (Messages.length === 0) return received;
        received.push(...Messages.map((m) => queueMessageSchema.parse(JSON.parse(m.Body!))));
      }
    },
  };
}

function fake(): Queue {
  const queue = new FakeQueue();
  let seen = 0;
  return {
    send: (lane, outgoing) => queue.send(lane, outgoing),
    async receive(lane) {
      const fresh = queue.sent.slice(seen);
      seen = queue.sent.length;
      return fresh.filter((s) => s.lane === lane).map((s) => s.message);
    },
  };
}

const byEvent = (messages: QueueMessage[]) => messages.map((m) => (m.kind === 'deliver' ? m.job.event_id : m.kind)).sort();

describe.each([
  ['DeliveryQueue on the SQS emulator', queueOnEmulator],
  ['FakeQueue', fake],
])('delivery queue: %s', (_name, make) => {
  it('sends one message per entry, in any number, on its lane only, and says each was sent', async () => {
    const queue = make();
    const messages = Array.from({ length: 23 }, (_, i) => deliverMessage(jobFixture({ eventId: `e${String(i).padStart(2, '0')}`, webhookId: `w${i % 4}` })));
    expect(await queue.send('slow', messages.map((message) => ({ message })))).toEqual(messages.map(() => ({ ok: true })));
    expect(byEvent(await queue.receive('slow'))).toEqual(messages.map((m) => (m.kind === 'deliver' ? m.job.event_id : '')).sort());
    expect(await queue.receive('fast')).toEqual([]);
  });

  it('delivers each message as sent: any string in its data, and a later change to the sender\'s object not', async () => {
    const queue = make();
    const message = deliverMessage(jobFixture({ eventId: 'odd', data: { note: 'é\u2028\u0000\ud83d\ude00"\\', nested: { list: [1, null, 'x'] } } }));
    const expected = structuredClone(message);
    await queue.send('fast', [{ message }, { message: recordMessage({ id: 'a1', webhookId: 'w1', eventId: 'e1', eventType: 'order.filled', status: 'succeeded', httpStatus: 200, responseTimeMs: 5, attemptNumber: 1, attemptedAt: '2026-06-01T00:00:00.000Z', nextRetryAt: null, error: null }) }]);
    if (message.kind === 'deliver') message.job.data!.note = 'changed';
    const received = await queue.receive('fast');
    expect(received.find((m) => m.kind === 'deliver')).toEqual(expected);
    expect(received.find((m) => m.kind === 'record')).toMatchObject({ attempt: { id: 'a1', http_status: 200 } });
  });

  it('refuses for good a message larger than SQS takes (1 MiB), and sends the rest of the call', async () => {
    const queue = make();
    const big = deliverMessage(jobFixture({ eventId: 'big', data: { note: 'x'.repeat(1_048_576) } }));
    const small = deliverMessage(jobFixture({ eventId: 'small' }));
    expect(await queue.send('fast', [{ message: small }, { message: big }])).toEqual([{ ok: true }, { ok: false, reason: 'message_too_large' }]);
    expect(byEvent(await queue.receive('fast'))).toEqual(['small']);
  });
});
