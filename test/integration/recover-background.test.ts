// SPEC §7 recover on the real local runtime, for a window larger than one request's budget
// (RECOVER_BUDGET_MS=0 and RECOVER_PAGE_SIZE=5: one page of 5 per run, where the defaults read
// pages of 100 for 10 s): the request answers with the whole count, background tasks on the slow
// lane re-queue the rest (two, one after the other), every failed event is delivered again exactly
// once, and a second recover afterwards finds nothing.
import { exampleData } from '../support/examples.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

const EVENTS = 12; // three pages of 5: the request's and two background tasks'
const ATTEMPTS = 2; // RETRY_SCHEDULE_SECONDS '1': an attempt and one retry
let harness: PipelineHarness;

beforeAll(async () => {
  harness = await startPipeline({
    ALLOW_LOOPBACK_URLS: '1',
    RETRY_SCHEDULE_SECONDS: '1',
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    RECOVER_BUDGET_MS: '0',
    RECOVER_PAGE_SIZE: '5',
  });
});
afterAll(() => harness?.stop());

it('delivers a window too large for one request again, each failed event exactly once, through background tasks', async () => {
  const { call, receiver, aws } = harness;
  const path = '/recover-many';
  // Two failing attempts per event (the whole schedule), then every answer is a 200.
  receiver.script(path, { statuses: [...Array(EVENTS * ATTEMPTS).fill(500), 200] });
  const created = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: ['order.filled'] } });
  expect(created.status).toBe(201);
  const since = new Date(Date.now() - 60_000).toISOString();
  const eventIds: string[] = [];
  // Published ten at a time.
  for (let i = 0; i < EVENTS; i += 10) {
    const batch = Array.from({ length: Math.min(10, EVENTS - i) }, () => aws.publish('order.filled', exampleData('order.filled')));
    for (const { eventId } of await Promise.all(batch)) eventIds.push(eventId);
  }
  await aws.untilOutcome(created.body.id, eventIds, 'failed', { timeoutMs: 60_000, what: 'every job' });
  expect(receiver.received(path)).toHaveLength(EVENTS * ATTEMPTS);

  const first = await call('POST', `/v1/webhooks/${created.body.id}/recover`, { body: { since } });
  expect([first.status, first.body]).toEqual([202, { events: EVENTS }]);
  const redelivered = await waitFor(() => (receiver.received(path).length >= EVENTS * (ATTEMPTS + 1) ? receiver.received(path).slice(EVENTS * ATTEMPTS) : undefined), {
    timeoutMs: 60_000,
    what: () => `${EVENTS} redeliveries (got ${receiver.received(path).length - EVENTS * ATTEMPTS})`,
  });
  const redeliveredIds = redelivered.map((r) => JSON.parse(r.body).event_id as string);
  expect(new Set(redeliveredIds)).toEqual(new Set(eventIds));
  await aws.untilOutcome(created.body.id, eventIds, 'succeeded', { what: 'every recovered job' });
  expect(receiver.received(path)).toHaveLength(EVENTS * (ATTEMPTS + 1)); // nothing delivered twice

  const second = await call('POST', `/v1/webhooks/${created.body.id}/recover`, { body: { since } });
  expect([second.status, second.body]).toEqual([202, { events: 0 }]);
}, 150_000);
