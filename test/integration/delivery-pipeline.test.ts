// The delivery pipeline end to end through the local runtime: PutEvents on the local bus →
// fan-out → SQS → delivery handler → a real loopback receiver; retries on a compressed schedule.
// The tests run concurrently on one runtime (most of each is waiting on retries): each has its
// own webhooks and receiver paths and an event type no other test publishes or subscribes to; the
// two that need a partner's every event (a webhook subscribed to [], events that must not arrive)
// have a partner of their own.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { issueTestApiKey } from '../support/api-keys.js';
import { exampleData } from '../support/examples.js';
import type { Receiver } from '../support/receiver.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

let harness: PipelineHarness;
let receiver: Receiver;
let call: PipelineHarness['call'];
let aws: PipelineHarness['aws'];
let pathCounter = 0;

beforeAll(async () => {
  harness = await startPipeline({
    RETRY_SCHEDULE_SECONDS: '1,1,1,1,1',
    DELIVERY_TIMEOUT_MS: '1000',
    SWEEP_INTERVAL_SECONDS: '1',
    // The circuit breaker has its own test (isolation.test.ts); here every attempt is made.
    CIRCUIT_FAILURE_THRESHOLD: '100',
  });
  ({ receiver, call, aws } = harness);
});

afterAll(() => harness?.stop());

type Auth = { apiKey: string; apiSecret: string };

/** A webhook on its own receiver path, so each test reads only its own deliveries; `auth`: another partner's key. */
async function webhook(events: string[] = [], behaviour?: Parameters<Receiver['script']>[1], auth?: Auth) {
  const path = `/hook-${++pathCounter}`;
  if (behaviour) receiver.script(path, behaviour);
  const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events }, auth });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string, path };
}

const deliveries = async (id: string, query = '') => (await call('GET', `/v1/webhooks/${id}/deliveries${query}`)).body as any[];
/** A partner of the test's own: no other test's events reach its webhooks. */
const ownPartner = async (partnerId: string) => (await issueTestApiKey(harness.rt.state, { partnerId, scopes: ['webhooks:read', 'webhooks:write'] })).auth;

describe('delivery pipeline', () => {
  it.concurrent('delivers a published event signed so that our own HMAC and the standardwebhooks verifier both accept it', async () => {
    const hook = await webhook(['order.filled']);
    const data = exampleData('order.filled');
    const { eventId, result } = await aws.publish('order.filled', data);
    expect(result.FailedEntryCount).toBe(0);

    const [delivery] = await waitFor(() => (receiver.received(hook.path).length ? receiver.received(hook.path) : undefined));
    const h = delivery!.headers;
    const body = delivery!.body;
    expect(h['content-type']).toBe('application/json');
    expect(h['user-agent']).toBe('Buildmarkets-Webhooks/1.0');

    // X-TAPP-Signature: HMAC-SHA256 keyed with the whole secret string, lowercase hex.
    const tapp = createHmac('sha256', hook.secret).update(body).digest('hex');
    expect(h['x-tapp-signature']).toBe(`sha256=${tapp}`);
    // Standard Webhooks, by hand: key = base64-decoded part after whsec_.
    const key = Buffer.from(hook.secret.slice('whsec_'.length), 'base64');
    const signed = `${h['webhook-id']}.${h['webhook-timestamp']}.${body}`;
    expect(h['webhook-signature']).toBe(`v1,${createHmac('sha256', key).update(signed).digest('base64')}`);
    // …and by the ecosystem's verifier (throws when it does not verify).
    const verified = new Webhook(hook.secret).verify(body, {
      'webhook-id': String(h['webhook-id']),
      'webhook-timestamp': String(h['webhook-timestamp']),
      'webhook-signature': String(h['webhook-signature']),
    });
    expect(verified).toMatchObject({ event_id: eventId });
    expect(() =>
      new Webhook(hook.secret).verify(body.replace('MSFT', 'MSFX'), {
        'webhook-id': String(h['webhook-id']),
        'webhook-timestamp': String(h['webhook-timestamp']),
        'webhook-signature': String(h['webhook-signature']),
      }),
    ).toThrow();

    const envelope = JSON.parse(body);
    expect(envelope).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      event_id: eventId,
      event_type: 'order.filled',
      api_version: 'v1',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      environment: 'sandbox',
      partner_id: 'dev',
      data,
    });
    expect(h['webhook-id']).toBe(eventId);
    expect(h['x-tapp-event-id']).toBe(eventId);
    expect(h['x-tapp-event-type']).toBe('order.filled');
    expect(h['x-tapp-delivery-id']).toBe(envelope.id);

    const history = await waitFor(async () => ((await deliveries(hook.id)).length === 1 ? deliveries(hook.id) : undefined));
    expect(history[0]).toMatchObject({
      id: envelope.id,
      event_id: eventId,
      event_type: 'order.filled',
      status: 'succeeded',
      http_status: 200,
      attempt_number: 1,
      next_retry_at: null,
      error: null,
    });
    expect(history[0].response_time_ms).toEqual(expect.any(Number));
  });

  it.concurrent('delivers only subscribed event types, and everything to a webhook subscribed to []', async () => {
    const auth = await ownPartner('subscriptions');
    const orders = await webhook(['order.filled'], undefined, auth);
    const all = await webhook([], undefined, auth);
    const { eventId: closed } = await aws.publish('account.closed', exampleData('account.closed'), { partnerId: 'subscriptions' });
    const { eventId: filled } = await aws.publish('order.filled', exampleData('order.filled'), { partnerId: 'subscriptions' });
    await waitFor(() => receiver.received(all.path).length === 2 && receiver.received(orders.path).length === 1);
    const ids = (path: string) => receiver.received(path).map((r) => JSON.parse(r.body).event_id);
    expect(ids(orders.path)).toEqual([filled]);
    expect(ids(all.path).sort()).toEqual([closed, filled].sort());
    expect(await aws.queuedFor(orders.id, closed, 'subscriptions')).toBe(false);
  });

  it.concurrent('delivers an event_id published twice once per webhook', async () => {
    const a = await webhook(['order.submitted']);
    const b = await webhook(['order.submitted']);
    const { eventId } = await aws.publish('order.submitted', exampleData('order.submitted'));
    await aws.publish('order.submitted', exampleData('order.submitted'), { eventId });
    await Promise.all([a.id, b.id].map((id) => aws.untilOutcome(id, [eventId], 'succeeded')));
    // A third publish after success must not deliver again either.
    await aws.publish('order.submitted', exampleData('order.submitted'), { eventId });
    // A later event to both as a fence: a duplicate queued before it would have arrived by then.
    const { eventId: fence } = await aws.publish('order.submitted', exampleData('order.submitted'));
    const ids = (path: string) => receiver.received(path).map((r) => JSON.parse(r.body).event_id);
    await waitFor(() => ids(a.path).includes(fence) && ids(b.path).includes(fence));
    expect(ids(a.path).filter((id) => id === eventId)).toHaveLength(1);
    expect(ids(b.path).filter((id) => id === eventId)).toHaveLength(1);
  });

  it.concurrent('retries 503, 503, 200 as three attempts with a correct history', async () => {
    const hook = await webhook(['order.rejected'], { statuses: [503, 503, 200] });
    const { eventId } = await aws.publish('order.rejected', exampleData('order.rejected'));
    await aws.untilOutcome(hook.id, [eventId], 'succeeded', { timeoutMs: 15_000 });

    const got = receiver.received(hook.path).map((r) => JSON.parse(r.body));
    expect(got).toHaveLength(3);
    expect(new Set(got.map((e) => e.event_id))).toEqual(new Set([eventId]));
    expect(new Set(got.map((e) => e.id)).size).toBe(3);

    const history = await deliveries(hook.id);
    expect(history.map((d) => [d.attempt_number, d.status, d.http_status])).toEqual([
      [3, 'succeeded', 200],
      [2, 'failed', 503],
      [1, 'failed', 503],
    ]);
    expect(history[0].next_retry_at).toBeNull();
    for (const failed of history.slice(1)) {
      expect(Date.parse(failed.next_retry_at) - Date.parse(failed.attempted_at)).toBeGreaterThanOrEqual(900);
    }
    expect(history.map((d) => d.id)).toEqual([...got.map((e) => e.id)].reverse());
    // Filters.
    expect((await deliveries(hook.id, '?status=failed')).map((d) => d.attempt_number)).toEqual([2, 1]);
    expect(await deliveries(hook.id, `?event_id=${eventId}&status=succeeded`)).toHaveLength(1);
  });

  it.concurrent('gives up after exactly 6 attempts against an endpoint that always answers 500', async () => {
    const hook = await webhook(['order.cancelled'], { statuses: [500] });
    const { eventId } = await aws.publish('order.cancelled', exampleData('order.cancelled'));
    await aws.untilOutcome(hook.id, [eventId], 'failed', { timeoutMs: 20_000 });
    expect(receiver.received(hook.path)).toHaveLength(6);
    const history = await deliveries(hook.id);
    expect(history.map((d) => d.attempt_number)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(history.every((d) => d.status === 'failed' && d.http_status === 500)).toBe(true);
    expect(history[0].next_retry_at).toBeNull();
    expect(history.slice(1).every((d) => d.next_retry_at !== null)).toBe(true);
  });

  it.concurrent('records a timeout and a redirect as failed attempts and never follows the redirect', async () => {
    const slow = await webhook(['account.kyc_approved'], { delayMs: 3000 });
    const target = `/redirect-target-${pathCounter}`;
    const redirecting = await webhook(['account.kyc_approved'], { redirectTo: receiver.url(target) });
    await aws.publish('account.kyc_approved', exampleData('account.kyc_approved'));

    const first = async (id: string) => (await deliveries(id)).find((d) => d.attempt_number === 1);
    const timedOut = await waitFor(() => first(slow.id));
    expect(timedOut).toMatchObject({ status: 'failed', http_status: null, response_time_ms: null, error: 'timeout' });
    expect(timedOut.next_retry_at).not.toBeNull();
    const redirected = await waitFor(() => first(redirecting.id));
    expect(redirected).toMatchObject({ status: 'failed', http_status: 302 });
    expect(receiver.received(target)).toHaveLength(0);
    // Stop the retries of these two.
    await call('DELETE', `/v1/webhooks/${slow.id}`);
    await call('DELETE', `/v1/webhooks/${redirecting.id}`);
  });

  it.concurrent('records connection_refused when nothing listens at the URL', async () => {
    const res = await call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:1/nothing', events: ['account.closed'] } });
    await aws.publish('account.closed', exampleData('account.closed'));
    const [attempt] = await waitFor(async () => ((await deliveries(res.body.id)).length ? deliveries(res.body.id) : undefined));
    expect(attempt).toMatchObject({ status: 'failed', http_status: null, error: 'connection_refused' });
    await call('DELETE', `/v1/webhooks/${res.body.id}`);
  });

  it.concurrent('sends webhook.test to a webhook subscribed to other events, and refuses it while disabled', async () => {
    const hook = await webhook(['funding.deposit_completed']);
    const res = await call('POST', `/v1/webhooks/${hook.id}/test`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ event_id: expect.any(String), event_type: 'webhook.test' });
    const [delivery] = await waitFor(() => (receiver.received(hook.path).length ? receiver.received(hook.path) : undefined));
    const envelope = JSON.parse(delivery!.body);
    expect(envelope).toMatchObject({ event_id: res.body.event_id, event_type: 'webhook.test', data: { webhook_id: hook.id } });
    expect(typeof envelope.data.message).toBe('string');

    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'disabled' } });
    const refused = await call('POST', `/v1/webhooks/${hook.id}/test`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('WEBHOOK_DISABLED');
  });

  it.concurrent('never delivers events that fired while a webhook was disabled, even after it is enabled again', async () => {
    const hook = await webhook(['funding.withdrawal_completed']);
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'disabled' } });
    const { eventId: missed } = await aws.publish('funding.withdrawal_completed', exampleData('funding.withdrawal_completed'));
    expect(await aws.queuedFor(hook.id, missed)).toBe(false);
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'active' } });
    const { eventId: later } = await aws.publish('funding.withdrawal_completed', exampleData('funding.withdrawal_completed'));
    await aws.untilOutcome(hook.id, [later], 'succeeded');
    expect(receiver.received(hook.path).map((r) => JSON.parse(r.body).event_id)).toEqual([later]);
  });

  it.concurrent('drops a pending retry when the webhook is disabled, even if it is enabled again before the retry', async () => {
    const hook = await webhook(['funding.deposit_returned'], { statuses: [503, 200] });
    const { eventId } = await aws.publish('funding.deposit_returned', exampleData('funding.deposit_returned'));
    await waitFor(async () => (await aws.job(hook.id, eventId))?.attempts === 1);
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'disabled' } });
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'active' } });
    await aws.untilOutcome(hook.id, [eventId], 'dropped', { timeoutMs: 10_000 });
    expect(receiver.received(hook.path)).toHaveLength(1);
  });

  it.concurrent('stops retrying at once when the webhook is deleted mid-retry', async () => {
    const hook = await webhook(['funding.withdrawal_returned'], { statuses: [500] });
    const { eventId } = await aws.publish('funding.withdrawal_returned', exampleData('funding.withdrawal_returned'));
    await waitFor(async () => (await aws.job(hook.id, eventId))?.attempts === 1);
    expect((await call('DELETE', `/v1/webhooks/${hook.id}`)).status).toBe(204);
    await aws.untilOutcome(hook.id, [eventId], 'dropped', { timeoutMs: 10_000 });
    expect(receiver.received(hook.path)).toHaveLength(1);
  });

  it.concurrent('never delivers an event whose data fails validation, and keeps it with the reason', async () => {
    const hook = await webhook(['order.filled'], undefined, await ownPartner('validation'));
    const bad = { ...exampleData('order.filled'), quantity: 3 };
    const { eventId, result } = await aws.publish('order.filled', bad, { partnerId: 'validation' });
    expect(result.FailedEntryCount).toBe(0);
    const rejected = await waitFor(async () => (await aws.rejectedEvents()).find((e) => String(e.detail).includes(eventId)));
    expect(rejected.reason).toMatch(/quantity/);
    expect(rejected.detail_type).toBe('order.filled');
    const { eventId: unknownType } = await aws.publish('order.exploded', exampleData('order.filled'), { partnerId: 'validation' });
    await waitFor(async () => (await aws.rejectedEvents()).find((e) => String(e.detail).includes(unknownType)));
    expect(await aws.queuedFor(hook.id, eventId, 'validation')).toBe(false);
    expect(receiver.received(hook.path)).toHaveLength(0);
  });
});
