// Property-based fuzzing of the management API: whatever the body, path or query, the answer is
// a 2xx or a 4xx with the error envelope — never a 5xx or a stack trace — and the server lives on.
import fc from 'fast-check';
import { isAllowedPort } from '../../lambdas/domain/url-guard.js';
import { apiClient, type ApiResult } from '../support/api-client.js';
import { rawHttp } from '../support/raw-http.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';

let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;
let webhookId: string;

beforeAll(async () => {
  rt = await startRuntime({
    // Unauthenticated fuzz requests fail authentication: the per-address block would turn the rest into 429s.
    env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000', MAX_WEBHOOKS_PER_PARTNER: '100000', AUTH_FAILURES_PER_MINUTE: '1000000' },
  });
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

const RUNS = { numRuns: 100 }; // fast-check's default

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
    expect(Object.keys(res.body).sort()).toEqual(['created_at', 'disabled_at', 'disabled_reason', 'events', 'headers', 'health', 'id', 'ordering', 'rate_limit_per_second', 'status', 'updated_at', 'url']);
  });
});

describe('fuzzed ports and raw HTTP', () => {
  it('accepts a webhook port only by the documented policy, INVALID_URL otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(22, 25, 80, 443, 1023, 1024, 3306, 6379, 8443, 65535, 65536)), async (port) => {
        const url = `https://93.184.216.34:${port}/fuzz`;
        const res = await call('POST', '/v1/webhooks', { body: { url, events: [] } });
        expectWellFormed(res);
        const allowed = port <= 65535 && isAllowedPort(new URL(url).port);
        expect([port, res.status]).toEqual([port, allowed ? 201 : 400]);
        if (allowed) await call('DELETE', `/v1/webhooks/${res.body.id}`);
        else expect(res.body.error.code).toBe('INVALID_URL');
      }),
      RUNS,
    );
  });

  it('answers any request line and header bytes in the error envelope with X-Request-Id, never a bare answer', async () => {
    const noNewline = (s: string) => s.replace(/[\r\n]/g, '');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('GET', 'POST', 'FROB', 'get', 'M-SEARCH', 'PRI', ''), fc.string({ maxLength: 12 })),
        fc.oneof(fc.constantFrom('/v1/webhooks', '/v1/webhooks/x y', '*', '/%00', ''), fc.string({ maxLength: 40 })),
        fc.oneof(fc.string({ maxLength: 40 }), fc.constant('x'.repeat(20_000))),
        async (method, target, headerValue) => {
          const request = `${noNewline(method)} ${noNewline(target)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Fuzz: ${noNewline(headerValue)}\r\n\r\n`;
          const res = await rawHttp(rt.state.api_url, request);
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(500);
          expect(res.headers['x-request-id']).toBeTruthy();
          expect(res.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
          if (res.status >= 400) expect(res.body?.error?.request_id).toBe(res.headers['x-request-id']);
        },
      ),
      { numRuns: 100 },
    );
  });
});
