// SPEC §7 operations raced against themselves on the real local runtime (issue 22): parallel
// rotate-secret requests for one webhook.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Received, Receiver } from '../support/receiver.js';
import { type PipelineHarness, startPipeline } from '../support/pipeline-harness.js';
import { waitFor } from '../support/wait-for.js';

let harness: PipelineHarness;
let receiver: Receiver;
let call: PipelineHarness['call'];
let aws: PipelineHarness['aws'];

beforeAll(async () => {
  harness = await startPipeline({ ALLOW_LOOPBACK_URLS: '1' });
  ({ receiver, call, aws } = harness);
});

afterAll(() => harness?.stop());

async function webhook(path: string, events: string[]) {
  const res = await call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events } });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string };
}

const hmacHex = (secret: string, body: string) => `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex')}`;
const verifies = (secret: string, r: Received) => {
  try {
    new Webhook(secret).verify(r.body, {
      'webhook-id': r.headers['webhook-id'] as string,
      'webhook-timestamp': r.headers['webhook-timestamp'] as string,
      'webhook-signature': r.headers['webhook-signature'] as string,
    });
    return true;
  } catch {
    return false;
  }
};

describe('concurrent rotate-secret requests for one webhook', () => {
  it('answer 200 each with a secret that was made current (last writer wins, previous = the one it replaced), never a 500', async () => {
    const path = '/rotate-race';
    const hook = await webhook(path, []);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { body: { expire_previous_in_seconds: 3600 } })),
    );
    expect(answers.map((a) => [a.status, a.body?.error?.code])).toEqual(answers.map(() => [200, undefined]));
    const secrets = answers.map((a) => a.body.secret as string);
    expect(new Set(secrets).size).toBe(20);
    for (const a of answers) expect(Date.parse(a.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);

    // A delivery now is signed with two of the 200s' secrets: the current one, and the one it replaced.
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const [got] = await waitFor(() => (receiver.received(path).length >= 1 ? receiver.received(path) : undefined), { what: () => 'the test delivery' });
    expect(String(got!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const current = secrets.filter((s) => got!.headers['x-tapp-signature'] === hmacHex(s, got!.body));
    const previous = secrets.filter((s) => got!.headers['x-tapp-signature-previous'] === hmacHex(s, got!.body));
    expect([current.length, previous.length]).toEqual([1, 1]);
    expect(current[0]).not.toBe(previous[0]);
    expect(verifies(current[0]!, got!)).toBe(true);
    expect(verifies(previous[0]!, got!)).toBe(true);
    // The original was replaced as the previous secret by the later rotations: two secrets sign at most.
    expect(verifies(hook.secret, got!)).toBe(false);

    // The chain goes on from the race's last writer.
    const next = await call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { body: { expire_previous_in_seconds: 3600 } });
    expect(next.status).toBe(200);
    expect((await call('POST', `/v1/webhooks/${hook.id}/test`)).status).toBe(202);
    const after = (await waitFor(() => (receiver.received(path).length >= 2 ? receiver.received(path) : undefined), { what: () => 'the second test delivery' }))[1]!;
    expect(after.headers['x-tapp-signature']).toBe(hmacHex(next.body.secret, after.body));
    expect(after.headers['x-tapp-signature-previous']).toBe(hmacHex(current[0]!, after.body));
  });
});
