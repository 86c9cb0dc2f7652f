// SPEC §7 operations raced against themselves on the real local runtime: parallel
// rotate-secret requests for one webhook, and parallel redeliveries of one event, some of them
// while the previous redelivered attempt is still being POSTed.
// The two tests (a webhook each, on event types of their own) run concurrently.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { exampleData } from '../support/examples.js';
import type { Received, Receiver } from '../support/receiver.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

let harness: PipelineHarness;
let receiver: Receiver;
let call: PipelineHarness['call'];
let aws: PipelineHarness['aws'];

/** How long the receiver holds each POST of the redelivery test before it answers. */
const HOLD_MS = 1200;

beforeAll(async () => {
  // An endpoint answering in HOLD_MS stays on the fast lane: lanes are not what these tests are about.
  harness = await startPipeline({ ALLOW_LOOPBACK_URLS: '1', SLOW_ENDPOINT_MS: '10000' });
  ({ receiver, call, aws } = harness);
});

afterAll(() => harness?.stop());

async function webhook(path: string, events: string[]) {
  const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events } });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string };
}

const hmacHex = (secret: string, body: string) => `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex')}`;
const verifies = (secret: string, r: Received) => {
  try {
    new Webhook(secret).verify(r.body, {
      'webhook-id': r.headers['webhook-id'] as string,
      'webhook-timestamp': r.headers['webhook-timestamp'] as string,
      'webhook-signature': r.headers['webhook-signature'] as string,
    });
    return true;
  } catch {
    return false;
  }
};

describe('concurrent rotate-secret requests for one webhook', () => {
  it.concurrent('answer 200 each with a secret that was made current (last writer wins, previous = the one it replaced), never a 500', async () => {
    const path = '/rotate-race';
    // An event type nobody publishes: only its test events reach it.
    const hook = await webhook(path, ['funding.ach_relationship_created']);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { body: { expire_previous_in_seconds: 3600 } })),
    );
    expect(answers.map((a) => [a.status, a.body?.error?.code])).toEqual(answers.map(() => [200, undefined]));
    const secrets = answers.map((a) => a.body.secret as string);
    expect(new Set(secrets).size).toBe(20);
    for (const a of answers) expect(Date.parse(a.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);

    // A delivery now is signed with two of the 200s' secrets: the current one, and the one it replaced.
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const [got] = await waitFor(() => (receiver.received(path).length >= 1 ? receiver.received(path) : undefined), { what: () => 'the test delivery' });
    expect(String(got!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const current = secrets.filter((s) => got!.headers['x-tapp-signature'] === hmacHex(s, got!.body));
    const previous = secrets.filter((s) => got!.headers['x-tapp-signature-previous'] === hmacHex(s, got!.body));
    expect([current.length, previous.length]).toEqual([1, 1]);
    expect(current[0]).not.toBe(previous[0]);
    expect(verifies(current[0]!, got!)).toBe(true);
    expect(verifies(previous[0]!, got!)).toBe(true);
    // The original was replaced as the previous secret by the later rotations: two secrets sign at most.
    expect(verifies(hook.secret, got!)).toBe(false);

    // The chain goes on from the race's last writer.
    const next = await call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { body: { expire_previous_in_seconds: 3600 } });
    expect(next.status).toBe(200);
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const after = (await waitFor(() => (receiver.received(path).length >= 2 ? receiver.received(path) : undefined), { what: () => 'the second test delivery' }))[1]!;
    expect(after.headers['x-tapp-signature']).toBe(hmacHex(next.body.secret, after.body));
    expect(after.headers['x-tapp-signature-previous']).toBe(hmacHex(current[0]!, after.body));
  });
});

describe('concurrent redeliveries of one event', () => {
  it.concurrent('record every POST they make in the history, with distinct attempt numbers, and make few POSTs', async () => {
    const path = '/redeliver-race';
    receiver.script(path, { delayMs: HOLD_MS });
    const hook = await webhook(path, ['order.filled']);
    const { eventId } = await aws.publish('order.filled', exampleData('order.filled'));
    await aws.untilOutcome(hook.id, [eventId], 'succeeded', { timeoutMs: 20_000, what: 'the first delivery' });

    const redeliver = () => call('POST', `/v1/webhooks/${hook.id}/events/${eventId}/redeliver`);
    const first = Array.from({ length: 25 }, redeliver);
    // The rest come while a redelivered attempt is being POSTed (the receiver holds it): they need one more.
    await waitFor(() => receiver.received(path).length >= 2, { timeoutMs: 20_000, what: () => 'a redelivered POST' });
    const second = Array.from({ length: 25 }, redeliver);
    const answers = await Promise.all([...first, ...second]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));

    // Settled: nothing left in either lane, and the job succeeded.
    await waitFor(async () => (await aws.queuesIdle()) && (await aws.outcome(hook.id, eventId)) === 'succeeded', {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: () => 'the redeliveries to settle',
    });
    const posts = receiver.received(path).map((r) => r.headers['x-tapp-delivery-id'] as string);
    const records = await waitFor(
      async () => {
        const items = (await call('GET', `/v1/webhooks/${hook.id}/deliveries?event_id=${eventId}`)).body as any[];
        return items.length >= posts.length ? items : undefined;
      },
      { timeoutMs: 5000, what: () => `${posts.length} history records (POSTs made: ${posts.length})` },
    );
    expect(records.map((r) => r.id).sort()).toEqual([...posts].sort());
    const numbers = records.map((r) => r.attempt_number).sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    // The original POST, one for the requests that came before the redelivered attempt began, and
    // one more for those that came while it was being made (a few more when requests of one wave
    // come after their wave's attempt began): far fewer than one per request.
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(posts.length).toBeLessThan(10);
  });
});
