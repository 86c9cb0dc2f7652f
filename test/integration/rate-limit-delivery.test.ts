// SPEC §11 rate_limit_per_second, as a partner meets it: a webhook limited to 5/s, sent 25 events
// (five times its rate) as fast as they can be published, never gets more than 5 in any rolling
// second and gets all 25;
// a neighbour webhook of the same partner gets every event meanwhile, unheld; nothing held is
// recorded as a failed attempt.
import { randomUUID } from 'node:crypto';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

const EVENTS = 25;
let receiver: Receiver;
let runtime: RuntimeProcess;

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_PER_MINUTE: '100000' } });
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const maxInAnySecond = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));

it('holds a limited webhook to its rate in every rolling second, delivers everything, and leaves its neighbour alone', async () => {
  const api = apiClient(runtime.state);
  const limitedPath = `/limited-${randomUUID()}`;
  const neighbourPath = `/neighbour-${randomUUID()}`;
  const limited = await api('POST', '/v1/webhooks', { body: { url: receiver.url(limitedPath), events: ['order.filled'], rate_limit_per_second: 5 } });
  expect(limited.status).toBe(201);
  expect(limited.body.rate_limit_per_second).toBe(5);
  await api('POST', '/v1/webhooks', { body: { url: receiver.url(neighbourPath), events: ['order.filled'] } });
  const aws = localAws(runtime.state);
  const ids: string[] = [];
  try {
    await Promise.all(
      Array.from({ length: EVENTS }, async () => {
        const { eventId } = await aws.publish('order.filled', exampleData('order.filled'));
        ids.push(eventId);
      }),
    );
  } finally {
    aws.destroy();
  }
  await waitFor(() => receiver.received(neighbourPath).length === EVENTS, { timeoutMs: 20_000 });
  await waitFor(() => receiver.received(limitedPath).length >= EVENTS, { timeoutMs: 40_000, what: () => `${receiver.received(limitedPath).length} of ${EVENTS} at the limited webhook` });
  const got = receiver.received(limitedPath);
  expect(new Set(got.map((r) => JSON.parse(r.body).event_id))).toEqual(new Set(ids));
  expect(maxInAnySecond(got.map((r) => r.receivedAt))).toBeLessThanOrEqual(5);
  // The neighbour was not held: its 25 came in well under the 5 s the limited one needs.
  const neighbour = receiver.received(neighbourPath).map((r) => r.receivedAt);
  expect(maxInAnySecond(neighbour)).toBeGreaterThan(5);
  // Held jobs are not attempts: one succeeded attempt per event, nothing failed.
  const history = (await api('GET', `/v1/webhooks/${limited.body.id}/deliveries?limit=100`)).body as { status: string; attempt_number: number }[];
  expect(history).toHaveLength(EVENTS);
  expect(history.every((d) => d.status === 'succeeded' && d.attempt_number === 1)).toBe(true);
});
