// The fast lane never waits long for one slow endpoint. An endpoint answering in 2 s gets
// its first attempt cut short at FAST_LANE_DEADLINE_MS (recorded as moved_to_slow_lane) and the
// event delivered on the slow lane with the full timeout; its next events go straight to the slow
// lane.
import { randomUUID } from 'node:crypto';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

let receiver: Receiver;
let runtime: RuntimeProcess;

beforeAll(async () => {
  receiver = await startReceiver();
  // The defaults' proportions (an attempt is slow at 1 s, cut at 2 s), halved: the slow endpoint's answers take 2 s.
  runtime = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_PER_MINUTE: '100000', FAST_LANE_DEADLINE_MS: '1000', SLOW_ENDPOINT_MS: '500' } });
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

it('cuts a slow endpoint\'s first attempt short at the deadline, delivers it on the slow lane, and sends its next events straight there', async () => {
  const api = apiClient(runtime.state);
  const slowPath = `/slow-${randomUUID()}`;
  const healthyPath = `/ok-${randomUUID()}`;
  receiver.script(slowPath, { delayMs: 2000 });
  const slow = (await api('POST', '/v1/webhooks', { body: { url: receiver.url(slowPath), events: ['order.filled'] } })).body;
  await api('POST', '/v1/webhooks', { body: { url: receiver.url(healthyPath), events: ['order.filled'] } });
  const aws = localAws(runtime.state);
  try {
    const first = await aws.publish('order.filled', exampleData('order.filled'));
    // The slow endpoint gets the cut-short POST, then the slow lane's.
    await waitFor(() => receiver.received(healthyPath).length === 1);
    await waitFor(
      async () => (await api('GET', `/v1/webhooks/${slow.id}/deliveries`)).body.some((d: { status: string }) => d.status === 'succeeded'),
      { timeoutMs: 15_000 },
    );
    const history = (await api('GET', `/v1/webhooks/${slow.id}/deliveries`)).body as { attempt_number: number; status: string; error: string | null; event_id: string }[];
    expect(history.map((d) => [d.attempt_number, d.status, d.error, d.event_id])).toEqual([
      [2, 'succeeded', null, first.eventId],
      [1, 'failed', 'moved_to_slow_lane', first.eventId],
    ]);
    // The onset duplicate: the endpoint saw the event twice (the cut-short POST, then the slow lane's).
    expect(receiver.received(slowPath).map((r) => JSON.parse(r.body).event_id)).toEqual([first.eventId, first.eventId]);

    // The endpoint is slow now: its next event goes straight to the slow lane, one attempt, no cut.
    const second = await aws.publish('order.filled', exampleData('order.filled'));
    await waitFor(() => receiver.received(healthyPath).length === 2);
    await waitFor(
      async () => (await api('GET', `/v1/webhooks/${slow.id}/deliveries?event_id=${second.eventId}`)).body.length === 1,
      { timeoutMs: 15_000 },
    );
    const again = (await api('GET', `/v1/webhooks/${slow.id}/deliveries?event_id=${second.eventId}`)).body;
    expect(again.map((d: { attempt_number: number; status: string }) => [d.attempt_number, d.status])).toEqual([[1, 'succeeded']]);
  } finally {
    aws.destroy();
  }
});
