// The management API (SPEC §2) through real HTTP to the local runtime: every route's success,
// every error code the API can return, auth and scopes, partner isolation, pagination.
import { randomUUID } from 'node:crypto';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../lambdas/domain/event-types.js';
import { type ApiResult, apiClient } from '../support/api-client.js';
import { issueTestApiKey, type TestApiKey } from '../support/api-keys.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

type Call = ReturnType<typeof apiClient>;
type Auth = { apiKey: string; apiSecret: string };

/** Rate limiting (SPEC §2) is not under test here; keep it out of the way if it is configured. */
const RUNTIME_ENV = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
/** A public IPv4 literal: no DNS needed (the test machine may have none). */
const PUBLIC = 'https://93.184.216.34';

let rt: RuntimeProcess;
let call: Call;
let devAuth: Auth;
let partnerSeq = 0;

async function newPartnerKey(scopes: TestApiKey['scopes'] = ['webhooks:read', 'webhooks:write'], partnerId?: string): Promise<TestApiKey> {
  return issueTestApiKey(rt.state, { partnerId: partnerId ?? `partner-${process.pid}-${++partnerSeq}`, scopes });
}

async function createHook(body: Record<string, unknown> = {}, auth?: Auth, client: Call = call): Promise<any> {
  const res = await client('POST', '/v1/webhooks', { body: { url: `${PUBLIC}/hooks/${randomUUID()}`, events: [], ...body }, auth });
  expect(res.status).toBe(201);
  return res.body;
}

/** The SPEC §2 error envelope, with the request id echoed in X-Request-Id and nothing internal. */
function expectError(res: ApiResult, status: number, code: string, field?: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const error = res.body.error;
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  const requestId = res.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  expect(error.request_id).toBe(requestId);
  if (field !== undefined) expect(error.field).toBe(field);
  expectNoInternals(res.text);
}

function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(/);
  expect(text).not.toMatch(/file:\/\/|node_modules|\/work\/|\/tmp\/|\.ts:\d+|\.js:\d+/);
}

function expectPublicWebhook(hook: any): void {
  expect(Object.keys(hook).sort()).toEqual(['created_at', 'disabled_at', 'disabled_reason', 'events', 'headers', 'health', 'id', 'ordering', 'rate_limit_per_second', 'status', 'updated_at', 'url']);
  expect(hook.id).toMatch(UUID);
  expect(['active', 'disabled']).toContain(hook.status);
  expect(Array.isArray(hook.events)).toBe(true);
  for (const at of [hook.created_at, hook.updated_at]) {
    expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(Number.isNaN(Date.parse(at))).toBe(false);
  }
}

beforeAll(async () => {
  rt = await startRuntime({ env: RUNTIME_ENV });
  call = apiClient(rt.state);
  devAuth = { apiKey: rt.state.dev_api_key, apiSecret: rt.state.dev_api_secret };
});

afterAll(async () => {
  if (rt) {
    await rt.stop();
    removeDataDir(rt.dataDir);
  }
});

describe('routes: success', () => {
  it('POST creates a webhook: 201, public fields, a fresh whsec_ secret of 32 bytes', async () => {
    const url = `${PUBLIC}/hooks/create`;
    const before = Date.now();
    const res = await call('POST', '/v1/webhooks', { body: { url, events: ['order.filled', 'account.closed'] } });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const { secret, ...hook } = res.body;
    expectPublicWebhook(hook);
    expect(hook).toMatchObject({ url, events: ['order.filled', 'account.closed'], status: 'active' });
    expect(hook.updated_at).toBe(hook.created_at);
    expect(Date.parse(hook.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(hook.created_at)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(secret).toMatch(SECRET);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);

    const other = await createHook();
    expect(other.secret).toMatch(SECRET);
    expect(other.secret).not.toBe(secret);
    expect(other.id).not.toBe(hook.id);
  });

  it('GET /v1/webhooks lists a bare array, oldest first, without secrets', async () => {
    const key = await newPartnerKey();
    const a = await createHook({ events: ['order.filled'] }, key.auth);
    const b = await createHook({}, key.auth);
    const c = await createHook({ events: ['account.closed'] }, key.auth);
    const res = await call('GET', '/v1/webhooks', { auth: key.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('link')).toBeNull();
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((h: any) => h.id)).toEqual([a.id, b.id, c.id]);
    for (const [i, created] of [a, b, c].entries()) {
      const { secret, ...pub } = created;
      expect(res.body[i]).toEqual(pub);
      expectPublicWebhook(res.body[i]);
      expect(res.text).not.toContain(secret);
    }
    expect(res.text).not.toContain('whsec_');
  });

  it('GET /v1/webhooks/{id} returns the webhook without its secret', async () => {
    const created = await createHook({ events: ['order.submitted'] });
    const { secret, ...pub } = created;
    const res = await call('GET', `/v1/webhooks/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.body).toEqual(pub);
    expect(res.body).not.toHaveProperty('secret');
    expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain('whsec_');
  });

  it('GET /v1/webhooks/{id} also accepts the id in upper case', async () => {
    const created = await createHook();
    const res = await call('GET', `/v1/webhooks/${created.id.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(created.id);
  });

  it('PATCH changes url, events and status; updated_at moves, created_at and secret do not show', async () => {
    const created = await createHook({ events: ['order.filled'] });
    const { secret } = created;
    await waitFor(() => Date.now() > Date.parse(created.updated_at) + 1, { what: () => 'the clock to move' });

    const url2 = `${PUBLIC}/hooks/moved`;
    const r1 = await call('PATCH', `/v1/webhooks/${created.id}`, { body: { url: url2 } });
    expect(r1.status).toBe(200);
    expect(r1.headers.get('x-request-id')).toBeTruthy();
    expectPublicWebhook(r1.body);
    expect(r1.body).toMatchObject({ id: created.id, url: url2, events: ['order.filled'], status: 'active', created_at: created.created_at });
    expect(Date.parse(r1.body.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
    expect(r1.text).not.toContain(secret);
    expect(r1.body).not.toHaveProperty('secret');

    const r2 = await call('PATCH', `/v1/webhooks/${created.id}`, { body: { events: ['account.closed', 'order.rejected'] } });
    expect(r2.status).toBe(200);
    expect(r2.body).toMatchObject({ url: url2, events: ['account.closed', 'order.rejected'], status: 'active' });

    const r3 = await call('PATCH', `/v1/webhooks/${created.id}`, { body: { status: 'disabled' } });
    expect(r3.status).toBe(200);
    expect(r3.body).toMatchObject({ url: url2, events: ['account.closed', 'order.rejected'], status: 'disabled' });
    expect(r3.body).not.toHaveProperty('secret');

    const r4 = await call('PATCH', `/v1/webhooks/${created.id}`, { body: { status: 'active', events: [], url: `${PUBLIC}/hooks/back` } });
    expect(r4.status).toBe(200);
    expect(r4.body).toMatchObject({ url: `${PUBLIC}/hooks/back`, events: [], status: 'active', created_at: created.created_at });

    const got = await call('GET', `/v1/webhooks/${created.id}`);
    expect(got.body).toEqual(r4.body);
    expect(got.text).not.toContain(secret);
  });

  it('DELETE answers 204 with an empty body; the webhook is then gone everywhere', async () => {
    const created = await createHook();
    const res = await call('DELETE', `/v1/webhooks/${created.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers.get('x-request-id')).toBeTruthy();

    expectError(await call('GET', `/v1/webhooks/${created.id}`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('PATCH', `/v1/webhooks/${created.id}`, { body: { status: 'disabled' } }), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('DELETE', `/v1/webhooks/${created.id}`), 404, 'WEBHOOK_NOT_FOUND');
    const list = await call('GET', '/v1/webhooks?limit=100');
    expect(list.body.map((h: any) => h.id)).not.toContain(created.id);
  });

  it('GET /v1/webhooks/{id}/deliveries of a new webhook is an empty array', async () => {
    const created = await createHook();
    const res = await call('GET', `/v1/webhooks/${created.id}/deliveries`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('folds duplicate event names, on create and on PATCH', async () => {
    const created = await createHook({ events: ['order.filled', 'account.closed', 'order.filled', 'account.closed'] });
    expect(created.events).toEqual(['order.filled', 'account.closed']);
    const patched = await call('PATCH', `/v1/webhooks/${created.id}`, { body: { events: ['order.rejected', 'order.rejected'] } });
    expect(patched.status).toBe(200);
    expect(patched.body.events).toEqual(['order.rejected']);
  });

  it('events [] subscribes to all events and reads back as []', async () => {
    const created = await createHook({ events: [] });
    expect(created.events).toEqual([]);
    expect((await call('GET', `/v1/webhooks/${created.id}`)).body.events).toEqual([]);
  });

  it('accepts every one of the catalog event names at once', async () => {
    const all = [...SUBSCRIBABLE_EVENT_TYPES];
    const created = await createHook({ events: all });
    expect(created.events).toEqual(all);
  });

  it('a URL of exactly 2048 characters is accepted', async () => {
    const prefix = `${PUBLIC}/`;
    const url = prefix + 'a'.repeat(2048 - prefix.length);
    expect(url).toHaveLength(2048);
    const created = await createHook({ url });
    expect(created.url).toBe(url);
  });

  it('loopback URLs are allowed by the local runtime (ALLOW_LOOPBACK_URLS defaults on)', async () => {
    expect(rt.output()).toMatch(/ALLOW_LOOPBACK_URLS=1/);
    const created = await createHook({ url: 'http://127.0.0.1:9/hook' });
    expect(created.url).toBe('http://127.0.0.1:9/hook');
  });

  it('HTTP Basic auth works for reads and writes', async () => {
    const res = await call('POST', '/v1/webhooks', { body: { url: `${PUBLIC}/basic`, events: [] }, basic: true });
    expect(res.status).toBe(201);
    const got = await call('GET', `/v1/webhooks/${res.body.id}`, { basic: true });
    expect(got.status).toBe(200);
    expect(got.body.url).toBe(`${PUBLIC}/basic`);
    expectError(
      await call('GET', '/v1/webhooks', { basic: true, auth: { apiKey: devAuth.apiKey, apiSecret: 'wrong-secret-value' } }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('webhook secrets never appear in the runtime output', async () => {
    const created = await createHook();
    await call('GET', `/v1/webhooks/${created.id}`);
    expect(rt.output()).not.toContain(created.secret);
    expect(rt.output()).not.toContain('whsec_');
  });
});

describe('errors', () => {
  const body = (over: Record<string, unknown>) => ({ url: `${PUBLIC}/hooks/x`, events: [], ...over });

  describe('INVALID_URL', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['url missing', { events: [] }],
      ['url a number', body({ url: 123 })],
      ['url null', body({ url: null })],
      ['relative url', body({ url: '/hooks/relative' })],
      ['http:// to a public host', body({ url: 'http://93.184.216.34/hook' })],
      ['ftp://', body({ url: 'ftp://93.184.216.34/hook' })],
      ['not a URL at all', body({ url: 'not a url' })],
      ['longer than 2048', body({ url: `${PUBLIC}/${'a'.repeat(2048 - PUBLIC.length)}` })],
      ['credentials in the URL', body({ url: 'https://user:pass@93.184.216.34/hook' })],
      ['private 10/8', body({ url: 'https://10.0.0.1/hook' })],
      ['cloud metadata 169.254.169.254', body({ url: 'https://169.254.169.254/latest/meta-data/' })],
      ['link-local IPv6 [fe80::1]', body({ url: 'https://[fe80::1]/hook' })],
      ['hex-spelled private 0x0a.0.0.1', body({ url: 'https://0x0a.0.0.1/hook' })],
      ['private 192.168/16', body({ url: 'https://192.168.1.10/hook' })],
      ['CGNAT 100.64/10', body({ url: 'https://100.64.0.1/hook' })],
      ['unspecified 0.0.0.0', body({ url: 'https://0.0.0.0/hook' })],
    ];
    it.each(cases)('POST: %s → 400 INVALID_URL', async (_name, payload) => {
      const res = await call('POST', '/v1/webhooks', { body: payload });
      expectError(res, 400, 'INVALID_URL', 'url');
    });

    it('PATCH to a private address → 400 INVALID_URL, webhook unchanged', async () => {
      const created = await createHook();
      expectError(await call('PATCH', `/v1/webhooks/${created.id}`, { body: { url: 'https://10.0.0.1/x' } }), 400, 'INVALID_URL', 'url');
      expectError(await call('PATCH', `/v1/webhooks/${created.id}`, { body: { url: 'http://93.184.216.34/x' } }), 400, 'INVALID_URL', 'url');
      expectError(await call('PATCH', `/v1/webhooks/${created.id}`, { body: { url: 7 } }), 400, 'INVALID_URL', 'url');
      expect((await call('GET', `/v1/webhooks/${created.id}`)).body.url).toBe(created.url);
    });
  });

  describe('INVALID_EVENT', () => {
    it.each([
      ['an unknown event name', ['order.exploded']],
      ['an unknown name after a valid one', ['order.filled', 'nope']],
      ['webhook.test, which is not subscribable', ['webhook.test']],
      ['a wrongly-cased name', ['Order.Filled']],
    ])('POST with %s → 400 INVALID_EVENT', async (_name, events) => {
      expectError(await call('POST', '/v1/webhooks', { body: body({ events }) }), 400, 'INVALID_EVENT');
    });

    it('PATCH with an unknown event → 400 INVALID_EVENT, webhook unchanged', async () => {
      const created = await createHook({ events: ['order.filled'] });
      expectError(await call('PATCH', `/v1/webhooks/${created.id}`, { body: { events: ['webhook.test'] } }), 400, 'INVALID_EVENT');
      expect((await call('GET', `/v1/webhooks/${created.id}`)).body.events).toEqual(['order.filled']);
    });
  });

  describe('VALIDATION_ERROR', () => {
    it.each([
      ['events missing', { url: `${PUBLIC}/x` }],
      ['events a string', body({ events: 'order.filled' })],
      ['events an object', body({ events: { 'order.filled': true } })],
      ['events null', body({ events: null })],
      ['events containing a number', body({ events: [1] })],
    ])('POST with %s → 400 VALIDATION_ERROR', async (_name, payload) => {
      expectError(await call('POST', '/v1/webhooks', { body: payload }), 400, 'VALIDATION_ERROR');
    });

    it('POST with an unknown field → 400 VALIDATION_ERROR naming the field', async () => {
      expectError(await call('POST', '/v1/webhooks', { body: body({ colour: 'blue' }) }), 400, 'VALIDATION_ERROR', 'colour');
      expectError(await call('POST', '/v1/webhooks', { body: body({ secret: 'whsec_mine' }) }), 400, 'VALIDATION_ERROR', 'secret');
    });

    it('POST with a body that is not an object → 400 VALIDATION_ERROR', async () => {
      for (const payload of [[], 'a string', 42, null]) {
        const res = await call('POST', '/v1/webhooks', { body: payload });
        expect(res.status).toBe(400);
        expect(['VALIDATION_ERROR', 'INVALID_URL']).toContain(res.body?.error?.code);
        expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
      }
    });

    it('POST with no body at all → 400', async () => {
      const res = await call('POST', '/v1/webhooks', { headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(['VALIDATION_ERROR', 'INVALID_URL']).toContain(res.body?.error?.code);
      expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
    });

    it('PATCH: empty body {}, bad status, unknown field, id or timestamps → 400 VALIDATION_ERROR', async () => {
      const created = await createHook();
      const path = `/v1/webhooks/${created.id}`;
      expectError(await call('PATCH', path, { body: {} }), 400, 'VALIDATION_ERROR');
      expectError(await call('PATCH', path, { body: { status: 'paused' } }), 400, 'VALIDATION_ERROR', 'status');
      expectError(await call('PATCH', path, { body: { status: 'ACTIVE' } }), 400, 'VALIDATION_ERROR', 'status');
      expectError(await call('PATCH', path, { body: { status: 'disabled', nickname: 'x' } }), 400, 'VALIDATION_ERROR', 'nickname');
      expectError(await call('PATCH', path, { body: { id: randomUUID() } }), 400, 'VALIDATION_ERROR', 'id');
      expectError(await call('PATCH', path, { body: { created_at: '2020-01-01T00:00:00Z' } }), 400, 'VALIDATION_ERROR', 'created_at');
      expectError(await call('PATCH', path, { body: { events: 'order.filled' } }), 400, 'VALIDATION_ERROR');
      const { secret, ...pub } = created;
      expect((await call('GET', path)).body).toEqual(pub);
    });

    it.each([['0'], ['101'], ['abc'], ['-1'], ['1.5'], ['']])('GET /v1/webhooks?limit=%s → 400 VALIDATION_ERROR', async (limit) => {
      expectError(await call('GET', `/v1/webhooks?limit=${limit}`), 400, 'VALIDATION_ERROR', 'limit');
    });

    it('limit=1 and limit=100 are accepted', async () => {
      expect((await call('GET', '/v1/webhooks?limit=1')).status).toBe(200);
      expect((await call('GET', '/v1/webhooks?limit=100')).status).toBe(200);
    });

    it.each([
      ['garbage', 'not-a-cursor!!'],
      ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
      ['JSON of the wrong shape', Buffer.from(JSON.stringify({ after: 'abc' })).toString('base64url')],
      ['JSON with extra keys', Buffer.from(JSON.stringify({ after: randomUUID(), partner_id: 'other' })).toString('base64url')],
      ['very long', 'A'.repeat(5000)],
    ])('GET /v1/webhooks with a malformed cursor (%s) → 400 VALIDATION_ERROR', async (_name, cursor) => {
      expectError(await call('GET', `/v1/webhooks?cursor=${encodeURIComponent(cursor)}`), 400, 'VALIDATION_ERROR', 'cursor');
    });
  });

  describe('INVALID_JSON', () => {
    it.each([
      ['truncated JSON', '{"url": '],
      ['single quotes', "{'url': 'https://93.184.216.34/x', 'events': []}"],
      ['trailing comma', '{"url": "https://93.184.216.34/x", "events": [],}'],
    ])('POST with %s → 400 INVALID_JSON', async (_name, rawBody) => {
      const res = await call('POST', '/v1/webhooks', { rawBody, headers: { 'content-type': 'application/json' } });
      expectError(res, 400, 'INVALID_JSON');
    });

    it('PATCH with malformed JSON → 400 INVALID_JSON', async () => {
      const created = await createHook();
      const res = await call('PATCH', `/v1/webhooks/${created.id}`, { rawBody: '{"status":', headers: { 'content-type': 'application/json' } });
      expectError(res, 400, 'INVALID_JSON');
    });
  });

  describe('UNAUTHORIZED', () => {
    const cases: [string, () => { auth: Auth | null; headers?: Record<string, string> }][] = [
      ['no credentials', () => ({ auth: null })],
      ['a wrong secret', () => ({ auth: { apiKey: devAuth.apiKey, apiSecret: 'bms_wrong' } })],
      ['an unknown key', () => ({ auth: { apiKey: 'bmk_000000000000000000000000', apiSecret: devAuth.apiSecret } })],
      ['only X-API-Key', () => ({ auth: null, headers: { 'x-api-key': devAuth.apiKey } })],
      ['only X-API-Secret', () => ({ auth: null, headers: { 'x-api-secret': devAuth.apiSecret } })],
      ['an empty secret', () => ({ auth: null, headers: { 'x-api-key': devAuth.apiKey, 'x-api-secret': '' } })],
      ['Basic with garbage', () => ({ auth: null, headers: { authorization: 'Basic !!!notbase64' } })],
      ['Bearer instead of Basic', () => ({ auth: null, headers: { authorization: `Bearer ${devAuth.apiSecret}` } })],
    ];
    it.each(cases)('GET /v1/webhooks with %s → 401', async (_name, make) => {
      expectError(await call('GET', '/v1/webhooks', make()), 401, 'UNAUTHORIZED');
    });

    it.each(cases)('POST /v1/webhooks with %s → 401 (before any body check)', async (_name, make) => {
      expectError(await call('POST', '/v1/webhooks', { ...make(), body: { bogus: true } }), 401, 'UNAUTHORIZED');
    });

    it('the 401 does not echo the secret that was sent', async () => {
      const res = await call('GET', '/v1/webhooks', { auth: { apiKey: devAuth.apiKey, apiSecret: 'bms_a-very-recognisable-secret' } });
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.text).not.toContain('a-very-recognisable-secret');
      expect(res.text).not.toContain(devAuth.apiKey);
    });
  });

  describe('FORBIDDEN (read-only key)', () => {
    let readOnly: TestApiKey;
    let hook: any;
    beforeAll(async () => {
      readOnly = await newPartnerKey(['webhooks:read'], 'dev');
      hook = await createHook({ events: ['order.filled'] });
    });

    it('can GET the list and one webhook of its partner', async () => {
      const list = await call('GET', '/v1/webhooks?limit=100', { auth: readOnly.auth });
      expect(list.status).toBe(200);
      expect(list.body.map((h: any) => h.id)).toContain(hook.id);
      const one = await call('GET', `/v1/webhooks/${hook.id}`, { auth: readOnly.auth });
      expect(one.status).toBe(200);
      expect(one.body.id).toBe(hook.id);
      expect((await call('GET', `/v1/webhooks/${hook.id}/deliveries`, { auth: readOnly.auth })).status).toBe(200);
    });

    it('POST, PATCH, DELETE and test → 403 FORBIDDEN and nothing changes', async () => {
      const before = (await call('GET', '/v1/webhooks?limit=100')).body;
      expectError(await call('POST', '/v1/webhooks', { auth: readOnly.auth, body: body({}) }), 403, 'FORBIDDEN');
      expectError(await call('PATCH', `/v1/webhooks/${hook.id}`, { auth: readOnly.auth, body: { status: 'disabled' } }), 403, 'FORBIDDEN');
      expectError(await call('DELETE', `/v1/webhooks/${hook.id}`, { auth: readOnly.auth }), 403, 'FORBIDDEN');
      expectError(await call('POST', `/v1/webhooks/${hook.id}/test`, { auth: readOnly.auth }), 403, 'FORBIDDEN');
      const { secret, ...pub } = hook;
      expect((await call('GET', `/v1/webhooks/${hook.id}`)).body).toEqual(pub);
      expect((await call('GET', '/v1/webhooks?limit=100')).body).toEqual(before);
    });
  });

  describe('WEBHOOK_NOT_FOUND', () => {
    const routes: [string, (id: string) => [string, string, { body?: unknown }]][] = [
      ['GET', (id) => ['GET', `/v1/webhooks/${id}`, {}]],
      ['PATCH', (id) => ['PATCH', `/v1/webhooks/${id}`, { body: { status: 'disabled' } }]],
      ['DELETE', (id) => ['DELETE', `/v1/webhooks/${id}`, {}]],
      ['POST test', (id) => ['POST', `/v1/webhooks/${id}/test`, {}]],
      ['GET deliveries', (id) => ['GET', `/v1/webhooks/${id}/deliveries`, {}]],
    ];
    const ids: [string, () => string][] = [
      ['an unknown uuid', () => randomUUID()],
      ['a malformed id "abc"', () => 'abc'],
      ['an encoded path-ish id', () => '..%2F..%2Fetc'],
      ['a too-long id', () => 'a'.repeat(300)],
    ];
    const matrix = routes.flatMap(([route, make]) => ids.map(([idName, id]) => [route, idName, make, id] as const));
    it.each(matrix)('%s with %s → 404', async (_route, _idName, make, id) => {
      const [method, path, options] = make(id());
      expectError(await call(method, path, options), 404, 'WEBHOOK_NOT_FOUND');
    });
  });

  describe('NOT_FOUND and METHOD_NOT_ALLOWED', () => {
    it.each([['/v2/x'], ['/'], ['/v1'], ['/v1/webhook'], ['/v1/webhooks/a/b/c']])('GET %s → 404 NOT_FOUND', async (path) => {
      expectError(await call('GET', path), 404, 'NOT_FOUND');
    });

    it('unknown routes answer NOT_FOUND without credentials too', async () => {
      expectError(await call('GET', '/v2/x', { auth: null }), 404, 'NOT_FOUND');
    });

    it('PUT /v1/webhooks → 405 with an Allow header listing GET and POST', async () => {
      const res = await call('PUT', '/v1/webhooks', { body: body({}) });
      expectError(res, 405, 'METHOD_NOT_ALLOWED');
      const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim()).sort();
      expect(allow).toEqual(['GET', 'POST']);
    });

    it('PUT and POST on /v1/webhooks/{id} → 405 listing GET, PATCH, DELETE', async () => {
      for (const method of ['PUT', 'POST']) {
        const res = await call(method, `/v1/webhooks/${randomUUID()}`, { body: {} });
        expectError(res, 405, 'METHOD_NOT_ALLOWED');
        const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim()).sort();
        expect(allow).toEqual(['DELETE', 'GET', 'PATCH']);
      }
    });

    it('DELETE /v1/webhooks → 405 (the collection cannot be deleted)', async () => {
      const before = (await call('GET', '/v1/webhooks?limit=100')).body.length;
      expectError(await call('DELETE', '/v1/webhooks'), 405, 'METHOD_NOT_ALLOWED');
      expect((await call('GET', '/v1/webhooks?limit=100')).body.length).toBe(before);
    });
  });

  describe('PAYLOAD_TOO_LARGE', () => {
    /** A valid create body padded with JSON whitespace to exactly `size` bytes. */
    const paddedBody = (size: number) => {
      const json = JSON.stringify({ url: `${PUBLIC}/big`, events: ['order.filled'] });
      return json.slice(0, -1) + ' '.repeat(size - json.length) + '}';
    };

    it('a body of 64 KiB + 1 byte → 413', async () => {
      const rawBody = paddedBody(64 * 1024 + 1);
      expect(Buffer.byteLength(rawBody)).toBe(65537);
      expectError(await call('POST', '/v1/webhooks', { rawBody, headers: { 'content-type': 'application/json' } }), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('a 1 MiB body → 413', async () => {
      const rawBody = paddedBody(1024 * 1024);
      expectError(await call('POST', '/v1/webhooks', { rawBody, headers: { 'content-type': 'application/json' } }), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('a 60 KiB and an exactly-64 KiB valid body are accepted (201)', async () => {
      for (const size of [60 * 1024, 64 * 1024]) {
        const rawBody = paddedBody(size);
        expect(Buffer.byteLength(rawBody)).toBe(size);
        const res = await call('POST', '/v1/webhooks', { rawBody, headers: { 'content-type': 'application/json' } });
        expect(res.status).toBe(201);
        expect(res.body.events).toEqual(['order.filled']);
      }
    });

    it('a PATCH body over 64 KiB → 413', async () => {
      const created = await createHook();
      const json = JSON.stringify({ status: 'disabled' });
      const rawBody = json.slice(0, -1) + ' '.repeat(64 * 1024 + 1 - json.length) + '}';
      expectError(
        await call('PATCH', `/v1/webhooks/${created.id}`, { rawBody, headers: { 'content-type': 'application/json' } }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expect((await call('GET', `/v1/webhooks/${created.id}`)).body.status).toBe('active');
    });
  });

  describe('UNSUPPORTED_MEDIA_TYPE', () => {
    it.each([
      ['text/plain', JSON.stringify({ url: `${PUBLIC}/x`, events: [] })],
      ['application/x-www-form-urlencoded', `url=${encodeURIComponent(`${PUBLIC}/x`)}&events=`],
      ['application/xml', '<webhook/>'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="url"\r\n\r\nhttps://93.184.216.34/x\r\n--x--\r\n'],
    ])('POST with %s → 415', async (contentType, rawBody) => {
      const before = (await call('GET', '/v1/webhooks?limit=100')).body.length;
      expectError(await call('POST', '/v1/webhooks', { rawBody, headers: { 'content-type': contentType } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect((await call('GET', '/v1/webhooks?limit=100')).body.length).toBe(before);
    });

    it('application/json; charset=utf-8 is JSON', async () => {
      const res = await call('POST', '/v1/webhooks', {
        rawBody: JSON.stringify({ url: `${PUBLIC}/charset`, events: [] }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(res.status).toBe(201);
    });
  });

  describe('prototype pollution', () => {
    it.each([
      ['__proto__', `{"__proto__": {"polluted": "yes", "status": "disabled"}, "url": "${PUBLIC}/proto", "events": []}`],
      ['constructor', `{"constructor": {"prototype": {"polluted": "yes"}}, "url": "${PUBLIC}/ctor", "events": []}`],
      ['nested __proto__ in events', `{"url": "${PUBLIC}/nested", "events": {"__proto__": ["order.filled"]}}`],
    ])('a body with %s → 4xx envelope; the server still answers normally', async (_name, rawBody) => {
      const res = await call('POST', '/v1/webhooks', { rawBody, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectError(res, res.status, 'VALIDATION_ERROR');

      const created = await createHook();
      expect(created).not.toHaveProperty('polluted');
      expect(created.status).toBe('active');
      const list = await call('GET', '/v1/webhooks?limit=100');
      expect(list.status).toBe(200);
      expect(list.text).not.toContain('polluted');
      expect(list.body.map((h: any) => h.url)).not.toContain(`${PUBLIC}/proto`);
    });

    it('PATCH with __proto__ → 4xx envelope, webhook unchanged', async () => {
      const created = await createHook();
      const res = await call('PATCH', `/v1/webhooks/${created.id}`, {
        rawBody: '{"__proto__": {"status": "disabled"}}',
        headers: { 'content-type': 'application/json' },
      });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect((await call('GET', `/v1/webhooks/${created.id}`)).body.status).toBe('active');
    });
  });
});

describe('partner isolation', () => {
  let p2: TestApiKey;
  beforeAll(async () => {
    p2 = await newPartnerKey(['webhooks:read', 'webhooks:write'], 'p2');
  });

  it('partner p2 cannot see, list, change or delete dev webhooks (404, not listed)', async () => {
    const devHook = await createHook({ events: ['order.filled'] });
    const { secret, ...pub } = devHook;
    const opts = { auth: p2.auth };
    expectError(await call('GET', `/v1/webhooks/${devHook.id}`, opts), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('PATCH', `/v1/webhooks/${devHook.id}`, { ...opts, body: { status: 'disabled' } }), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('DELETE', `/v1/webhooks/${devHook.id}`, opts), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('POST', `/v1/webhooks/${devHook.id}/test`, opts), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('GET', `/v1/webhooks/${devHook.id}/deliveries`, opts), 404, 'WEBHOOK_NOT_FOUND');
    const list = await call('GET', '/v1/webhooks?limit=100', opts);
    expect(list.status).toBe(200);
    expect(list.body.map((h: any) => h.id)).not.toContain(devHook.id);
    // Untouched for its owner.
    expect((await call('GET', `/v1/webhooks/${devHook.id}`)).body).toEqual(pub);
  });

  it('and the other way round: dev cannot see p2 webhooks', async () => {
    const p2Hook = await createHook({}, p2.auth);
    expectError(await call('GET', `/v1/webhooks/${p2Hook.id}`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('PATCH', `/v1/webhooks/${p2Hook.id}`, { body: { events: ['order.filled'] } }), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await call('DELETE', `/v1/webhooks/${p2Hook.id}`), 404, 'WEBHOOK_NOT_FOUND');
    const list = await call('GET', '/v1/webhooks?limit=100');
    expect(list.body.map((h: any) => h.id)).not.toContain(p2Hook.id);
    const own = await call('GET', '/v1/webhooks', { auth: p2.auth });
    expect(own.body.map((h: any) => h.id)).toContain(p2Hook.id);
    expect((await call('GET', `/v1/webhooks/${p2Hook.id}`, { auth: p2.auth })).body.events).toEqual([]);
  });

  it('a dev cursor does not leak dev webhooks to p2', async () => {
    const key = await newPartnerKey();
    const a = await createHook({}, key.auth);
    await createHook({}, key.auth);
    await createHook({}, key.auth);
    const first = await call('GET', '/v1/webhooks?limit=1', { auth: key.auth });
    const next = parseNextLink(first.headers.get('link'));
    expect(next).toBeDefined();
    const res = await call('GET', next!, { auth: p2.auth });
    // Either refused or p2's own webhooks only; never another partner's.
    if (res.status === 200) {
      for (const h of res.body) expect((await call('GET', `/v1/webhooks/${h.id}`, { auth: p2.auth })).status).toBe(200);
      expect(res.body.map((h: any) => h.id)).not.toContain(a.id);
    } else {
      expectError(res, 400, 'VALIDATION_ERROR');
    }
  });
});

function parseNextLink(link: string | null): string | undefined {
  if (link === null) return undefined;
  const match = /^<([^>]+)>;\s*rel="next"$/.exec(link.trim());
  expect(match).not.toBeNull();
  return match![1]!;
}

describe('pagination', () => {
  let key: TestApiKey;
  let created: any[];
  beforeAll(async () => {
    key = await newPartnerKey();
    created = [];
    for (let i = 0; i < 5; i++) created.push(await createHook({ url: `${PUBLIC}/page/${i}` }, key.auth));
  });

  it('walks 5 webhooks with limit=2 following Link headers: each once, in creation order', async () => {
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let path: string | undefined = '/v1/webhooks?limit=2';
    let lastLink: string | null = 'unset';
    while (path) {
      const res = await call('GET', path, { auth: key.auth });
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      pageSizes.push(res.body.length);
      seen.push(...res.body.map((h: any) => h.id));
      lastLink = res.headers.get('link');
      path = parseNextLink(lastLink);
      if (path) {
        const next = new URL(path, 'http://x');
        expect(next.pathname).toBe('/v1/webhooks');
        expect(next.searchParams.get('limit')).toBe('2');
        expect(next.searchParams.get('cursor')).toBeTruthy();
      }
      expect(pageSizes.length).toBeLessThanOrEqual(5);
    }
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(created.map((h) => h.id));
    expect(lastLink).toBeNull();
  });

  it('no Link header when the page holds everything (limit = count, default limit)', async () => {
    const exact = await call('GET', '/v1/webhooks?limit=5', { auth: key.auth });
    expect(exact.body).toHaveLength(5);
    expect(exact.headers.get('link')).toBeNull();
    const all = await call('GET', '/v1/webhooks', { auth: key.auth });
    expect(all.body.map((h: any) => h.id)).toEqual(created.map((h) => h.id));
    expect(all.headers.get('link')).toBeNull();
  });

  it('a page of 4 from a cursor after the first item', async () => {
    const first = await call('GET', '/v1/webhooks?limit=1', { auth: key.auth });
    expect(first.body.map((h: any) => h.id)).toEqual([created[0].id]);
    const next = new URL(parseNextLink(first.headers.get('link'))!, 'http://x');
    const cursor = next.searchParams.get('cursor')!;
    const rest = await call('GET', `/v1/webhooks?limit=10&cursor=${encodeURIComponent(cursor)}`, { auth: key.auth });
    expect(rest.status).toBe(200);
    expect(rest.body.map((h: any) => h.id)).toEqual(created.slice(1).map((h) => h.id));
    expect(rest.headers.get('link')).toBeNull();
  });

  it('an empty list is [] with no Link header', async () => {
    const empty = await newPartnerKey();
    const res = await call('GET', '/v1/webhooks?limit=2', { auth: empty.auth });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    expect(res.headers.get('link')).toBeNull();
  });
});

describe('WEBHOOK_LIMIT_REACHED (MAX_WEBHOOKS_PER_PARTNER=2)', () => {
  let limited: RuntimeProcess;
  let lcall: Call;
  beforeAll(async () => {
    limited = await startRuntime({ env: { ...RUNTIME_ENV, MAX_WEBHOOKS_PER_PARTNER: '2' } });
    lcall = apiClient(limited.state);
  });
  afterAll(async () => {
    if (limited) {
      await limited.stop();
      removeDataDir(limited.dataDir);
    }
  });

  it('the third create is 409; after a delete, creating works again', async () => {
    const a = await createHook({}, undefined, lcall);
    await createHook({}, undefined, lcall);
    const third = await lcall('POST', '/v1/webhooks', { body: { url: `${PUBLIC}/third`, events: [] } });
    expectError(third, 409, 'WEBHOOK_LIMIT_REACHED');
    expect(third.text).not.toContain('whsec_');
    expect((await lcall('GET', '/v1/webhooks')).body).toHaveLength(2);

    expect((await lcall('DELETE', `/v1/webhooks/${a.id}`)).status).toBe(204);
    const again = await createHook({ url: `${PUBLIC}/again` }, undefined, lcall);
    expect(again.url).toBe(`${PUBLIC}/again`);
    expectError(await lcall('POST', '/v1/webhooks', { body: { url: `${PUBLIC}/fourth`, events: [] } }), 409, 'WEBHOOK_LIMIT_REACHED');
    expect((await lcall('GET', '/v1/webhooks')).body).toHaveLength(2);
  });

  it('rejected creates (bad url) and failed deletes do not use up the quota', async () => {
    const key = await issueTestApiKey(limited.state, { partnerId: 'quota', scopes: ['webhooks:read', 'webhooks:write'] });
    for (let i = 0; i < 3; i++) {
      expectError(await lcall('POST', '/v1/webhooks', { auth: key.auth, body: { url: 'https://10.0.0.1/x', events: [] } }), 400, 'INVALID_URL');
      expectError(await lcall('DELETE', `/v1/webhooks/${randomUUID()}`, { auth: key.auth }), 404, 'WEBHOOK_NOT_FOUND');
    }
    await createHook({}, key.auth, lcall);
    await createHook({}, key.auth, lcall);
    expectError(await lcall('POST', '/v1/webhooks', { auth: key.auth, body: { url: `${PUBLIC}/x`, events: [] } }), 409, 'WEBHOOK_LIMIT_REACHED');
  });

  it('the limit is per partner: another partner can still create', async () => {
    const key = await issueTestApiKey(limited.state, { partnerId: 'other-partner', scopes: ['webhooks:read', 'webhooks:write'] });
    await createHook({}, key.auth, lcall);
  });

  it('concurrent creates never exceed the limit', async () => {
    const key = await issueTestApiKey(limited.state, { partnerId: 'race', scopes: ['webhooks:read', 'webhooks:write'] });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => lcall('POST', '/v1/webhooks', { auth: key.auth, body: { url: `${PUBLIC}/race/${i}`, events: [] } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
    expect((await lcall('GET', '/v1/webhooks', { auth: key.auth })).body).toHaveLength(2);
  });
});
