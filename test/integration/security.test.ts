// Security guarantees through the local runtime as a deployed stack behaves
// (ALLOW_LOOPBACK_URLS=0): SSRF refusals, loopback-only listeners, secrets kept out of logs.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { rawHttp } from '../support/raw-http.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;

beforeAll(async () => {
  rt = await startRuntime({ env: { ALLOW_LOOPBACK_URLS: '0', LOG_LEVEL: 'debug', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
  call = apiClient(rt.state);
});

afterAll(async () => {
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

const NON_PUBLIC_URLS = [
  'http://127.0.0.1/hook',
  'https://127.0.0.1/hook',
  'https://localhost/hook',
  'https://LOCALHOST./hook',
  'https://[::1]/hook',
  'https://2130706433/hook',
  'https://0x7f000001/hook',
  'https://0x7f.1/hook',
  'https://0177.0.0.1/hook',
  'https://127.1/hook',
  'https://127.0.0.1./hook',
  'https://[::ffff:127.0.0.1]/hook',
  'https://169.254.169.254/latest/meta-data',
  'https://10.0.0.1/hook',
  'https://172.16.0.1/hook',
  'https://192.168.1.1/hook',
  'https://100.64.0.1/hook',
  'https://0.0.0.0/hook',
  'https://224.0.0.1/hook',
  'https://[fc00::1]/hook',
  'https://[fe80::1]/hook',
  'https://[::]/hook',
];

/** 400 INVALID_URL on create, and on a PATCH of a webhook that keeps its URL. */
async function expectRefusedAtCreateAndPatch(url: string): Promise<void> {
  const created = await call('POST', '/v1/webhooks', { body: { url, events: [] } });
  expect(created.status).toBe(400);
  expect(created.body.error).toMatchObject({ code: 'INVALID_URL', field: 'url' });

  const ok = await call('POST', '/v1/webhooks', { body: { url: 'https://93.184.216.34/hook', events: [] } });
  expect(ok.status).toBe(201);
  const patched = await call('PATCH', `/v1/webhooks/${ok.body.id}`, { body: { url } });
  expect(patched.status).toBe(400);
  expect(patched.body.error.code).toBe('INVALID_URL');
  expect((await call('GET', `/v1/webhooks/${ok.body.id}`)).body.url).toBe('https://93.184.216.34/hook');
  await call('DELETE', `/v1/webhooks/${ok.body.id}`);
}

describe('SSRF guard with ALLOW_LOOPBACK_URLS=0', () => {
  it.each(NON_PUBLIC_URLS)('refuses %s at create and at PATCH', async (url) => {
    await expectRefusedAtCreateAndPatch(url);
  });

  it('accepts a name that does not resolve yet, and records the failed resolution at delivery', async () => {
    const created = await call('POST', '/v1/webhooks', { body: { url: 'https://hooks.partner.invalid/x', events: ['account.closed'] } });
    expect(created.status).toBe(201);
    const aws = localAws(rt.state);
    try {
      await aws.publish('account.closed', exampleData('account.closed'));
      const [attempt] = await waitFor(async () => {
        const history = (await call('GET', `/v1/webhooks/${created.body.id}/deliveries`)).body;
        return history.length ? history : undefined;
      });
      expect(attempt).toMatchObject({ status: 'failed', http_status: null, error: 'dns_resolution_failed', attempt_number: 1 });
      expect(attempt.next_retry_at).not.toBeNull();
    } finally {
      aws.destroy();
      await call('DELETE', `/v1/webhooks/${created.body.id}`);
    }
  });
});

const AMBIGUOUS_URLS = [
  'https://example.com\\@127.0.0.1/',
  'http://example.com:22\\@127.0.0.1/',
  'https://@93.184.216.34/hook',
  'https:93.184.216.34/hook',
  'https:///93.184.216.34/hook',
  'https://93.184.216.34/ok/\u202Ecba',
  'https://93.184.216.34/\u200Fok',
  'https://93.184.216.34/\u2066ok',
  'https://93.184.216.34/a\tb',
  'https://93.184.216.34/\u0085',
  ' https://93.184.216.34/hook',
];

describe('URLs that parsers read differently, and the stored form', () => {
  it.each(AMBIGUOUS_URLS)('refuses %j at create and at PATCH', async (url) => {
    await expectRefusedAtCreateAndPatch(url);
  });

  it('stores and shows the normalised (WHATWG) form of the URL, at create and at PATCH', async () => {
    const created = await call('POST', '/v1/webhooks', { body: { url: 'HTTPS://93.184.216.34:443/a/../Hook', events: [] } });
    expect(created.status).toBe(201);
    expect(created.body.url).toBe('https://93.184.216.34/Hook');
    expect((await call('GET', `/v1/webhooks/${created.body.id}`)).body.url).toBe('https://93.184.216.34/Hook');
    const patched = await call('PATCH', `/v1/webhooks/${created.body.id}`, { body: { url: 'https://0x5d.184.216.34/caf\u00e9' } });
    expect(patched.status).toBe(200);
    expect(patched.body.url).toBe('https://93.184.216.34/caf%C3%A9');
    expect((await localAws(rt.state).webhookItem('dev', created.body.id))?.url).toBe('https://93.184.216.34/caf%C3%A9');
    await call('DELETE', `/v1/webhooks/${created.body.id}`);
  });
});

describe('response headers', () => {
  const expectApiHeaders = (what: string, headers: { get(name: string): string | null }) => {
    expect([what, headers.get('x-content-type-options'), headers.get('cache-control')]).toEqual([what, 'nosniff', 'no-store']);
  };

  it('says nosniff and no-store on every API answer: secret-bearing ones, other successes and errors', async () => {
    const created = await call('POST', '/v1/webhooks', { body: { url: 'https://93.184.216.34/headers', events: [] } });
    expect(created.body.secret).toMatch(/^whsec_/);
    expectApiHeaders('create (201, with the secret)', created.headers);
    const id = created.body.id as string;
    const rotated = await call('POST', `/v1/webhooks/${id}/rotate-secret`, { body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expectApiHeaders('rotate-secret (200, with the secret)', rotated.headers);
    expectApiHeaders('get', (await call('GET', `/v1/webhooks/${id}`)).headers);
    expectApiHeaders('list', (await call('GET', '/v1/webhooks')).headers);
    expectApiHeaders('event types', (await call('GET', '/v1/event-types')).headers);
    expectApiHeaders('400', (await call('POST', '/v1/webhooks', { rawBody: '{', headers: { 'content-type': 'application/json' } })).headers);
    expectApiHeaders('401', (await call('GET', '/v1/webhooks', { auth: null })).headers);
    expectApiHeaders('404 route', (await call('GET', '/v1/nothing-here')).headers);
    expectApiHeaders('405', (await call('PUT', '/v1/webhooks')).headers);
    const deleted = await call('DELETE', `/v1/webhooks/${id}`);
    expect(deleted.status).toBe(204);
    expectApiHeaders('delete (204)', deleted.headers);
    // The local gateway's own answer to what is not HTTP.
    const raw = await rawHttp(rt.state.api_url, 'NOT HTTP\r\n\r\n');
    expect(raw.status).toBe(400);
    expectApiHeaders('gateway 400', { get: (name) => raw.headers[name] ?? null });
    // The OpenAPI document alone may be cached.
    const doc = await call('GET', '/v1/openapi.json', { auth: null });
    expect([doc.headers.get('x-content-type-options'), doc.headers.get('cache-control')]).toEqual(['nosniff', 'public, max-age=300']);
  });
});

describe('local runtime exposure', () => {
  it('listens on loopback only, on every port it opens', () => {
    const pid = rt.child.pid!;
    const inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
    const listening = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((cols) => cols[3] === '0A' && inodes.has(cols[9]!))
        .map((cols) => cols[1]!.split(':')[0]!),
    );
    // API, EventBridge, DynamoDB and SQS endpoints.
    expect(listening.length).toBeGreaterThanOrEqual(4);
    // 127.0.0.1 as /proc/net/tcp writes it (little-endian hex), or ::1 in tcp6.
    for (const address of listening) expect(['0100007F', '00000000000000000000000001000000']).toContain(address);
  });
});

describe('secrets in logs', () => {
  it('never writes an API secret, a webhook secret or an Authorization value to the logs', async () => {
    const created = await call('POST', '/v1/webhooks', { body: { url: 'https://93.184.216.34/logged', events: [] } });
    expect(created.status).toBe(201);
    const webhookSecret: string = created.body.secret;
    const basic = Buffer.from(`${rt.state.dev_api_key}:${rt.state.dev_api_secret}`).toString('base64');
    await call('GET', '/v1/webhooks', { basic: true });
    await call('GET', '/v1/webhooks', { auth: { apiKey: rt.state.dev_api_key, apiSecret: 'bms_wrong-secret-value' } });
    await call('POST', '/v1/webhooks', { rawBody: '{"url": "https://x.example", "secret": "whsec_c2VjcmV0LWluLWEtYm9keQ=="', headers: { 'content-type': 'application/json' } });
    await call('POST', `/v1/webhooks/${created.body.id}/test`);
    // The debug request log must have been written, so the check below is not vacuous.
    await waitFor(() => (rt.output().includes('"message":"request"') ? true : undefined));
    // The structured log lines (the start-up banner prints the dev key on purpose, SPEC §6).
    const output = rt.output().split('\n').filter((line) => line.startsWith('{')).join('\n');
    expect(output).toContain('[REDACTED]');
    for (const secret of [webhookSecret, webhookSecret.slice('whsec_'.length), rt.state.dev_api_secret, basic, 'bms_wrong-secret-value']) {
      expect(output).not.toContain(secret);
    }
    await call('DELETE', `/v1/webhooks/${created.body.id}`);
  });
});
