// A crash between storing an event and queueing its jobs never loses it. The runtime
// kills itself (SIGKILL, local/crash-point.ts) right before the SendMessageBatch of the third
// event: that event is stored, none of its jobs queued, its PutEvents unanswered. After a restart
// on the same DATA_DIR every accepted event reaches every subscribed webhook — with no retry at
// all, and with the publisher's retry of the same event_id (which must not be taken for a
// duplicate before the event is queued, nor deliver it twice after).
import { randomUUID } from 'node:crypto';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { makeDataDir, removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

const ENV = { RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_PER_MINUTE: '100000' };
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const eventIdsAt = (path: string) => receiver.received(path).map((r) => JSON.parse(r.body).event_id as string);
const count = (ids: string[], id: string) => ids.filter((x) => x === id).length;

/** Two webhooks on order.filled; three events published, the runtime dies before queueing the third. */
async function crashBetweenStoreAndQueue(dataDir: string) {
  const runtime = await startRuntime({ dataDir, env: { ...ENV, LOCAL_CRASH_BEFORE_QUEUE_SEND: '3' } });
  const paths = [`/a-${randomUUID()}`, `/b-${randomUUID()}`];
  const api = apiClient(runtime.state);
  for (const path of paths) expect((await api('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: ['order.filled'] } })).status).toBe(201);
  const aws = localAws(runtime.state);
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  try {
    for (const id of ids.slice(0, 2)) {
      const { result } = await aws.publish('order.filled', exampleData('order.filled'), { eventId: id });
      expect(result.FailedEntryCount).toBe(0);
    }
    await expect(aws.publish('order.filled', exampleData('order.filled'), { eventId: ids[2] })).rejects.toThrow();
  } finally {
    aws.destroy();
  }
  await runtime.kill9(); // already dead: waits for the exit
  expect(runtime.child.signalCode).toBe('SIGKILL');
  expect(runtime.output()).toContain('killing the runtime before SendMessageBatch #3');
  for (const path of paths) expect(count(eventIdsAt(path), ids[2]!)).toBe(0);
  return { paths, ids };
}

async function expectEachDeliveredOnce(paths: string[], ids: string[]) {
  await waitFor(() => paths.every((path) => ids.every((id) => eventIdsAt(path).includes(id))), {
    timeoutMs: 20_000,
    what: () => `every event at every webhook: ${JSON.stringify(paths.map(eventIdsAt))}`,
  });
  for (const path of paths) for (const id of ids) expect(count(eventIdsAt(path), id)).toBe(1);
}

describe('a crash between storing an event and queueing it', () => {
  /** A crashed runtime's DATA_DIR, restarted; each test its own (they run concurrently), stopped and removed after. */
  async function afterCrash(check: (restarted: RuntimeProcess, crashed: { paths: string[]; ids: string[] }) => Promise<void>) {
    const dataDir = makeDataDir();
    let restarted: RuntimeProcess | undefined;
    try {
      const crashed = await crashBetweenStoreAndQueue(dataDir);
      restarted = await startRuntime({ dataDir, env: ENV });
      await check(restarted, crashed);
    } finally {
      if (restarted) expect(await restarted.stop()).toBe(0);
      removeDataDir(dataDir);
    }
  }

  it.concurrent('loses nothing when no retry ever comes: the restart finishes the stored event', () =>
    afterCrash(async (restarted, { paths, ids }) => {
      await expectEachDeliveredOnce(paths, ids);
      expect(restarted.output()).toContain('finished the queueing of events stored before the last stop');
    }));

  it.concurrent('delivers the event once when the publisher retries it with the same event_id after the restart', () =>
    afterCrash(async (restarted, { paths, ids }) => {
      const aws = localAws(restarted.state);
      try {
        const retry = await aws.publish('order.filled', exampleData('order.filled'), { eventId: ids[2] });
        expect(retry.result.FailedEntryCount).toBe(0);
        // A later event, delivered after the retry was handled: by then a duplicate would have arrived too.
        const later = randomUUID();
        await aws.publish('order.filled', exampleData('order.filled'), { eventId: later });
        await expectEachDeliveredOnce(paths, [...ids, later]);
      } finally {
        aws.destroy();
      }
    }));
});
