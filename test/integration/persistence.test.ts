// SPEC §6: state persists under DATA_DIR across restarts; the dev key is made once and kept,
// or fixed by DEV_API_KEY / DEV_API_SECRET.
import { apiClient } from '../support/api-client.js';
import { makeDataDir, removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

const PUBLIC = 'https://93.184.216.34';
const FIXED = { DEV_API_KEY: 'bmk_fixed_test_key_0001', DEV_API_SECRET: 'bms_fixed-test-secret-value-0123456789' };

describe('restart persistence', () => {
  let dataDir: string;
  const running: RuntimeProcess[] = [];

  const start = async (env: Record<string, string> = {}) => {
    const rt = await startRuntime({ dataDir, env });
    running.push(rt);
    return rt;
  };

  beforeAll(() => {
    dataDir = makeDataDir();
  });

  afterAll(async () => {
    for (const rt of running) await rt.kill9();
    removeDataDir(dataDir);
  });

  let created: any;
  let firstKey: { apiKey: string; apiSecret: string };

  it('a webhook and the dev key survive a clean stop and a restart on the same DATA_DIR', async () => {
    const first = await start();
    firstKey = { apiKey: first.state.dev_api_key, apiSecret: first.state.dev_api_secret };
    expect(firstKey.apiKey).toBeTruthy();
    expect(firstKey.apiSecret).toBeTruthy();
    // local.json is written before the banner reaches our pipe: wait for the banner, then check it.
    await waitFor(() => first.output().includes(firstKey.apiSecret), { what: () => `the printed dev key in:\n${first.output()}` });
    expect(first.output()).toContain(firstKey.apiKey);

    const res = await apiClient(first.state)('POST', '/v1/webhooks', { body: { url: `${PUBLIC}/persist`, events: ['order.filled'] } });
    expect(res.status).toBe(201);
    const { secret: _secret, ...pub } = res.body;
    created = pub;
    expect(await first.stop()).toBe(0);

    const second = await start();
    expect(second.state.pid).not.toBe(first.state.pid);
    expect(second.state.dev_api_key).toBe(firstKey.apiKey);
    expect(second.state.dev_api_secret).toBe(firstKey.apiSecret);
    await waitFor(() => second.output().includes(firstKey.apiKey), { what: () => `the printed dev key in:\n${second.output()}` });

    const call = apiClient(second.state);
    const list = await call('GET', '/v1/webhooks');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([created]);
    const one = await call('GET', `/v1/webhooks/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(created);

    // Writes keep working after the restart (key file and counters reloaded).
    const patched = await call('PATCH', `/v1/webhooks/${created.id}`, { body: { status: 'disabled' } });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toBe('disabled');
    created = patched.body;
    const another = await call('POST', '/v1/webhooks', { body: { url: `${PUBLIC}/after-restart`, events: [] } });
    expect(another.status).toBe(201);
    expect(another.body.secret).toMatch(/^whsec_/);
    expect((await call('DELETE', `/v1/webhooks/${another.body.id}`)).status).toBe(204);
    expect(await second.stop()).toBe(0);
  });

  it('DEV_API_KEY / DEV_API_SECRET fix the dev key; it sees the same partner "dev" data', async () => {
    const third = await start(FIXED);
    expect(third.state.dev_api_key).toBe(FIXED.DEV_API_KEY);
    expect(third.state.dev_api_secret).toBe(FIXED.DEV_API_SECRET);

    const call = apiClient(third.state);
    const list = await call('GET', '/v1/webhooks', { auth: { apiKey: FIXED.DEV_API_KEY, apiSecret: FIXED.DEV_API_SECRET } });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([created]);
    const wrong = await call('GET', '/v1/webhooks', { auth: { apiKey: FIXED.DEV_API_KEY, apiSecret: 'bms_not-the-fixed-secret-value' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect(await third.stop()).toBe(0);
  });

  // On a DATA_DIR of its own: it runs beside the two above (which go on from each other).
  it.concurrent('the fixed key works on a fresh DATA_DIR and across a restart', async () => {
    const fresh = makeDataDir();
    try {
      const a = await startRuntime({ dataDir: fresh, env: FIXED });
      running.push(a);
      expect(a.state.dev_api_key).toBe(FIXED.DEV_API_KEY);
      const call = apiClient(a.state);
      expect((await call('GET', '/v1/webhooks')).body).toEqual([]);
      const res = await call('POST', '/v1/webhooks', { body: { url: `${PUBLIC}/fixed`, events: [] } });
      expect(res.status).toBe(201);
      expect(await a.stop()).toBe(0);

      const b = await startRuntime({ dataDir: fresh, env: FIXED });
      running.push(b);
      const list = await apiClient(b.state)('GET', '/v1/webhooks');
      expect(list.status).toBe(200);
      expect(list.body.map((h: any) => h.id)).toEqual([res.body.id]);
      expect(await b.stop()).toBe(0);
    } finally {
      removeDataDir(fresh);
    }
  });
});
