// SPEC §7 recover on the real local runtime, for a window larger than one request's budget
// (RECOVER_BUDGET_MS=0: one page of 100 per run): the request answers with the whole count, a
// background task on the slow lane re-queues the rest, every failed event is delivered again
// exactly once, and a second recover afterwards finds nothing.
import { exampleData } from '../support/examples.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

const EVENTS = 110; // more than one page of 100
let harness: PipelineHarness;

beforeAll(async () => {
  harness = await startPipeline({
    ALLOW_LOOPBACK_URLS: '1',
    RETRY_SCHEDULE_SECONDS: '1,1',
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    RECOVER_BUDGET_MS: '0',
  });
});
afterAll(() => harness?.stop());

it('delivers a window too large for one request again, each failed event exactly once, through background tasks', async () => {
  const { call, receiver, aws } = harness;
  const path = '/recover-many';
  // Three failing attempts per event (the whole schedule), then every answer is a 200.
  receiver.script(path, { statuses: [...Array(EVENTS * 3).fill(500), 200] });
  const created = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: ['order.filled'] } });
  expect(created.status).toBe(201);
  const since = new Date(Date.now() - 60_000).toISOString();
  const eventIds: string[] = [];
  for (let i = 0; i < EVENTS; i++) eventIds.push((await aws.publish('order.filled', exampleData('order.filled'))).eventId);
  await aws.untilOutcome(created.body.id, eventIds, 'failed', { timeoutMs: 60_000, what: 'every job' });
  expect(receiver.received(path)).toHaveLength(EVENTS * 3);

  const first = await call('POST', `/v1/webhooks/${created.body.id}/recover`, { body: { since } });
  expect([first.status, first.body]).toEqual([202, { events: EVENTS }]);
  const redelivered = await waitFor(() => (receiver.received(path).length >= EVENTS * 4 ? receiver.received(path).slice(EVENTS * 3) : undefined), {
    timeoutMs: 60_000,
    what: () => `${EVENTS} redeliveries (got ${receiver.received(path).length - EVENTS * 3})`,
  });
  const redeliveredIds = redelivered.map((r) => JSON.parse(r.body).event_id as string);
  expect(new Set(redeliveredIds)).toEqual(new Set(eventIds));
  await aws.untilOutcome(created.body.id, eventIds, 'succeeded', { what: 'every recovered job' });
  expect(receiver.received(path)).toHaveLength(EVENTS * 4); // nothing delivered twice

  const second = await call('POST', `/v1/webhooks/${created.body.id}/recover`, { body: { since } });
  expect([second.status, second.body]).toEqual([202, { events: 0 }]);
}, 150_000);
