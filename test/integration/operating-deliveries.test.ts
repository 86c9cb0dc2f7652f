// SPEC §7 on the real local runtime: redeliver (next attempt_number, new envelope id, fresh
// signatures, the retry schedule), recover (failed and dropped deliveries in a window, once each,
// a second run queues nothing), rotate-secret (both signatures during the overlap, checked with
// standardwebhooks and the plain HMACs), and the auth, isolation and body rules of SPEC §2 on each.
// The tests run concurrently on one runtime (most of each is waiting on the retry schedule): each
// has its own webhooks and receiver paths, and no two publish or subscribe to the same event type
// (none subscribes to everything), so no test sees another's deliveries.
import { createHmac, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { issueTestApiKey, type TestApiKey } from '../support/api-keys.js';
import { exampleData } from '../support/examples.js';
import type { Received, Receiver } from '../support/receiver.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

let harness: PipelineHarness;
let rt: PipelineHarness['rt'];
let receiver: Receiver;
let call: PipelineHarness['call'];
let aws: PipelineHarness['aws'];
let other: TestApiKey;
let readOnly: TestApiKey;
let pathCounter = 0;

beforeAll(async () => {
  harness = await startPipeline({
    ALLOW_LOOPBACK_URLS: '1',
    // Three attempts, 2 s apart: long enough to disable a webhook between two of them.
    RETRY_SCHEDULE_SECONDS: '2,2',
    DELIVERY_TIMEOUT_MS: '2000',
    CIRCUIT_FAILURE_THRESHOLD: '100',
  });
  ({ rt, receiver, call, aws } = harness);
  [other, readOnly] = await Promise.all([
    issueTestApiKey(rt.state, { partnerId: 'other', scopes: ['webhooks:read', 'webhooks:write'] }),
    issueTestApiKey(rt.state, { partnerId: 'dev', scopes: ['webhooks:read'] }),
  ]);
});

afterAll(() => harness?.stop());

async function webhook(events: string[], behaviour?: Parameters<Receiver['script']>[1]) {
  const path = `/ops-${++pathCounter}`;
  if (behaviour) receiver.script(path, behaviour);
  const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events } });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string, path };
}

const history = async (id: string, eventId?: string) =>
  (await call('GET', `/v1/webhooks/${id}/deliveries${eventId ? `?event_id=${eventId}` : ''}`)).body as any[];
const receivedCount = (path: string, n: number) => waitFor(() => (receiver.received(path).length >= n ? receiver.received(path) : undefined), { timeoutMs: 20_000, what: () => `${n} deliveries on ${path}` });
const outcome = (webhookId: string, eventId: string, status: 'succeeded' | 'failed' | 'dropped') =>
  aws.untilOutcome(webhookId, [eventId], status, { timeoutMs: 20_000, what: `job ${eventId}` });
const expectError = (res: { status: number; body: any; headers: Headers }, status: number, code: string) => {
  expect([res.status, res.body?.error?.code]).toEqual([status, code]);
  expect(res.headers.get('x-request-id')).toBe(res.body.error.request_id);
};
const hmacHex = (secret: string, body: string) => `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex')}`;
const swVerify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, {
    'webhook-id': r.headers['webhook-id'] as string,
    'webhook-timestamp': r.headers['webhook-timestamp'] as string,
    'webhook-signature': r.headers['webhook-signature'] as string,
  });

describe('POST /v1/webhooks/{webhookId}/events/{eventId}/redeliver', () => {
  it.concurrent('delivers a succeeded event again with the next attempt_number, a new envelope id and fresh signatures', async () => {
    const hook = await webhook(['order.filled']);
    const { eventId } = await aws.publish('order.filled', exampleData('order.filled'));
    await receivedCount(hook.path, 1);
    await outcome(hook.id, eventId, 'succeeded');

    const res = await call('POST', `/v1/webhooks/${hook.id}/events/${eventId}/redeliver`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ event_id: eventId, event_type: 'order.filled' });
    const [first, second] = await receivedCount(hook.path, 2);
    const [a, b] = [JSON.parse(first!.body), JSON.parse(second!.body)];
    expect(b.event_id).toBe(eventId);
    expect(b.id).not.toBe(a.id);
    expect(b.data).toEqual(a.data);
    expect(second!.headers['x-tapp-delivery-id']).toBe(b.id);
    expect(swVerify(hook.secret, second!)).toEqual(b);
    expect(second!.headers['x-tapp-signature']).toBe(hmacHex(hook.secret, second!.body));
    const attempts = await waitFor(async () => ((await history(hook.id)).length === 2 ? history(hook.id) : undefined));
    expect(attempts.map((d) => [d.attempt_number, d.status, d.id])).toEqual([
      [2, 'succeeded', b.id],
      [1, 'succeeded', a.id],
    ]);
  });

  it.concurrent('follows the retry schedule when the redelivery fails', async () => {
    const hook = await webhook(['order.rejected'], { statuses: [200, 503, 200] });
    const { eventId } = await aws.publish('order.rejected', exampleData('order.rejected'));
    await outcome(hook.id, eventId, 'succeeded');
    expect((await call('POST', `/v1/webhooks/${hook.id}/events/${eventId}/redeliver`)).status).toBe(202);
    await receivedCount(hook.path, 3);
    const attempts = await waitFor(async () => {
      const h = await history(hook.id);
      return h.length === 3 ? h : undefined;
    });
    expect(attempts.map((d) => [d.attempt_number, d.status, d.http_status])).toEqual([
      [3, 'succeeded', 200],
      [2, 'failed', 503],
      [1, 'succeeded', 200],
    ]);
    expect(attempts[1].next_retry_at).not.toBeNull();
    await outcome(hook.id, eventId, 'succeeded');
  });

  it.concurrent('goes on from the attempts of a job that failed for good', async () => {
    const hook = await webhook(['order.cancelled'], { statuses: [500, 500, 500, 200] });
    const { eventId } = await aws.publish('order.cancelled', exampleData('order.cancelled'));
    await outcome(hook.id, eventId, 'failed');
    expect((await call('POST', `/v1/webhooks/${hook.id}/events/${eventId}/redeliver`)).status).toBe(202);
    await outcome(hook.id, eventId, 'succeeded');
    expect((await history(hook.id)).map((d) => [d.attempt_number, d.status])).toEqual([
      [4, 'succeeded'],
      [3, 'failed'],
      [2, 'failed'],
      [1, 'failed'],
    ]);
    expect(receiver.received(hook.path)).toHaveLength(4);
  });

  it.concurrent('takes concurrent redeliveries of one event (each a new version of the job; none is a 500)', async () => {
    const hook = await webhook(['account.closed']);
    const { eventId } = await aws.publish('account.closed', exampleData('account.closed'));
    await outcome(hook.id, eventId, 'succeeded');
    const answers = await Promise.all([1, 2, 3].map(() => call('POST', `/v1/webhooks/${hook.id}/events/${eventId}/redeliver`)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    // A message of a version another redelivery replaced is stale: between one and three more deliveries.
    await receivedCount(hook.path, 2);
    await outcome(hook.id, eventId, 'succeeded');
    const numbers = (await history(hook.id)).map((d) => d.attempt_number);
    expect(numbers.at(-1)).toBe(1);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it.concurrent('answers 404 EVENT_NOT_FOUND for an unknown, malformed or other webhook\'s event, and checks auth, scope and isolation', async () => {
    const hook = await webhook(['order.submitted']);
    const elsewhere = await webhook(['account.kyc_rejected']);
    const { eventId } = await aws.publish('account.kyc_rejected', exampleData('account.kyc_rejected'));
    await receivedCount(elsewhere.path, 1);
    const path = (w: string, e: string) => `/v1/webhooks/${w}/events/${e}/redeliver`;

    expectError(await call('POST', path(hook.id, randomUUID())), 404, 'EVENT_NOT_FOUND');
    expectError(await call('POST', path(hook.id, 'not-an-event')), 404, 'EVENT_NOT_FOUND');
    expectError(await call('POST', path(hook.id, eventId)), 404, 'EVENT_NOT_FOUND');
    expectError(await call('POST', path('not-a-uuid', eventId)), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('POST', path(elsewhere.id, eventId), { auth: other.auth }), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('POST', path(elsewhere.id, eventId), { auth: readOnly.auth }), 403, 'FORBIDDEN');
    expectError(await call('POST', path(elsewhere.id, eventId), { auth: null }), 401, 'UNAUTHORIZED');
    expectError(await call('GET', path(elsewhere.id, eventId)), 405, 'METHOD_NOT_ALLOWED');
    expect(receiver.received(elsewhere.path)).toHaveLength(1);

    expect((await call('PATCH', `/v1/webhooks/${elsewhere.id}`, { body: { status: 'disabled' } })).status).toBe(200);
    expectError(await call('POST', path(elsewhere.id, eventId)), 409, 'WEBHOOK_DISABLED');
    // HTTP Basic works as on every route.
    expect((await call('PATCH', `/v1/webhooks/${elsewhere.id}`, { body: { status: 'active' } })).status).toBe(200);
    expect((await call('POST', path(elsewhere.id, eventId), { basic: true })).status).toBe(202);
    await receivedCount(elsewhere.path, 2);
  });
});

describe('POST /v1/webhooks/{webhookId}/recover', () => {
  it.concurrent('re-queues the failed deliveries of the window once each; a second run queues nothing', async () => {
    const hook = await webhook(['funding.deposit_completed'], { statuses: [500, 500, 500, 500, 500, 500, 200] });
    const since = new Date(Date.now() - 1000).toISOString();
    const first = await aws.publish('funding.deposit_completed', exampleData('funding.deposit_completed'));
    const second = await aws.publish('funding.deposit_completed', exampleData('funding.deposit_completed'));
    await Promise.all([outcome(hook.id, first.eventId, 'failed'), outcome(hook.id, second.eventId, 'failed')]);
    expect(receiver.received(hook.path)).toHaveLength(6);

    // A window that ends before they failed finds nothing.
    expect((await call('POST', `/v1/webhooks/${hook.id}/recover`, { body: { since, until: since } })).body).toEqual({ events: 0 });
    const res = await call('POST', `/v1/webhooks/${hook.id}/recover`, { body: { since } });
    expect([res.status, res.body]).toEqual([202, { events: 2 }]);
    expect((await call('POST', `/v1/webhooks/${hook.id}/recover`, { body: { since } })).body).toEqual({ events: 0 });

    await Promise.all([outcome(hook.id, first.eventId, 'succeeded'), outcome(hook.id, second.eventId, 'succeeded')]);
    const got = receiver.received(hook.path);
    expect(got).toHaveLength(8);
    for (const { eventId } of [first, second]) {
      expect(got.filter((r) => JSON.parse(r.body).event_id === eventId)).toHaveLength(4);
      expect((await history(hook.id, eventId)).map((d) => d.attempt_number)).toEqual([4, 3, 2, 1]);
    }
    expect((await call('POST', `/v1/webhooks/${hook.id}/recover`, { body: { since } })).body).toEqual({ events: 0 });
  });

  it.concurrent('re-queues a delivery dropped while the webhook was disabled', async () => {
    const hook = await webhook(['funding.withdrawal_completed'], { statuses: [503, 200] });
    const since = new Date().toISOString();
    const { eventId } = await aws.publish('funding.withdrawal_completed', exampleData('funding.withdrawal_completed'));
    await waitFor(async () => (await history(hook.id)).length === 1, { what: () => 'the first failed attempt' });
    expect((await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'disabled' } })).status).toBe(200);
    await outcome(hook.id, eventId, 'dropped');
    expectError(await call('POST', `/v1/webhooks/${hook.id}/recover`, { body: { since } }), 409, 'WEBHOOK_DISABLED');
    expect((await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'active' } })).status).toBe(200);

    expect((await call('POST', `/v1/webhooks/${hook.id}/recover`, { body: { since } })).body).toEqual({ events: 1 });
    await outcome(hook.id, eventId, 'succeeded');
    expect((await history(hook.id)).map((d) => [d.attempt_number, d.status])).toEqual([
      [2, 'succeeded'],
      [1, 'failed'],
    ]);
  });

  it.concurrent('refuses a window over 14 days back, since after until, bad dates and unknown fields; checks auth and isolation', async () => {
    const hook = await webhook(['funding.ach_relationship_removed']);
    const recover = (body: unknown, options: Parameters<typeof call>[2] = {}) => call('POST', `/v1/webhooks/${hook.id}/recover`, { body, ...options });
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    expectError(await recover({ since: iso(now - 15 * 86_400_000) }), 400, 'VALIDATION_ERROR');
    expectError(await recover({ since: iso(now - 60_000), until: iso(now - 120_000) }), 400, 'VALIDATION_ERROR');
    expectError(await recover({ since: 'last tuesday' }), 400, 'VALIDATION_ERROR');
    expectError(await recover({}), 400, 'VALIDATION_ERROR');
    expectError(await recover({ since: iso(now - 60_000), extra: 1 }), 400, 'VALIDATION_ERROR');
    expectError(await call('POST', `/v1/webhooks/${hook.id}/recover`, { rawBody: '{', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON');
    expect((await recover({ since: iso(now - 14 * 86_400_000 + 60_000) })).body).toEqual({ events: 0 });
    expectError(await recover({ since: iso(now - 60_000) }, { auth: other.auth }), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await recover({ since: iso(now - 60_000) }, { auth: readOnly.auth }), 403, 'FORBIDDEN');
    expectError(await call('POST', '/v1/webhooks/123/recover', { body: { since: iso(now) } }), 404, 'WEBHOOK_NOT_FOUND');
  });
});

describe('POST /v1/webhooks/{webhookId}/rotate-secret', () => {
  it.concurrent('signs with both secrets during the overlap, then with the new one alone', async () => {
    const hook = await webhook(['funding.ach_relationship_created']);
    const res = await call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { body: { expire_previous_in_seconds: 3600 } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['previous_secret_expires_at', 'secret']);
    const fresh = res.body.secret as string;
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(fresh).not.toBe(hook.secret);
    const expires = Date.parse(res.body.previous_secret_expires_at);
    expect(expires - Date.now()).toBeGreaterThan(3500_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(JSON.stringify((await call('GET', `/v1/webhooks/${hook.id}`)).body)).not.toContain('whsec_');

    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const [during] = await receivedCount(hook.path, 1);
    expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(swVerify(fresh, during!)).toEqual(JSON.parse(during!.body));
    expect(swVerify(hook.secret, during!)).toEqual(JSON.parse(during!.body));
    expect(during!.headers['x-tapp-signature']).toBe(hmacHex(fresh, during!.body));
    expect(during!.headers['x-tapp-signature-previous']).toBe(hmacHex(hook.secret, during!.body));

    // Expiring the previous secret at once: one signature, the new secret's.
    const again = await call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { body: { expire_previous_in_seconds: 0 } });
    expect(again.status).toBe(200);
    expect(Math.abs(Date.parse(again.body.previous_secret_expires_at) - Date.now())).toBeLessThan(60_000);
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const after = (await receivedCount(hook.path, 2))[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(after.headers['x-tapp-signature-previous']).toBeUndefined();
    expect(swVerify(again.body.secret, after)).toEqual(JSON.parse(after.body));
    expect(() => swVerify(fresh, after)).toThrow();
    expect(after.headers['x-tapp-signature']).toBe(hmacHex(again.body.secret, after.body));
    const stored = await aws.webhookItem('dev', hook.id);
    expect(stored).not.toHaveProperty('previous_secret_ciphertext');
  });

  it.concurrent('ignores an expired previous secret and erases it on the next write', async () => {
    const hook = await webhook(['funding.ach_relationship_created']);
    const res = await call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { body: { expire_previous_in_seconds: 1 } });
    expect(res.status).toBe(200);
    expect(await aws.webhookItem('dev', hook.id)).toHaveProperty('previous_secret_ciphertext');
    await waitFor(() => Date.now() > Date.parse(res.body.previous_secret_expires_at) + 100);
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const [got] = await receivedCount(hook.path, 1);
    expect(got!.headers['x-tapp-signature-previous']).toBeUndefined();
    expect(swVerify(res.body.secret, got!)).toEqual(JSON.parse(got!.body));
    expect(() => swVerify(hook.secret, got!)).toThrow();

    expect((await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { events: ['funding.ach_relationship_removed'] } })).status).toBe(200);
    const item = await aws.webhookItem('dev', hook.id);
    expect(item).not.toHaveProperty('previous_secret_ciphertext');
    expect(item).not.toHaveProperty('previous_secret_expires_at');
  });

  it.concurrent('takes an empty body (86400 s), refuses bad values and unknown fields, and checks auth and isolation', async () => {
    const hook = await webhook(['funding.ach_relationship_created']);
    const rotate = (options: Parameters<typeof call>[2]) => call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, options);
    const res = await rotate({});
    expect(res.status).toBe(200);
    expect(Math.round((Date.parse(res.body.previous_secret_expires_at) - Date.now()) / 60_000)).toBe(1440);
    for (const body of [{ expire_previous_in_seconds: 86_401 }, { expire_previous_in_seconds: -1 }, { expire_previous_in_seconds: 1.5 }, { expire_previous_in_seconds: '60' }, { other: 1 }, []]) {
      expectError(await rotate({ body }), 400, 'VALIDATION_ERROR');
    }
    expectError(await rotate({ rawBody: 'x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await rotate({ body: {}, auth: other.auth }), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await rotate({ body: {}, auth: readOnly.auth }), 403, 'FORBIDDEN');
    expectError(await rotate({ body: {}, auth: null }), 401, 'UNAUTHORIZED');
    expectError(await call('POST', '/v1/webhooks/nope/rotate-secret', { body: {} }), 404, 'WEBHOOK_NOT_FOUND');
  });
});
