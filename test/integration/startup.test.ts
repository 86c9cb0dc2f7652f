import { apiClient } from '../support/api-client.js';
import { removeDataDir, startRuntime } from '../support/runtime-process.js';

describe('local runtime', () => {
  it('starts, serves the API with the dev key and stops cleanly on SIGTERM', async () => {
    const t0 = Date.now();
    const rt = await startRuntime();
    console.log('startup ms', Date.now() - t0);
    try {
      const call = apiClient(rt.state);
      const res = await call('GET', '/v1/webhooks');
      expect(res.status).toBe(200);
      expect(res.body).toEqual([]);
    } finally {
      expect(await rt.stop()).toBe(0);
      removeDataDir(rt.dataDir);
    }
  });
});
