// A receiver that sends 200 headers and then one byte a second, through the
// real local runtime: each attempt ends at the delivery deadline as a timeout, its socket is
// closed (seen from the receiver), and a healthy receiver still gets its deliveries.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiClient } from '../support/api-client.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;
let healthy: Receiver;
const sockets = { opened: 0, closed: 0 };
const trickles = new Set<NodeJS.Timeout>();
const trickler = createServer((req, res: ServerResponse) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('x');
    trickles.add(setInterval(() => res.writable && res.write('x'), 1000));
  });
});
trickler.on('connection', (socket) => {
  sockets.opened++;
  socket.on('close', () => sockets.closed++);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', () => resolve()));
  healthy = await startReceiver();
  // One attempt each within the test (the retry comes an hour later).
  rt = await startRuntime({ env: { DELIVERY_TIMEOUT_MS: '1500', RETRY_SCHEDULE_SECONDS: '3600,3600,3600,3600,3600', RATE_LIMIT_PER_SECOND: '1000' } });
  call = apiClient(rt.state);
});

afterAll(async () => {
  try {
    if (rt) {
      expect(await rt.stop()).toBe(0);
      removeDataDir(rt.dataDir);
    }
  } finally {
    // Closed even when the runtime never started or stopped badly (they were started before it).
    for (const t of trickles) clearInterval(t);
    trickler.closeAllConnections();
    await new Promise((resolve) => trickler.close(resolve));
    await healthy?.close();
  }
});

describe('a receiver whose body never ends', () => {
  it('costs one deadline per attempt, recorded as a timeout, and keeps no socket open', async () => {
    const { port } = trickler.address() as AddressInfo;
    const slow = (await call('POST', '/v1/webhooks', { body: { url: `http://127.0.0.1:${port}/hook`, events: [] } })).body;
    const good = (await call('POST', '/v1/webhooks', { body: { url: healthy.url('/good'), events: [] } })).body;
    for (let i = 0; i < 3; i++) expect((await call('POST', `/v1/webhooks/${slow.id}/test`)).status).toBe(202);

    const history = await waitFor(
      async () => {
        const res = await call('GET', `/v1/webhooks/${slow.id}/deliveries`);
        return res.body.length === 3 ? res.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: () => 'three attempts in the history' },
    );
    for (const attempt of history) expect(attempt).toMatchObject({ status: 'failed', http_status: null, error: 'timeout' });
    await waitFor(() => (sockets.opened === 3 && sockets.closed === 3) || undefined, { timeoutMs: 5000, what: () => JSON.stringify(sockets) });

    // The healthy endpoint is served as usual meanwhile.
    expect((await call('POST', `/v1/webhooks/${good.id}/test`)).status).toBe(202);
    await waitFor(() => (healthy.received('/good').length === 1 ? true : undefined), { timeoutMs: 10_000, what: () => 'healthy delivery' });
  });
});
