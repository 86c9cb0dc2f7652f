// The refill of a delivery batch's free slots while one attempt is slow (delivery/batch-refill.ts):
// a fake queue and attempts that end when the test says, on Jest's fake clock.
import { jest } from '@jest/globals';
import { type RefillPolicy, workWithRefill } from '../../lambdas/delivery/batch-refill.js';

const POLICY: RefillPolicy = { slots: 10, minFree: 3, afterMs: 250, windowMs: 2000, emptyBackoffMs: 250 };

/** Attempts that each end when `end(id)` is called (or at once when `quick`). */
function attempts() {
  const open = new Map<string, () => void>();
  return {
    run(ids: string[], settled: () => void, quick: (id: string) => boolean): Promise<void> {
      return Promise.all(
        ids.map(
          (id) =>
            new Promise<void>((resolve) => {
              const done = () => {
                settled();
                resolve();
              };
              if (quick(id)) setTimeout(done, 10);
              else open.set(id, done);
            }),
        ),
      ).then(() => undefined);
    },
    end(id: string) {
      open.get(id)!();
      open.delete(id);
    },
    open: () => [...open.keys()],
  };
}

function queue(messages: string[]) {
  const waiting = [...messages];
  const receives: number[] = [];
  return { receives, waiting, receive: async (max: number) => (receives.push(max), waiting.splice(0, max)) };
}

describe('workWithRefill', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fills the slots of a batch holding one slow attempt with messages of the queue, until the slow one ends', async () => {
    const a = attempts();
    const q = queue(Array.from({ length: 40 }, (_, i) => `m${i}`));
    const worked: string[] = [];
    const batch = Array.from({ length: 10 }, (_, i) => (i === 0 ? 'slow' : `b${i}`));
    const run = workWithRefill(batch.length, (settled) => a.run(batch, settled, (id) => id !== 'slow').then(() => 'first-result'), POLICY, {
      receive: q.receive,
      work: (messages, settled) => (worked.push(...messages), a.run(messages, settled, () => true)),
      onError: (what, error) => {
        throw new Error(`${what}: ${String(error)}`);
      },
    });
    await jest.advanceTimersByTimeAsync(1000);
    // The 9 quick ones ended at 10 ms; from 250 ms on, the free slots took the queue's messages.
    expect(worked.length).toBe(40);
    expect(q.receives.every((max) => max >= POLICY.minFree && max <= 9)).toBe(true);
    a.end('slow');
    await expect(run).resolves.toBe('first-result');
  });

  it('receives nothing when the batch ends before afterMs, or while fewer than minFree slots are free', async () => {
    const q = queue(['m1', 'm2']);
    const quick = attempts();
    await Promise.all([
      workWithRefill(10, (settled) => quick.run(['a', 'b'], settled, () => true), POLICY, { receive: q.receive, work: async () => undefined, onError: () => undefined }),
      jest.advanceTimersByTimeAsync(500),
    ]);
    expect(q.receives).toEqual([]);

    const busy = attempts();
    const batch = Array.from({ length: 10 }, (_, i) => `s${i}`);
    const run = workWithRefill(10, (settled) => busy.run(batch, settled, (id) => id === 's0'), POLICY, { receive: q.receive, work: async () => undefined, onError: () => undefined });
    await jest.advanceTimersByTimeAsync(1000);
    expect(q.receives).toEqual([]); // 1 free slot only
    for (const id of busy.open()) busy.end(id);
    await run;
  });

  it('stops receiving at the end of its window and still waits for everything it received', async () => {
    const a = attempts();
    const q = queue(Array.from({ length: 100 }, (_, i) => `m${i}`));
    const received: string[] = [];
    let finished = false;
    const run = workWithRefill(1, (settled) => a.run(['slow'], settled, () => false), POLICY, {
      receive: q.receive,
      // Each received message is slow too: they end only when the test ends them.
      work: (messages, settled) => (received.push(...messages), a.run(messages, settled, () => false)),
      onError: () => undefined,
    }).then(() => (finished = true));
    await jest.advanceTimersByTimeAsync(300);
    expect(received.length).toBe(9); // the free slots, once
    await jest.advanceTimersByTimeAsync(1800); // past the window
    for (const id of a.open().filter((id) => id !== 'slow').slice(0, 5)) a.end(id);
    await jest.advanceTimersByTimeAsync(1000);
    expect(received.length).toBe(9); // the 5 freed slots stay free
    expect(q.receives).toEqual([9]);
    expect(a.open().length).toBe(5); // slow + 4 received
    expect(finished).toBe(false);
    for (const id of a.open()) a.end(id);
    await jest.advanceTimersByTimeAsync(0);
    expect(finished).toBe(true);
  });

  it('after an empty receive looks again later, and reports a failed receive without failing the batch', async () => {
    const a = attempts();
    const errors: string[] = [];
    let calls = 0;
    const run = workWithRefill(10, (settled) => a.run(['slow', ...Array.from({ length: 9 }, (_, i) => `b${i}`)], settled, (id) => id !== 'slow'), POLICY, {
      receive: async () => {
        calls++;
        if (calls === 2) throw new Error('throttled');
        return [];
      },
      work: async () => undefined,
      onError: (what) => errors.push(what),
    });
    await jest.advanceTimersByTimeAsync(1000);
    // At 250 (empty), 500 (failed), 750, 1000 ms: one look per backoff, never a busy loop.
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(4);
    expect(errors).toEqual(['refill: receive failed']);
    a.end('slow');
    await expect(run).resolves.toBeUndefined();
  });
  it('starts filling even when its first timer fires a millisecond early by the refill\'s clock', async () => {
    // setTimeout and Date.now are different clocks: the first look can see 249 ms of 250.
    const a = attempts();
    const q = queue(['m1', 'm2', 'm3', 'm4']);
    const worked: string[] = [];
    let calls = 0;
    const lagging = () => (calls++ === 0 ? Date.now() : Date.now() - 1);
    const run = workWithRefill(1, (settled) => a.run(['slow'], settled, () => false), POLICY, {
      receive: q.receive,
      work: (messages, settled) => (worked.push(...messages), a.run(messages, settled, () => true)),
      onError: () => undefined,
      now: lagging,
    });
    await jest.advanceTimersByTimeAsync(1000);
    expect(worked).toEqual(['m1', 'm2', 'm3', 'm4']);
    a.end('slow');
    await run;
  });
});
