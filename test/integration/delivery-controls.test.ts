// SPEC §11 delivery controls on the real local runtime (debug logging on): the three webhook
// fields through create, PATCH, get and list; the 400s naming the field; a refused request
// changing nothing stored; the custom headers arriving on every attempt; their values never in a
// response, a log line, the history or the stored item; and GET /v1/egress-ips.
import { randomUUID } from 'node:crypto';
import { issueTestApiKey, type TestApiKey } from '../support/api-keys.js';
import type { ApiResult } from '../support/api-client.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import type { Receiver } from '../support/receiver.js';
import { waitFor } from '../support/wait-for.js';

let harness: PipelineHarness;
let receiver: Receiver;
let aws: PipelineHarness['aws'];
let readOnly: TestApiKey;
let writeOnly: TestApiKey;
let pathCounter = 0;
/** Every API answer of this file, to search for header values afterwards. */
const answers: string[] = [];

const call = async (...args: Parameters<PipelineHarness['call']>): Promise<ApiResult> => {
  const res = await harness.call(...args);
  answers.push(`${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${res.text}`);
  return res;
};

beforeAll(async () => {
  harness = await startPipeline({
    ALLOW_LOOPBACK_URLS: '1',
    // Three attempts, 1 s apart: every attempt of one event within a few seconds.
    RETRY_SCHEDULE_SECONDS: '1,1',
    CIRCUIT_FAILURE_THRESHOLD: '100',
    LOG_LEVEL: 'debug',
  });
  ({ receiver, aws } = harness);
  [readOnly, writeOnly] = await Promise.all([
    issueTestApiKey(harness.rt.state, { partnerId: 'dev', scopes: ['webhooks:read'] }),
    issueTestApiKey(harness.rt.state, { partnerId: 'dev', scopes: ['webhooks:write'] }),
  ]);
});

afterAll(() => harness?.stop());

async function createHook(body: Record<string, unknown> = {}) {
  const path = `/controls-${++pathCounter}`;
  const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: [], ...body } });
  expect(res.status).toBe(201);
  return { hook: res.body, path };
}

function expectValidationError(res: ApiResult, field: string, mentions?: string) {
  expect([res.status, res.body?.error?.code, res.body?.error?.field]).toEqual([400, 'VALIDATION_ERROR', field]);
  if (mentions !== undefined) expect(res.body.error.message).toContain(mentions);
}

const attempts = (path: string, n: number) =>
  waitFor(() => (receiver.received(path).length >= n ? receiver.received(path) : undefined), { timeoutMs: 20_000, what: () => `${n} deliveries on ${path}` });

describe('the webhook object', () => {
  it('has no limit, no headers and no ordering by default', async () => {
    const { hook } = await createHook();
    expect(hook).toMatchObject({ rate_limit_per_second: null, headers: {}, ordering: 'none' });
    expect((await call('GET', `/v1/webhooks/${hook.id}`)).body).toMatchObject({ rate_limit_per_second: null, headers: {}, ordering: 'none' });
  });

  it('takes all three on create and shows them on create, get and list, header values masked', async () => {
    const { hook } = await createHook({
      rate_limit_per_second: 25,
      headers: { Authorization: 'Bearer create-value', 'X-Partner-Tenant': 'tenant-7' },
      ordering: 'none',
    });
    const expected = { rate_limit_per_second: 25, headers: { Authorization: '****', 'X-Partner-Tenant': '****' }, ordering: 'none' };
    expect(hook).toMatchObject(expected);
    expect((await call('GET', `/v1/webhooks/${hook.id}`)).body).toMatchObject(expected);
    const list = await call('GET', '/v1/webhooks?limit=100');
    expect(list.body.find((w: { id: string }) => w.id === hook.id)).toMatchObject(expected);
  });

  it('PATCHes each field alone (a non-empty PATCH), replaces the headers whole, and clears them and the limit with null', async () => {
    const { hook } = await createHook({ headers: { 'X-One': '1', 'X-Two': '2' }, rate_limit_per_second: 5 });
    let res = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { headers: { 'X-Three': '3' } } });
    expect(res.status).toBe(200);
    expect(res.body.headers).toEqual({ 'X-Three': '****' });
    res = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { ordering: 'none' } });
    expect(res.body).toMatchObject({ ordering: 'none', headers: { 'X-Three': '****' }, rate_limit_per_second: 5 });
    // SPEC §11 per_entity: stored and shown (its delivery: test/integration/ordered-delivery.test.ts), the rest unchanged.
    res = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { ordering: 'per_entity' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ordering: 'per_entity', headers: { 'X-Three': '****' }, rate_limit_per_second: 5 });
    expect((await call('GET', `/v1/webhooks/${hook.id}`)).body.ordering).toBe('per_entity');
    res = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { rate_limit_per_second: 1000 } });
    expect(res.body.rate_limit_per_second).toBe(1000);
    res = await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { rate_limit_per_second: null, headers: null, ordering: 'none' } });
    expect(res.body).toMatchObject({ rate_limit_per_second: null, headers: {}, ordering: 'none' });
    expect((await call('GET', `/v1/webhooks/${hook.id}`)).body).toMatchObject({ rate_limit_per_second: null, headers: {}, ordering: 'none' });
    // {} clears too.
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { headers: { 'X-Four': '4' } } });
    expect((await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { headers: {} } })).body.headers).toEqual({});
  });
});

describe('bad input: 400 VALIDATION_ERROR naming the field', () => {
  const tooMany = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`X-H${i}`, 'v']));
  it.each([
    ['Host', { Host: 'example.com' }, 'headers.Host'],
    ['a signature header, any case', { 'x-TAPP-Signature': 'sha256=0' }, 'headers.x-TAPP-Signature'],
    ['a Standard Webhooks header', { 'Webhook-Id': 'x' }, 'headers.Webhook-Id'],
    ['Content-Type', { 'content-type': 'text/plain' }, 'headers.content-type'],
    ['Content-Length', { 'Content-Length': '1' }, 'headers.Content-Length'],
    ['User-Agent', { 'User-Agent': 'me' }, 'headers.User-Agent'],
    ['a hop-by-hop header', { 'Transfer-Encoding': 'chunked' }, 'headers.Transfer-Encoding'],
    ['Connection', { Connection: 'close' }, 'headers.Connection'],
    ['a name that is no HTTP token', { 'X Bad': 'v' }, 'headers.X Bad'],
    ['a name over 64 characters', { [`X-${'a'.repeat(63)}`]: 'v' }, `headers.X-${'a'.repeat(63)}`],
    ['a value over 1,000 characters', { 'X-Long': 'v'.repeat(1001) }, 'headers.X-Long'],
    ['a value with a line break', { 'X-Split': 'a\r\nX-Injected: 1' }, 'headers.X-Split'],
    ['a non-ASCII value', { 'X-Accent': 'café' }, 'headers.X-Accent'],
    ['a value that is not a string', { 'X-Number': 5 }, 'headers.X-Number'],
    ['a name given twice in another case', { 'X-Dup': 'a', 'x-dup': 'b' }, 'headers.x-dup'],
    ['more than 10 headers', tooMany, 'headers'],
    ['headers not an object', ['X-A'], 'headers'],
  ])('refuses %s', async (_what, headers, field) => {
    const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url('/refused'), events: [], headers } });
    const named = field.startsWith('headers.') ? field.slice('headers.'.length) : undefined;
    expectValidationError(res, field, named);
  });

  it('names the header without repeating its value', async () => {
    const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url('/refused'), events: [], headers: { 'X-Long': `never-echoed-${'v'.repeat(1000)}` } } });
    expectValidationError(res, 'headers.X-Long', 'X-Long');
    expect(res.text).not.toContain('never-echoed');
  });

  it.each([[0], [1001], [1.5], ['10'], [true]])('refuses rate_limit_per_second %p', async (value) => {
    expectValidationError(await call('POST', '/v1/webhooks', { body: { url: receiver.url('/refused'), events: [], rate_limit_per_second: value } }), 'rate_limit_per_second');
  });

  it.each([['random'], [null], [1]])('refuses ordering %p', async (value) => {
    expectValidationError(await call('POST', '/v1/webhooks', { body: { url: receiver.url('/refused'), events: [], ordering: value } }), 'ordering');
  });

  it('changes nothing stored on a refused request, even when its other fields are valid', async () => {
    const { hook, path } = await createHook({ headers: { 'X-Kept': 'kept-value' }, rate_limit_per_second: 7, ordering: 'none' });
    const before = await aws.webhookItem('dev', hook.id);
    for (const body of [
      { url: receiver.url('/elsewhere'), rate_limit_per_second: null, headers: { 'X-New': 'new', Host: 'h' } },
      { events: ['order.filled'], ordering: 'none', rate_limit_per_second: 0 },
      { status: 'disabled', headers: null, ordering: 'sometimes' },
      { headers: { 'X-New': 'new' }, url: 'https://127.0.0.1.nip.io.invalid:99999/' },
    ]) {
      const res = await call('PATCH', `/v1/webhooks/${hook.id}`, { body });
      expect(res.status).toBe(400);
    }
    expect(await aws.webhookItem('dev', hook.id)).toEqual(before);
    // And deliveries still carry the stored header.
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const [received] = await attempts(path, 1);
    expect(received!.headers['x-kept']).toBe('kept-value');
    expect(received!.headers['x-new']).toBeUndefined();
  });
});

// These two wait on retries of test events (which reach only their own webhook): they run beside the rest.
describe('custom headers on deliveries', () => {
  it.concurrent('sends them with every attempt, beside our own headers, and the new map after a PATCH', async () => {
    const { hook, path } = await createHook({ headers: { Authorization: 'Bearer every-attempt', 'X-Gateway-Key': 'gk-1' } });
    receiver.script(path, { statuses: [503, 503, 200] });
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const received = await attempts(path, 3);
    for (const r of received) {
      expect(r.headers.authorization).toBe('Bearer every-attempt');
      expect(r.headers['x-gateway-key']).toBe('gk-1');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['user-agent']).toBe('Buildmarkets-Webhooks/1.0');
      expect(r.headers['x-tapp-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(r.headers['webhook-signature']).toMatch(/^v1,/);
    }
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);

    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { headers: { 'X-Gateway-Key': 'gk-2' } } });
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const after = (await attempts(path, 4))[3]!;
    expect(after.headers['x-gateway-key']).toBe('gk-2');
    expect(after.headers.authorization).toBeUndefined();

    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { headers: null } });
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    expect((await attempts(path, 5))[4]!.headers['x-gateway-key']).toBeUndefined();
  });

  it.concurrent('never shows a value in a response, a log line (debug level), the delivery history or the stored item', async () => {
    const marker = `hv-${randomUUID()}`;
    const values = { Authorization: `Bearer ${marker}-a`, 'X-Api-Token': `${marker}-b` };
    const { hook, path } = await createHook({ headers: values });
    receiver.script(path, { statuses: [500, 200] });
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { headers: { ...values, 'X-Other': `${marker}-c` } } });
    // A refused request carrying a value is logged at debug level too.
    await call('PATCH', `/v1/webhooks/${hook.id}`, { body: { headers: { Host: `${marker}-d`, 'X-Fine': `${marker}-e` } } });
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const received = await attempts(path, 2);
    // The values did travel, to the endpoint only.
    expect(received.every((r) => r.headers['x-api-token'] === `${marker}-b`)).toBe(true);
    const history = await waitFor(
      async () => {
        const res = await call('GET', `/v1/webhooks/${hook.id}/deliveries`);
        return res.body.length >= 2 ? res : undefined;
      },
      { timeoutMs: 10_000, what: () => 'two history records' },
    );
    expect(history.body.map((a: { status: string }) => a.status).sort()).toEqual(['failed', 'succeeded']);
    await call('GET', `/v1/webhooks/${hook.id}`);
    await call('GET', '/v1/webhooks?limit=100');

    const logs = harness.rt.output();
    expect(logs).toContain('"level":"debug"');
    expect(logs).toContain(hook.id);
    expect(answers.join('\n')).not.toContain(marker);
    expect(logs).not.toContain(marker);
    expect(JSON.stringify(await aws.webhookItem('dev', hook.id))).not.toContain(marker);
  });
});

describe('GET /v1/egress-ips', () => {
  it('answers any valid key with the loopback address and a note (the local runtime sends from this machine)', async () => {
    for (const auth of [undefined, readOnly.auth, writeOnly.auth]) {
      const res = await call('GET', '/v1/egress-ips', { auth });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ addresses: ['127.0.0.1'], note: expect.stringContaining('Local runtime') });
    }
  });

  it('needs a key', async () => {
    const res = await call('GET', '/v1/egress-ips', { auth: null });
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
  });
});
