// Property-based fuzzing of published events: whatever the characters (astral, lone
// surrogates, U+FFFF, controls, quotes) and sizes of the data, the event reaches the webhook with
// its data unchanged — through the fan-out, SQS (inline or by reference), the worker and the POST.
import fc from 'fast-check';
import { apiClient } from '../support/api-client.js';
import { exampleData } from '../support/examples.js';
import { localAws } from '../support/local-aws.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { startAll } from '../support/start-all.js';
import { waitFor } from '../support/wait-for.js';

let rt: RuntimeProcess;
let receiver: Receiver;
let aws: ReturnType<typeof localAws>;

beforeAll(async () => {
  [rt, receiver] = await startAll([startRuntime({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_PER_MINUTE: '1000000' } }), startReceiver()]);
  aws = localAws(rt.state);
  const res = await apiClient(rt.state)('POST', '/v1/webhooks', { body: { url: receiver.url('/fuzz-events'), events: ['account.closed'] } });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  aws?.destroy();
  await receiver?.close();
  if (!rt) return;
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

/** Text from every corner of UTF-16: full Unicode, lone surrogates, the characters SQS refuses. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('\uffff', '\ufffe', '\ud800', '\udfff', '😀', '\u0000', '\u2028', '"', '\\', 'é'), maxLength: 50 }),
);
/** A filler that moves the event across the inline (60 KB) and chunk (300 KB) thresholds. */
const filler = fc.constantFrom(0, 1_000, 70_000, 400_000).map((n) => 'y'.repeat(n));

describe('event payload fuzzing', () => {
  it('delivers any characters and sizes of data unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => !['account_id', 'status', 'closed_at', '__proto__'].includes(k)), anyText, { maxKeys: 4 }), filler, async (extra, pad) => {
        const data = { ...extra, ...exampleData('account.closed'), pad };
        const { eventId, result } = await aws.publish('account.closed', data);
        expect(result.FailedEntryCount).toBe(0);
        const [got] = await waitFor(() => {
          const hits = receiver.received('/fuzz-events').filter((r) => JSON.parse(r.body).event_id === eventId);
          return hits.length ? hits : undefined;
        });
        expect(JSON.parse(got!.body).data).toEqual(JSON.parse(JSON.stringify(data)));
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
