// Edges of the API contract (SPEC §2, §6) that sit between the gateway and the handlers.
import { apiClient } from '../support/api-client.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';

let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;

beforeAll(async () => {
  // Short fixed credentials: the spec puts no format on DEV_API_KEY / DEV_API_SECRET.
  rt = await startRuntime({ env: { DEV_API_KEY: 'dev', DEV_API_SECRET: 'test-secret', RATE_LIMIT_PER_SECOND: '1000' } });
  call = apiClient(rt.state);
});

afterAll(async () => {
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

describe('API edges', () => {
  it('accepts any non-empty DEV_API_KEY / DEV_API_SECRET', async () => {
    expect(rt.state.dev_api_key).toBe('dev');
    const res = await call('GET', '/v1/webhooks', { auth: { apiKey: 'dev', apiSecret: 'test-secret' }, basic: true });
    expect(res.status).toBe(200);
  });

  it.each([{}, { url: 'https://10.0.0.1/x' }, { nope: 1 }])('answers a malformed id with 404 before looking at the body %j', async (body) => {
    const res = await call('PATCH', '/v1/webhooks/not-a-uuid', { body });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('WEBHOOK_NOT_FOUND');
  });

  it('carries X-Request-Id on the gateway-level 413 for bodies API Gateway itself refuses', async () => {
    const res = await call('POST', '/v1/webhooks', { rawBody: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.headers.get('x-request-id')).toBe(res.body.error.request_id);
  });
});
