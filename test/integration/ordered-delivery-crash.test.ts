// SPEC §11 ordering "per_entity" across kill -9: 20 orders × 3 events to an ordered
// webhook whose endpoint fails at first; the runtime is killed while every order waits (its first
// event in its retry wait, the later ones behind it), and restarted on the same DATA_DIR with the
// endpoint healthy again: every event arrives, and per order in publish order.
import { randomUUID } from 'node:crypto';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { makeDataDir, removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

const ORDERS = 20;
const TYPES = ['order.submitted', 'order.filled', 'order.cancelled'] as const;
// Debug logs show when a batch enters and leaves the function: the kill lands while no batch is in
// it, so nothing is in flight (a message in flight at the kill — one the batch received itself to
// fill its slots, too — would come back only after the queue's visibility timeout, 180 s).
// The first retry wait (4 s) is where the kill usually lands; the later ones are longer, so a
// loaded machine that finds no quiet moment in the first still kills before any first event has
// ended failed (with 4 s waits throughout, one run on a loaded machine killed only after that, when
// the orders' later events had rightly gone out). A first event fails for good only 64 s after its
// first attempt, ~20 s more than the publishing and the two 20 s waits before the kill can take.
// A kill that lands in a later wait makes the restarted runtime wait for that retry: up to 15 s
// (with 30 s waits, such a run had taken ~48 s instead of ~12 s).
const ENV = { RETRY_SCHEDULE_SECONDS: '4,15,15,15,15', CIRCUIT_FAILURE_THRESHOLD: '1000', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'debug', ALLOW_LOOPBACK_URLS: '1' };

let receiver: Receiver;
let healthy = false;
let dataDir: string;
let runtime: RuntimeProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
  dataDir = makeDataDir();
});
afterAll(async () => {
  if (runtime) expect(await runtime.stop()).toBe(0);
  await receiver.close();
  removeDataDir(dataDir);
});

const count = (output: string, message: string) => output.split('\n').filter((line) => line.includes(`"event source mapping: ${message}"`)).length;
/** Batches received and finished so far, as one string: unchanged and equal means none is in the function. */
const batches = (output: string) => `${count(output, 'batch received')}/${count(output, 'batch done')}`;
const noneInFunction = (b: string) => b.split('/')[0] === b.split('/')[1];

it('keeps each order in publish order and loses nothing across kill -9 and a restart', async () => {
  const path = `/ordered-crash-${randomUUID()}`;
  receiver.script(path, { decide: () => ({ status: healthy ? 200 : 503, delayMs: Math.floor(Math.random() * 40) }) });
  const first = await startRuntime({ dataDir, env: ENV });
  runtime = first;
  const created = await apiClient(first.state)('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: [...TYPES], ordering: 'per_entity' } });
  expect(created.status).toBe(201);
  const orderIds = Array.from({ length: ORDERS }, (_, i) => `crash-${i}-${randomUUID().slice(0, 8)}`);
  const published = new Map<string, string[]>(orderIds.map((id) => [id, []]));
  const aws = localAws(first.state);
  try {
    await Promise.all(
      orderIds.map(async (orderId) => {
        for (const type of TYPES) {
          const eventId = randomUUID();
          published.get(orderId)!.push(eventId);
          const { result } = await aws.publish(type, { ...exampleData(type), order_id: orderId }, { eventId });
          expect(result.FailedEntryCount ?? 0).toBe(0);
        }
      }),
    );
  } finally {
    aws.destroy();
  }
  const firstEvents = new Set(orderIds.map((id) => published.get(id)![0]!));
  const attemptedFirsts = () => new Set(receiver.received(path).map((r) => JSON.parse(r.body).event_id as string).filter((id) => firstEvents.has(id))).size;
  await waitFor(() => attemptedFirsts() === ORDERS, { timeoutMs: 20_000, what: () => `${attemptedFirsts()} first events attempted` });
  // Quiet: no batch in the function and none came or went for a while (every first event in its
  // 4 s retry wait, the rest waiting behind it).
  let seen = '';
  await waitFor(
    async () => {
      const now = batches(first.output());
      const quiet = now === seen && noneInFunction(now) && receiver.received(path).length > 0;
      seen = now;
      if (!quiet) await new Promise((resolve) => setTimeout(resolve, 400));
      return quiet;
    },
    { timeoutMs: 20_000, what: () => 'a quiet moment' },
  );
  await first.kill9();
  runtime = undefined;
  expect(first.child.signalCode).toBe('SIGKILL');
  // Nothing got through before the kill: every attempt so far failed, and only first events were attempted.
  const beforeKill = receiver.received(path).map((r) => JSON.parse(r.body).event_id as string);
  expect(beforeKill.every((id) => firstEvents.has(id))).toBe(true);

  healthy = true;
  runtime = await startRuntime({ dataDir, env: ENV });
  const eventsOf = (orderId: string) => receiver.received(path).map((r) => JSON.parse(r.body) as { event_id: string; data: { order_id: string } }).filter((b) => b.data.order_id === orderId).map((b) => b.event_id);
  const complete = (orderId: string) => new Set(eventsOf(orderId)).size === TYPES.length;
  await waitFor(() => orderIds.every(complete), { timeoutMs: 60_000, what: () => `${orderIds.filter(complete).length} of ${ORDERS} orders complete` });
  for (const orderId of orderIds) {
    const order = published.get(orderId)!;
    const indexes = eventsOf(orderId).map((id) => order.indexOf(id));
    expect({ orderId, indexes }).toEqual({ orderId, indexes: [...indexes].sort((a, b) => a - b) });
  }
}, 150_000);
