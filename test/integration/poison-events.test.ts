// Poison events on the real local runtime: an event at EventBridge's size limit (1 MB), or with
// characters SQS refuses (U+FFFF; the local emulator also refuses astral ones such as emoji),
// reaches every subscribed webhook with its data unchanged; queueing never blocks a restart.
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { makeDataDir, removeDataDir, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

const WEBHOOKS = 10;
const env = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' };

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

/** Ten webhooks of partner dev on their own paths, all subscribed to order.filled. */
async function tenWebhooks(call: ReturnType<typeof apiClient>, tag: string): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < WEBHOOKS; i++) {
    const path = `/${tag}-${i}`;
    const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: ['order.filled'] } });
    expect(res.status).toBe(201);
    paths.push(path);
  }
  return paths;
}

const deliveredData = (path: string, eventId: string) =>
  receiver
    .received(path)
    .map((r) => JSON.parse(r.body))
    .filter((e) => e.event_id === eventId)
    .map((e) => e.data);

describe('poison events', () => {
  it('delivers a ~1 MB event and data with U+FFFF, emoji and lone surrogates to all 10 webhooks, unchanged, and restarts after a kill -9', async () => {
    const dataDir = makeDataDir();
    const first = await startRuntime({ dataDir, env });
    const paths = await tenWebhooks(apiClient(first.state), 'big');
    let aws = localAws(first.state);
    const big = { ...exampleData('order.filled'), note: 'x'.repeat(900_000) };
    const odd = { ...exampleData('order.filled'), note: 'a\uffffb 😀 \ud800 \u2028 "quoted" \\ back\u0001slash' };
    let ids: { big: string; odd: string };
    try {
      const published = [await aws.publish('order.filled', big), await aws.publish('order.filled', odd)];
      for (const p of published) expect(p.result.FailedEntryCount).toBe(0);
      ids = { big: published[0]!.eventId, odd: published[1]!.eventId };
    } finally {
      aws.destroy();
    }
    try {
      await waitFor(() => paths.every((p) => deliveredData(p, ids.big).length > 0 && deliveredData(p, ids.odd).length > 0), { timeoutMs: 30_000 });
      for (const p of paths) {
        expect(deliveredData(p, ids.big)).toEqual([big]);
        expect(deliveredData(p, ids.odd)).toEqual([odd]);
      }
      const call = apiClient(first.state);
      const hook = (await call('GET', '/v1/webhooks')).body[0].id as string;
      const history = await waitFor(async () => {
        const items = (await call('GET', `/v1/webhooks/${hook}/deliveries`)).body as any[];
        return items.length === 2 ? items : undefined;
      });
      expect(history.map((d) => [d.event_id, d.status]).sort()).toEqual([[ids.big, 'succeeded'], [ids.odd, 'succeeded']].sort());
    } finally {
      await first.kill9();
    }
    // Start-up waits for no job: the runtime comes back on the same data at once.
    const second = await startRuntime({ dataDir, env });
    expect(await second.stop()).toBe(0);
    removeDataDir(dataDir);
  }, 90_000);
});
