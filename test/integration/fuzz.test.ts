// Property-based fuzzing of the management API: whatever the body, path or query, the answer is
// a 2xx or a 4xx with the error envelope — never a 5xx or a stack trace — and the server lives on.
import fc from 'fast-check';
import { apiClient, type ApiResult } from '../support/api-client.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';

let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;
let webhookId: string;

beforeAll(async () => {
  rt = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000', MAX_WEBHOOKS_PER_PARTNER: '100000' } });
  call = apiClient(rt.state);
  webhookId = (await call('POST', '/v1/webhooks', { body: { url: 'https://93.184.216.34/fuzz', events: [] } })).body.id;
});

afterAll(async () => {
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

function expectWellFormed(res: ApiResult): void {
  expect(res.status).toBeLessThan(500);
  expect(res.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  if (res.status >= 400) {
    expect(res.body?.error).toEqual(
      expect.objectContaining({ code: expect.any(String), message: expect.any(String), request_id: res.headers.get('x-request-id') }),
    );
  }
}

const EVENT_NAMES = ['order.filled', 'account.closed', 'webhook.test', 'nope', '', '__proto__'];
/** Bodies near the schema (so validation paths are exercised), and arbitrary JSON. */
const webhookLikeBody = fc.oneof(
  fc.record(
    {
      url: fc.oneof(fc.webUrl(), fc.string(), fc.integer(), fc.constant('https://93.184.216.34/x'), fc.constant(null)),
      events: fc.oneof(fc.array(fc.constantFrom(...EVENT_NAMES)), fc.array(fc.anything()), fc.string(), fc.constant(null)),
      status: fc.oneof(fc.constantFrom('active', 'disabled', 'ACTIVE'), fc.anything()),
      __proto__: fc.object(),
      constructor: fc.anything(),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);

const RUNS = { numRuns: 150 };

describe('fuzzed API', () => {
  it('answers every POST /v1/webhooks body with 201 or an enveloped 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(webhookLikeBody, async (body) => {
        const res = await call('POST', '/v1/webhooks', { rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        expectWellFormed(res);
        if (res.status === 201) await call('DELETE', `/v1/webhooks/${res.body.id}`);
      }),
      RUNS,
    );
  });

  it('answers every PATCH body with 200 or an enveloped 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(webhookLikeBody, async (body) => {
        expectWellFormed(await call('PATCH', `/v1/webhooks/${webhookId}`, { rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json' } }));
      }),
      RUNS,
    );
  });

  it('answers raw bytes and odd content types without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a))),
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'application/vnd.api+json'),
        async (raw, contentType) => {
          expectWellFormed(await call('POST', '/v1/webhooks', { rawBody: raw, headers: { 'content-type': contentType } }));
        },
      ),
      RUNS,
    );
  });

  it('answers arbitrary paths, methods and query strings with a 2xx or an enveloped 4xx', async () => {
    const segment = fc.oneof(fc.string(), fc.uuid(), fc.constantFrom('webhooks', 'test', 'deliveries', '..', '%00', '%ZZ'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS'),
        fc.array(segment, { maxLength: 4 }),
        fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'event_id', 'x'), fc.string()),
        async (method, segments, query) => {
          const path = `/v1/webhooks/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
          const qs = new URLSearchParams(query).toString();
          const res = await call(method, `${path}${qs ? `?${qs}` : ''}`);
          expectWellFormed(res);
        },
      ),
      RUNS,
    );
  });

  it('is still alive and consistent afterwards', async () => {
    const res = await call('GET', `/v1/webhooks/${webhookId}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['created_at', 'events', 'id', 'status', 'updated_at', 'url']);
  });
});
