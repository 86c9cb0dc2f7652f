// The keys and publish CLIs run as child processes against a running local runtime: they find it
// through $DATA_DIR/local.json. The first test of each runs the source as `npm run keys -- …` and
// `npm run publish -- …` do (tsx); the others, the prebuilt bundle of the same source.
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient } from '../support/api-client.js';
import { runCli } from '../support/cli.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { makeDataDir, removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { startAll } from '../support/start-all.js';
import { waitFor } from '../support/wait-for.js';

let rt: RuntimeProcess;
let receiver: Receiver;
let call: ReturnType<typeof apiClient>;
let aws: ReturnType<typeof localAws>;
let pathCounter = 0;

const cli = (script: 'keys' | 'publish', args: string[], dataDir = rt.dataDir) => runCli(script, args, dataDir);

/** Runs a CLI that must succeed and returns its stdout parsed as the one JSON document it prints. */
async function runJson<T = any>(script: 'keys' | 'publish', args: string[], options: { fromSource?: boolean } = {}): Promise<T> {
  const result = await runCli(script, args, rt.dataDir, options);
  if (result.code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

beforeAll(async () => {
  [rt, receiver] = await startAll([startRuntime(), startReceiver()]);
  call = apiClient(rt.state);
  aws = localAws(rt.state);
});

afterAll(async () => {
  aws?.destroy();
  await receiver?.close();
  if (rt) {
    expect(await rt.stop()).toBe(0);
    removeDataDir(rt.dataDir);
  }
});

/** A webhook of partner dev (the dev key) on its own receiver path. */
async function webhook(events: string[]) {
  const path = `/cli-hook-${++pathCounter}`;
  const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events } });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, path };
}

const receivedFor = (path: string, eventId: string) =>
  receiver.received(path).filter((r) => JSON.parse(r.body).event_id === eventId);

describe('keys CLI', () => {
  it('create prints the new key as JSON; the key reads but cannot write; list hides secrets; revoke disables it', async () => {
    const created = await runJson('keys', ['create', '--partner', 'p1', '--scopes', 'webhooks:read'], { fromSource: true });
    expect(created).toEqual({
      api_key: expect.any(String),
      api_secret: expect.any(String),
      partner_id: 'p1',
      scopes: ['webhooks:read'],
    });
    expect(created.api_key.length).toBeGreaterThan(10);
    expect(created.api_secret.length).toBeGreaterThanOrEqual(32);
    const auth = { apiKey: created.api_key as string, apiSecret: created.api_secret as string };

    // Read scope only: GET works (and sees none of partner dev's webhooks), POST is 403.
    await webhook(['account.closed']);
    const list = await call('GET', '/v1/webhooks', { auth });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([]);
    const basic = await call('GET', '/v1/webhooks', { auth, basic: true });
    expect(basic.status).toBe(200);
    const write = await call('POST', '/v1/webhooks', { auth, body: { url: receiver.url('/p1'), events: [] } });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('FORBIDDEN');
    const wrongSecret = await call('GET', '/v1/webhooks', { auth: { ...auth, apiSecret: `${auth.apiSecret}x` } });
    expect(wrongSecret.status).toBe(401);

    // list: the key is there, without its secret or the hash of it.
    const listed = await cli('keys', ['list']);
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.stdout) as any[];
    const mine = keys.find((k) => k.api_key === auth.apiKey);
    expect(mine).toMatchObject({ api_key: auth.apiKey, partner_id: 'p1', scopes: ['webhooks:read'], status: 'active' });
    expect(keys.some((k) => k.api_key === rt.state.dev_api_key && k.partner_id === 'dev')).toBe(true);
    const hash = createHash('sha256').update(auth.apiSecret).digest('hex');
    expect(listed.stdout).not.toContain(auth.apiSecret);
    expect(listed.stdout).not.toContain(hash);
    expect(listed.stdout).not.toContain(rt.state.dev_api_secret);
    for (const k of keys) {
      expect(Object.keys(k).filter((name) => /secret|hash/i.test(name))).toEqual([]);
    }

    // list --partner filters.
    const onlyP1 = await runJson<any[]>('keys', ['list', '--partner', 'p1']);
    expect(onlyP1.map((k) => k.api_key)).toContain(auth.apiKey);
    expect(onlyP1.every((k) => k.partner_id === 'p1')).toBe(true);

    // revoke: printed as revoked; the key is refused from then on.
    const revoked = await runJson('keys', ['revoke', auth.apiKey]);
    expect(revoked).toMatchObject({ api_key: auth.apiKey, partner_id: 'p1', status: 'revoked', revoked_at: expect.any(String) });
    expect(JSON.stringify(revoked)).not.toContain(auth.apiSecret);
    const afterRevoke = await call('GET', '/v1/webhooks', { auth });
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.error.code).toBe('UNAUTHORIZED');
    const listedAfter = await runJson<any[]>('keys', ['list', '--partner', 'p1']);
    expect(listedAfter.find((k) => k.api_key === auth.apiKey)?.status).toBe('revoked');
  });

  it('create without --scopes issues a read-write key', async () => {
    const created = await runJson('keys', ['create', '--partner', 'p2']);
    expect([...created.scopes].sort()).toEqual(['webhooks:read', 'webhooks:write']);
    const auth = { apiKey: created.api_key as string, apiSecret: created.api_secret as string };
    const res = await call('POST', '/v1/webhooks', { auth, body: { url: receiver.url('/p2'), events: [] } });
    expect(res.status).toBe(201);
    const mine = await call('GET', '/v1/webhooks', { auth });
    expect(mine.body.map((w: any) => w.id)).toEqual([res.body.id]);
  });

  it('fails with a message on stderr, printing and creating nothing, on bad input', async () => {
    const cases: [string, string[], RegExp][] = [
      ['an unknown scope', ['create', '--partner', 'p3', '--scopes', 'webhooks:admin'], /scope/],
      ['a partly unknown scope list', ['create', '--partner', 'p3', '--scopes', 'webhooks:read,admin'], /scope/],
      ['a missing --partner', ['create', '--scopes', 'webhooks:read'], /--partner/],
      ['an invalid partner id', ['create', '--partner', 'p 3/x'], /--partner/],
      ['revoke of an unknown key', ['revoke', 'bmk_doesnotexist'], /no such API key/],
      ['revoke without a key', ['revoke'], /api_key/],
      ['an unknown command', ['rotate'], /usage/],
    ];
    const before = await runJson<any[]>('keys', ['list']);
    const results = await Promise.all(cases.map(([, args]) => cli('keys', args)));
    results.forEach((result, i) => {
      const [what, , message] = cases[i]!;
      expect({ what, code: result.code === 0 ? 0 : 'non-zero', stdout: result.stdout }).toEqual({ what, code: 'non-zero', stdout: '' });
      expect(result.stderr).toMatch(message);
    });
    expect(await runJson<any[]>('keys', ['list'])).toHaveLength(before.length);
  });
});

describe('without a running runtime', () => {
  it('both CLIs say to start it and exit non-zero', async () => {
    const empty = makeDataDir();
    try {
      const [keys, publish] = await Promise.all([cli('keys', ['list'], empty), cli('publish', ['order.filled'], empty)]);
      for (const result of [keys, publish]) {
        expect(result.code).not.toBe(0);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/local\.json/);
        expect(result.stderr).toMatch(/npm start/);
      }
    } finally {
      removeDataDir(empty);
    }
  });
});

describe('publish CLI', () => {
  it('sends the example payload when no --data is given, and a registered webhook receives it', async () => {
    const hook = await webhook(['order.filled']);
    const printed = await runJson('publish', ['order.filled'], { fromSource: true });
    expect(printed).toMatchObject({ event_id: expect.stringMatching(/^[0-9a-f-]{36}$/), event_type: 'order.filled', partner_id: 'dev' });

    const [delivery] = await waitFor(() => {
      const got = receivedFor(hook.path, printed.event_id);
      return got.length ? got : undefined;
    });
    const envelope = JSON.parse(delivery!.body);
    expect(envelope).toMatchObject({
      event_id: printed.event_id,
      event_type: 'order.filled',
      partner_id: 'dev',
      environment: 'sandbox',
      data: exampleData('order.filled'),
    });
    expect(delivery!.headers['webhook-id']).toBe(printed.event_id);
  });

  it('reads --data from a file', async () => {
    const hook = await webhook(['order.submitted']);
    const data = { ...exampleData('order.submitted'), symbol: 'AAPL' };
    const file = join(rt.dataDir, 'order-submitted.json');
    writeFileSync(file, JSON.stringify(data));
    const printed = await runJson('publish', ['order.submitted', '--data', file]);
    const [delivery] = await waitFor(() => {
      const got = receivedFor(hook.path, printed.event_id);
      return got.length ? got : undefined;
    });
    expect(JSON.parse(delivery!.body).data).toEqual(data);
  });

  it('--data that fails the catalog schema is accepted by PutEvents but never delivered, and kept with its reason', async () => {
    const hook = await webhook(['order.rejected']);
    const printed = await runJson('publish', ['order.rejected', '--data', '{"bad":1}']);
    expect(printed.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(printed.eventbridge_id).toEqual(expect.any(String));

    const rejected = await waitFor(async () => (await aws.rejectedEvents()).find((e) => String(e.detail).includes(printed.event_id)));
    expect(rejected.detail_type).toBe('order.rejected');
    expect(rejected.reason).toMatch(/detail\.data\./);
    expect(await aws.queuedFor(hook.id, printed.event_id)).toBe(false);

    // A valid event published after it is delivered, and the bad one still is not.
    const good = await runJson('publish', ['order.rejected']);
    await waitFor(() => receivedFor(hook.path, good.event_id).length === 1);
    expect(receivedFor(hook.path, printed.event_id)).toHaveLength(0);
    expect(receiver.received(hook.path)).toHaveLength(1);
  });

  it('the same --event-id published twice is delivered once', async () => {
    const hook = await webhook(['order.cancelled']);
    const eventId = randomUUID();
    const [first, second] = [
      await runJson('publish', ['order.cancelled', '--event-id', eventId]),
      await runJson('publish', ['order.cancelled', '--event-id', eventId]),
    ];
    expect(first.event_id).toBe(eventId);
    expect(second.event_id).toBe(eventId);
    await aws.untilOutcome(hook.id, [eventId], 'succeeded');
    expect(receivedFor(hook.path, eventId)).toHaveLength(1);
    const history = (await call('GET', `/v1/webhooks/${hook.id}/deliveries?event_id=${eventId}`)).body as any[];
    expect(history).toHaveLength(1);
  });

  it('--partner publishes for another partner: partner dev’s webhook does not receive it', async () => {
    const hook = await webhook(['account.kyc_approved']);
    const other = await runJson('publish', ['account.kyc_approved', '--partner', 'someone-else']);
    expect(other.partner_id).toBe('someone-else');
    expect(await aws.queuedFor(hook.id, other.event_id, 'someone-else')).toBe(false);
    const mine = await runJson('publish', ['account.kyc_approved']);
    await waitFor(() => receivedFor(hook.path, mine.event_id).length === 1);
    expect(receiver.received(hook.path).map((r) => JSON.parse(r.body).event_id)).toEqual([mine.event_id]);
  });

  it.each([
    ['an unknown event type', ['order.exploded'], /event type/],
    ['no event type', [], /usage/],
    ['--data that is not JSON', ['order.filled', '--data', '{not json'], /JSON/],
    ['--data naming a missing file', ['order.filled', '--data', '/nonexistent/data.json'], /no such file/],
  ])('exits non-zero with a message on stderr for %s', async (_what, args, message) => {
    const result = await cli('publish', args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
