// SPEC §7 on the real local runtime: health on the webhook object, auto-disable after failing
// too long (AUTO_DISABLE_AFTER_SECONDS=2 here), at once on 410 Gone, the manual disable's reason,
// and a PATCH back to active clearing them.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { WebhookStore } from '../../lambdas/stores/webhook-store.js';
import { exampleData } from '../support/examples.js';
import type { Receiver } from '../support/receiver.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

let harness: PipelineHarness;
let rt: PipelineHarness['rt'];
let receiver: Receiver;
let call: PipelineHarness['call'];
let aws: PipelineHarness['aws'];
let pathCounter = 0;

beforeAll(async () => {
  harness = await startPipeline({
    RETRY_SCHEDULE_SECONDS: '1,1,1,1,1',
    AUTO_DISABLE_AFTER_SECONDS: '2',
    // Every attempt is made (the circuit would record circuit_open attempts instead).
    CIRCUIT_FAILURE_THRESHOLD: '100',
    // The delivery metrics' EMF lines go to the runtime's stdout (off by default locally).
    METRICS_ENABLED: '1',
    METRICS_NAMESPACE: 'Test/Webhooks',
  });
  ({ rt, receiver, call, aws } = harness);
});

afterAll(() => harness?.stop());

async function webhook(statuses?: number[]) {
  const path = `/hook-${++pathCounter}`;
  if (statuses) receiver.script(path, { statuses });
  const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: ['order.filled'] } });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, path, created: res.body };
}

const get = async (id: string) => (await call('GET', `/v1/webhooks/${id}`)).body;
const deliveries = async (id: string) => (await call('GET', `/v1/webhooks/${id}/deliveries`)).body as any[];
const publish = async () => (await aws.publish('order.filled', exampleData('order.filled'))).eventId;

/** The EMF lines the runtime printed so far. */
const emfLines = () =>
  rt
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{"_aws"'))
    .map((l) => JSON.parse(l));

const NEVER_ATTEMPTED = { state: 'unknown', consecutive_failures: 0, last_success_at: null, last_failure_at: null };

describe('health and auto-disable (SPEC §7)', () => {
  it('shows health unknown until the first attempt, then healthy with last_success_at, on GET and list', async () => {
    const hook = await webhook();
    expect(hook.created.health).toEqual(NEVER_ATTEMPTED);
    expect(hook.created).toMatchObject({ status: 'active', disabled_reason: null, disabled_at: null });
    expect((await get(hook.id)).health).toEqual(NEVER_ATTEMPTED);

    const eventId = await publish();
    await aws.untilOutcome(hook.id, [eventId], 'succeeded', { timeoutMs: 15_000 });
    // The first success of an endpoint writes its last_success_at (later ones at most every 5 min).
    const health = await waitFor(async () => ((await get(hook.id)).health.state === 'healthy' ? (await get(hook.id)).health : undefined));
    expect(health).toMatchObject({ state: 'healthy', consecutive_failures: 0, last_failure_at: null });
    expect(Date.parse(health.last_success_at)).toBeGreaterThan(Date.parse(hook.created.created_at) - 1);

    const list = (await call('GET', '/v1/webhooks?limit=100')).body as any[];
    expect(list.find((w) => w.id === hook.id).health).toEqual(health);

    // The batch wrote its metrics as one EMF line (CloudWatch Embedded Metric Format).
    const emf = await waitFor(() => emfLines().find((l) => l.Succeeded >= 1));
    expect(emf._aws.CloudWatchMetrics).toEqual([
      expect.objectContaining({ Namespace: 'Test/Webhooks', Dimensions: [['Lane']], Metrics: expect.arrayContaining([{ Name: 'AttemptLatency', Unit: 'Milliseconds' }]) }),
    ]);
    expect(emf).toMatchObject({ Lane: 'fast', Attempts: expect.any(Number) });
    expect(typeof emf.AttemptLatency === 'number' || Array.isArray(emf.AttemptLatency)).toBe(true);
    expect(emf.QueueLag).toBeDefined();
  });

  it('disables a webhook at once when its endpoint answers 410 Gone: exactly one attempt, reason gone', async () => {
    const disabledBefore = emfLines().filter((l) => l.Disabled > 0).length;
    const hook = await webhook([410]);
    const eventId = await publish();
    // The job ends failed (no retry is scheduled), so no further attempt can come.
    await aws.untilOutcome(hook.id, [eventId], 'failed', { timeoutMs: 15_000 });
    const attempts = await deliveries(hook.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 'failed', http_status: 410, attempt_number: 1, next_retry_at: null });
    expect(receiver.received(hook.path)).toHaveLength(1);

    const after = await get(hook.id);
    expect(after).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });
    expect(Date.parse(after.disabled_at)).not.toBeNaN();
    expect(after.health).toMatchObject({ state: 'failing', consecutive_failures: 1, last_success_at: null });
    expect(Date.parse(after.health.last_failure_at)).toBeGreaterThanOrEqual(Date.parse(attempts[0].attempted_at));
    // …and counted in the metrics.
    await waitFor(() => emfLines().filter((l) => l.Disabled > 0).length > disabledBefore);
  });

  it('disables a webhook whose attempts kept failing for AUTO_DISABLE_AFTER_SECONDS; PATCH active clears the reason', async () => {
    const hook = await webhook([500]);
    const eventId = await publish();
    const disabled = await waitFor(async () => ((await get(hook.id)).status === 'disabled' ? get(hook.id) : undefined), { timeoutMs: 20_000 });
    expect(disabled.disabled_reason).toBe('failing');
    await aws.untilOutcome(hook.id, [eventId], 'failed', { timeoutMs: 15_000 });

    const attempts = await deliveries(hook.id);
    // Failing for 2 s on a 1 s schedule: at least the first attempt and one 2 s later; the schedule (6) not used up.
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.length).toBeLessThan(6);
    expect(receiver.received(hook.path)).toHaveLength(attempts.length);
    const last = attempts.reduce((a, b) => (a.attempt_number > b.attempt_number ? a : b));
    expect(last).toMatchObject({ status: 'failed', http_status: 500, next_retry_at: null });
    const first = attempts.find((a) => a.attempt_number === 1);
    expect(Date.parse(disabled.disabled_at) - Date.parse(first.attempted_at)).toBeGreaterThanOrEqual(2000);
    expect(disabled.health).toMatchObject({ state: 'failing', consecutive_failures: attempts.length, last_success_at: null });

    const reactivated = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'active' } });
    expect(reactivated.status).toBe(200);
    expect(reactivated.body).toMatchObject({ status: 'active', disabled_reason: null, disabled_at: null });
    expect((await get(hook.id)).disabled_reason).toBeNull();

    // The endpoint recovers: the next event is delivered and the health turns healthy.
    receiver.script(hook.path, { statuses: [200] });
    const next = await publish();
    await aws.untilOutcome(hook.id, [next], 'succeeded', { timeoutMs: 15_000 });
    const healthy = await get(hook.id);
    expect(healthy.status).toBe('active');
    expect(healthy.health).toMatchObject({ state: 'healthy', consecutive_failures: 0 });
    expect(healthy.health.last_success_at).not.toBeNull();
  });

  it('says manual when disabled by PATCH, and clears it when made active again', async () => {
    const hook = await webhook();
    const off = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'disabled' } });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ status: 'disabled', disabled_reason: 'manual', health: NEVER_ATTEMPTED });
    expect(off.body.disabled_at).toBe(off.body.updated_at);
    expect(await get(hook.id)).toMatchObject({ disabled_reason: 'manual', disabled_at: off.body.disabled_at });

    // A PATCH that does not touch the status keeps the reason.
    const renamed = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { events: [] } });
    expect(renamed.body).toMatchObject({ status: 'disabled', disabled_reason: 'manual', disabled_at: off.body.disabled_at });

    const on = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'active' } });
    expect(on.body).toMatchObject({ status: 'active', disabled_reason: null, disabled_at: null });
    const listed = ((await call('GET', '/v1/webhooks?limit=100')).body as any[]).find((w) => w.id === hook.id);
    expect(listed).toMatchObject({ status: 'active', disabled_reason: null, disabled_at: null, health: NEVER_ATTEMPTED });
  });

  it('never lets a disable decided in an earlier active period undo a PATCH (conditional update)', async () => {
    const hook = await webhook();
    const store = new WebhookStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: rt.state.region, endpoint: rt.state.dynamodb_endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })),
      rt.state.tables.webhooks,
    );
    const seen = { activeSince: (await store.get('dev', hook.id))!.activeSince };
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'disabled' } });
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { status: 'active' } });
    // The worker saw the webhook before the PATCHes: its disable no longer applies.
    expect(await store.disable('dev', hook.id, seen, 'gone', new Date().toISOString())).toBe(false);
    expect(await get(hook.id)).toMatchObject({ status: 'active', disabled_reason: null });
    // In the current period it does; a second one finds it disabled already.
    const current = { activeSince: (await store.get('dev', hook.id))!.activeSince };
    expect(await store.disable('dev', hook.id, current, 'failing', new Date().toISOString())).toBe(true);
    expect(await store.disable('dev', hook.id, current, 'gone', new Date().toISOString())).toBe(false);
    expect(await get(hook.id)).toMatchObject({ status: 'disabled', disabled_reason: 'failing' });
    expect(await store.disable('dev', 'no-such-webhook', current, 'gone', new Date().toISOString())).toBe(false);
  });
});
