// SPEC §9 on the real local runtime, with the default circuit (5 failures open it, one probe per
// 60 s) and a compressed retry schedule: after an outage, the partner's own actions — recover,
// redeliver, test — reach the endpoint at once, however long the circuit's probe interval; the
// open circuit never ends them with `circuit_open`. The two tests run concurrently on one runtime,
// each endpoint subscribed to an event type of its own (an endpoint sees only its own events).
import { exampleData } from '../support/examples.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

let harness: PipelineHarness;
let pathCounter = 0;

beforeAll(async () => {
  harness = await startPipeline({ ALLOW_LOOPBACK_URLS: '1', RETRY_SCHEDULE_SECONDS: '1,1' });
});
afterAll(() => harness?.stop());

/** A webhook whose endpoint is down (503), with `events` of `type` published and every one ended failed. */
async function downEndpoint(events: number, type: 'order.filled' | 'order.rejected' | 'order.cancelled') {
  const { call, aws, receiver } = harness;
  const path = `/down-${++pathCounter}`;
  receiver.script(path, { statuses: [503] });
  const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: [type] } });
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  const since = new Date(Date.now() - 1000).toISOString();
  const eventIds = await Promise.all(Array.from({ length: events }, async () => (await aws.publish(type, exampleData(type))).eventId));
  await aws.untilOutcome(id, eventIds, 'failed', { timeoutMs: 60_000, what: `the ${events} events of ${path}` });
  const attempts = (await call('GET', `/v1/webhooks/${id}/deliveries?limit=100`)).body as { error: string | null }[];
  // The circuit opened: the later attempts were held without a POST.
  expect(attempts.some((a) => a.error === 'circuit_open')).toBe(true);
  return { id, path, since, eventIds, postsBefore: receiver.received(path).length };
}

const eventIdOf = (body: string) => JSON.parse(body).event_id as string;

describe('partner actions after an outage, with the default 60 s probe interval (SPEC §9)', () => {
  it.concurrent('recover delivers each of 20 failed events exactly once within 30 s of the endpoint coming back', async () => {
    const { call, receiver } = harness;
    const down = await downEndpoint(20, 'order.filled');
    receiver.script(down.path, { statuses: [200] });
    const started = Date.now();
    const res = await call('POST', `/v1/webhooks/${down.id}/recover`, { body: { since: down.since } });
    expect([res.status, res.body]).toEqual([202, { events: 20 }]);
    const after = await waitFor(() => {
      const got = receiver.received(down.path).slice(down.postsBefore);
      return new Set(got.map((r) => eventIdOf(r.body))).size === 20 ? got : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, what: () => `20 recovered deliveries (got ${receiver.received(down.path).length - down.postsBefore})` });
    process.stdout.write(`recover: 20/20 delivered in ${Date.now() - started} ms\n`);
    expect(after.map((r) => eventIdOf(r.body)).sort()).toEqual([...down.eventIds].sort());
    // Exactly once: nothing more arrives while the jobs settle as succeeded.
    await harness.aws.untilOutcome(down.id, down.eventIds, 'succeeded', { timeoutMs: 10_000, what: 'the recovered jobs' });
    expect(receiver.received(down.path).length - down.postsBefore).toBe(20);
  }, 120_000);

  it.concurrent('redeliver and test on an endpoint whose circuit is open each arrive within 5 s', async () => {
    const { call, receiver } = harness;
    const [forRedeliver, forTest] = await Promise.all([downEndpoint(6, 'order.rejected'), downEndpoint(6, 'order.cancelled')]);
    receiver.script(forRedeliver.path, { statuses: [200] });
    receiver.script(forTest.path, { statuses: [200] });

    const eventId = forRedeliver.eventIds[0]!;
    expect((await call('POST', `/v1/webhooks/${forRedeliver.id}/events/${eventId}/redeliver`)).status).toBe(202);
    const redelivered = await waitFor(() => receiver.received(forRedeliver.path).slice(forRedeliver.postsBefore)[0], { timeoutMs: 5_000, what: () => 'the redelivery' });
    expect(eventIdOf(redelivered.body)).toBe(eventId);

    const test = await call('POST', `/v1/webhooks/${forTest.id}/test`);
    expect(test.status).toBe(202);
    const tested = await waitFor(() => receiver.received(forTest.path).slice(forTest.postsBefore)[0], { timeoutMs: 5_000, what: () => 'the test event' });
    expect(JSON.parse(tested.body)).toMatchObject({ event_id: test.body.event_id, event_type: 'webhook.test' });
  }, 120_000);
});
