// Failed authentication limited per client address, on the real local runtime:
// the local gateway sets requestContext.http.sourceIp from the socket, so a client binding
// 127.0.0.2 is another address than one on 127.0.0.1.
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { issueTestApiKey } from '../support/api-keys.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { sdkCalls, sdkSnapshot } from '../support/sdk-calls.js';
import { waitFor } from '../support/wait-for.js';

const LIMIT = 10;
/** The tarpit of a blocked address's refusals (1 s by default): shorter here, where refusals are waited for one by one. */
const BLOCKED_DELAY_MS = 250;
let rt: RuntimeProcess;

beforeAll(async () => {
  // The bench's SDK observer counts the calls each request makes (test/support/sdk-calls.ts).
  rt = await startRuntime({ env: { BENCH_SDK_OBSERVER: '1', AUTH_FAILURES_PER_MINUTE: String(LIMIT), AUTH_BLOCKED_DELAY_MS: String(BLOCKED_DELAY_MS), RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } });
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

/**
 * Runs a scenario that must fit in one minute of the per-minute failure count (each takes 1-2 s).
 * Instead of waiting for a fresh minute first (up to the margin kept, every run), a run that failed
 * while the minute changed under it is made once more from a fresh address: that one fits. A failure
 * within one minute stands.
 */
async function inOneMinute(addresses: [string, string], scenario: (address: string) => Promise<void>): Promise<void> {
  const minute = Math.floor(Date.now() / 60_000);
  try {
    await scenario(addresses[0]);
  } catch (error) {
    if (Math.floor(Date.now() / 60_000) === minute) throw error;
    process.stdout.write(`a minute boundary came during the run (${String(error).split('\n')[0]}): once more from ${addresses[1]}\n`);
    await scenario(addresses[1]);
  }
}

describe('failed authentication per client address', () => {
  it('refuses a flooding address with 429 RATE_LIMITED before any key lookup, while other addresses go on', async () => {
    await inOneMinute(['127.0.0.1', '127.0.0.5'], async (address) => {
      // A key of its own per run: one the instance has already checked (a run cut by the minute)
      // is told apart from a guess without a read, so it would pass a blocked address.
      const partner = await issueTestApiKey(rt.state, { partnerId: 'bystander', scopes: ['webhooks:read'] });
      const flood: Answer[] = [];
      for (let i = 0; i < LIMIT + 5; i++) flood.push(await get(address, randomKey()));
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
      const blocked = await Promise.all(Array.from({ length: 50 }, () => get(address, randomKey())));
      expect(blocked.every((a) => a.status === 429)).toBe(true);
      const after = await sdkCalls(rt);
      for (const op of ['DynamoDB.GetItem', 'DynamoDB.UpdateItem', 'DynamoDB.Query']) expect(after[op] ?? 0).toBe(before[op] ?? 0);

      // A key never seen from this address is refused too: telling it from a guess would take a read…
      expect((await get(address, partner.auth)).status).toBe(429);
      // …while another address is served as usual: 200 with a good key, 401 with a bad one.
      expect((await get('127.0.0.2', partner.auth)).status).toBe(200);
      expect((await get('127.0.0.2', randomKey())).status).toBe(401);
    });
  });

  it('keeps serving a valid partner from an address that a flood of bad keys has blocked', async () => {
    const partner = await issueTestApiKey(rt.state, { partnerId: 'behind-nat', scopes: ['webhooks:read'] });
    expect((await get('127.0.0.3', partner.auth)).status).toBe(200);

    // 50 connections of bad keys, each sending again as soon as it has its answer.
    let flooding = true;
    const floodAnswers: number[] = [];
    const flood = Promise.all(
      Array.from({ length: 50 }, async () => {
        while (flooding) floodAnswers.push((await get('127.0.0.3', randomKey())).status);
      }),
    );
    try {
      await waitFor(() => floodAnswers.includes(429) || undefined, { what: () => 'the flood to be refused with 429' });
      const partnerAnswers: number[] = [];
      for (let i = 0; i < 12; i++) partnerAnswers.push((await get('127.0.0.3', partner.auth)).status);
      expect(partnerAnswers).toEqual(Array(12).fill(200));
      // The bad keys are still refused meanwhile.
      expect((await get('127.0.0.3', randomKey())).status).toBe(429);
    } finally {
      flooding = false;
      await flood;
    }
    expect(floodAnswers.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  it('lets a concurrent flood of bad keys read the keys table at most the limit of times', async () => {
    const reads = (s: Awaited<ReturnType<typeof sdkSnapshot>>) => s.dynamodb.by_resource[`${rt.state.tables.apiKeys}.GetItem`]?.calls ?? 0;
    await inOneMinute(['127.0.0.4', '127.0.0.6'], async (address) => {
      const before = await sdkSnapshot(rt, { measure: true });
      const answers = await Promise.all(Array.from({ length: 100 }, () => get(address, randomKey())));
      const after = await sdkSnapshot(rt, { measure: false });
      expect(reads(after) - reads(before)).toBe(LIMIT);
      expect(answers.filter((a) => a.status === 401)).toHaveLength(LIMIT);
      expect(answers.filter((a) => a.status === 429)).toHaveLength(100 - LIMIT);
    });
  });
});
