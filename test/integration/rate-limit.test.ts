// Rate limits per API key (SPEC §2): at most N in any rolling window, on one shared DynamoDB item per
// key, 429 RATE_LIMITED with Retry-After, and recovery once the window has passed. The tests run
// concurrently: each uses keys of its own (a key's limit is its own, as one test shows), and the
// last two each start a runtime of their own.
import { openApiDocument } from '../../lambdas/openapi/document.js';
import { apiClient } from '../support/api-client.js';
import { issueTestApiKey } from '../support/api-keys.js';
import { openApiSchemas } from '../support/openapi-schemas.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;

beforeAll(async () => {
  rt = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '5', RATE_LIMIT_PER_MINUTE: '40' } });
  call = apiClient(rt.state);
});

afterAll(async () => {
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

/** An upper bound whatever the windows: a burst never gets more than the limit per window it touches. */
const windowsSpanned = (startMs: number, endMs: number, windowMs: number) => Math.floor(endMs / windowMs) - Math.floor(startMs / windowMs) + 1;

describe('rate limits', () => {
  it.concurrent('answers 429 RATE_LIMITED with Retry-After past the per-second limit, then recovers', async () => {
    const key = await issueTestApiKey(rt.state, { partnerId: 'burst', scopes: ['webhooks:read'] });
    const start = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => call('GET', '/v1/webhooks', { auth: key.auth })));
    const end = Date.now();
    const ok = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429);
    expect(ok + limited.length).toBe(20);
    expect(limited.length).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(5 * windowsSpanned(start, end, 1000));
    for (const r of limited) {
      expect(r.body.error.code).toBe('RATE_LIMITED');
      expect(r.body.error.request_id).toBe(r.headers.get('x-request-id'));
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Once the second has passed, the key works again.
    const recovered = await waitFor(async () => {
      const r = await call('GET', '/v1/webhooks', { auth: key.auth });
      return r.status === 200 ? r : undefined;
    }, { timeoutMs: 5000, intervalMs: 250 });
    expect(recovered.status).toBe(200);
  });

  it.concurrent('answers 429 as the OpenAPI document says, and never limits the public GET /v1/openapi.json', async () => {
    const schemas = openApiSchemas(openApiDocument());
    const key = await issueTestApiKey(rt.state, { partnerId: 'docs', scopes: ['webhooks:write'] });
    const results = await Promise.all(Array.from({ length: 20 }, () => call('GET', '/v1/event-types', { auth: key.auth })));
    const limited = results.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expect(schemas.checkResponse('GET', '/v1/event-types', limited!)).toEqual([]);
    // The same (limited) key, and no key at all: the public route answers every time.
    const open = await Promise.all(Array.from({ length: 12 }, (_, i) => call('GET', '/v1/openapi.json', { auth: i % 2 ? key.auth : null })));
    expect(open.map((r) => r.status)).toEqual(Array(12).fill(200));
  });

  it.concurrent('limits each key on its own', async () => {
    const noisy = await issueTestApiKey(rt.state, { partnerId: 'noisy', scopes: ['webhooks:read'] });
    const quiet = await issueTestApiKey(rt.state, { partnerId: 'quiet', scopes: ['webhooks:read'] });
    await Promise.all(Array.from({ length: 12 }, () => call('GET', '/v1/webhooks', { auth: noisy.auth })));
    expect((await call('GET', '/v1/webhooks', { auth: quiet.auth })).status).toBe(200);
  });

  it.concurrent('enforces the per-minute limit with a Retry-After up to the end of the minute', async () => {
    const minuteRt = await startRuntime({ env: { RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_PER_MINUTE: '12' } });
    try {
      const minuteCall = apiClient(minuteRt.state);
      for (let i = 0; i < 12; i++) expect((await minuteCall('GET', '/v1/webhooks')).status).toBe(200);
      const limited = await minuteCall('GET', '/v1/webhooks');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    } finally {
      expect(await minuteRt.stop()).toBe(0);
      removeDataDir(minuteRt.dataDir);
    }
  });

  it.concurrent('never lets more than 10 through in a second, with bursts of 25 straddling a second boundary (default limits)', async () => {
    const defaultRt = await startRuntime();
    try {
      const defaultCall = apiClient(defaultRt.state);
      // A key of its own for each round, so each round starts with an empty window.
      const keys = await Promise.all([1, 2, 3].map((round) => issueTestApiKey(defaultRt.state, { partnerId: `straddle-${round}`, scopes: ['webhooks:read'] })));
      expect((await defaultCall('GET', '/v1/webhooks')).status).toBe(200); // modules loaded (the dev key)
      const untilClock = (predicate: (ms: number) => boolean) => waitFor(() => predicate(Date.now()) || undefined, { intervalMs: 2 });
      for (const key of keys) {
        const burst = (n: number) => Promise.all(Array.from({ length: n }, () => defaultCall('GET', '/v1/webhooks', { auth: key.auth })));
        await untilClock((ms) => ms % 1000 >= 900 && ms % 1000 < 950);
        const start = Date.now();
        const boundary = Math.ceil(start / 1000) * 1000;
        const before = burst(12);
        await untilClock((ms) => ms >= boundary + 30);
        const results = [...(await before), ...(await burst(13))];
        const span = Date.now() - start;
        const ok = results.filter((r) => r.status === 200).length;
        expect(results.filter((r) => r.status !== 200).every((r) => r.status === 429)).toBe(true);
        // Everything happened within `span`; within one second at most 10 may pass.
        expect(ok).toBeLessThanOrEqual(10 * Math.ceil(span / 1000));
        expect(ok).toBeGreaterThan(0);
      }
    } finally {
      expect(await defaultRt.stop()).toBe(0);
      removeDataDir(defaultRt.dataDir);
    }
  });
});
