// Failed authentication limited per client address (issue 10, item 4), on the real local runtime:
// the local gateway sets requestContext.http.sourceIp from the socket, so a client binding
// 127.0.0.2 is another address than one on 127.0.0.1.
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { issueTestApiKey } from '../support/api-keys.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { sdkCalls } from '../support/sdk-calls.js';
import { waitFor } from '../support/wait-for.js';

const LIMIT = 10;
let rt: RuntimeProcess;

beforeAll(async () => {
  // The bench's SDK observer counts the calls each request makes (test/support/sdk-calls.ts).
  rt = await startRuntime({ env: { BENCH_SDK_OBSERVER: '1', AUTH_FAILURES_PER_MINUTE: String(LIMIT), RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
});

afterAll(async () => {
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: any };

/** GET /v1/webhooks from a chosen loopback source address. */
function get(from: string, auth: { apiKey: string; apiSecret: string }): Promise<Answer> {
  const url = new URL(`${rt.state.api_url}/v1/webhooks`);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, localAddress: from, agent: false, headers: { 'x-api-key': auth.apiKey, 'x-api-secret': auth.apiSecret } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const randomKey = () => ({ apiKey: `bmk_${randomBytes(12).toString('hex')}`, apiSecret: randomBytes(24).toString('hex') });

describe('failed authentication per client address', () => {
  it('refuses a flooding address with 429 RATE_LIMITED before any key lookup, while other addresses go on', async () => {
    // Stay clear of a minute boundary (the failure count is per minute).
    await waitFor(() => Date.now() % 60_000 < 45_000 || undefined, { timeoutMs: 20_000, intervalMs: 200 });
    const partner = await issueTestApiKey(rt.state, { partnerId: 'bystander', scopes: ['webhooks:read'] });

    const flood: Answer[] = [];
    for (let i = 0; i < LIMIT + 5; i++) flood.push(await get('127.0.0.1', randomKey()));
    expect(flood.slice(0, LIMIT).map((a) => a.status)).toEqual(Array(LIMIT).fill(401));
    for (const answer of flood.slice(LIMIT)) {
      expect(answer.status).toBe(429);
      expect(answer.body.error.code).toBe('RATE_LIMITED');
      expect(answer.body.error.request_id).toBe(answer.headers['x-request-id']);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers['retry-after'])).toBeLessThanOrEqual(60);
    }

    // Once blocked, a flood costs no DynamoDB call at all (neither the keys table nor the counter).
    const before = await sdkCalls(rt);
    const blocked = await Promise.all(Array.from({ length: 50 }, () => get('127.0.0.1', randomKey())));
    expect(blocked.every((a) => a.status === 429)).toBe(true);
    const after = await sdkCalls(rt);
    for (const op of ['DynamoDB.GetItem', 'DynamoDB.UpdateItem', 'DynamoDB.Query']) expect(after[op] ?? 0).toBe(before[op] ?? 0);

    // The address is refused whatever it sends (its credentials are not even read)…
    expect((await get('127.0.0.1', partner.auth)).status).toBe(429);
    // …while another address is served as usual: 200 with a good key, 401 with a bad one.
    expect((await get('127.0.0.2', partner.auth)).status).toBe(200);
    expect((await get('127.0.0.2', randomKey())).status).toBe(401);
  });
});
