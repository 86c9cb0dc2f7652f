// An in-memory FailureCounter (lambdas/domain/auth-failure-limiter.ts) that counts its calls and
// answers on a later turn of the event loop, as a table would, so concurrent requests interleave.
// Held to the same contract as the DynamoDB store (failureCounterContract, run on both by
// test/contract/rate-limit-store.test.ts).
import type { FailureCounter } from '../../lambdas/domain/auth-failure-limiter.js';

const later = () => new Promise<void>((resolve) => setImmediate(resolve));

export function memoryFailureCounter(): FailureCounter & { calls: number } {
  const counts = new Map<string, number>();
  const known = new Map<string, Set<string>>();
  const counter = {
    calls: 0,
    async reserve(bucket: string, limit: number) {
      counter.calls++;
      await later();
      const count = counts.get(bucket) ?? 0;
      if (count >= limit) return undefined;
      counts.set(bucket, count + 1);
      return count + 1;
    },
    async release(bucket: string) {
      counter.calls++;
      await later();
      const count = counts.get(bucket) ?? 0;
      if (count > 0) counts.set(bucket, count - 1);
    },
    async addFailure(bucket: string) {
      counter.calls++;
      await later();
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      return counts.get(bucket)!;
    },
    async knownKeys(address: string) {
      counter.calls++;
      await later();
      return [...(known.get(address) ?? [])];
    },
    async rememberKey(address: string, apiKey: string) {
      counter.calls++;
      await later();
      known.set(address, (known.get(address) ?? new Set()).add(apiKey));
    },
  };
  return counter;
}

/** What every FailureCounter must do; `counter` makes a fresh one, `unique` a name no other run used. */
export function failureCounterContract(counter: () => FailureCounter, unique: () => string): void {
  const exp = Math.floor(Date.now() / 1000) + 3600;

  it('reserves places atomically up to the limit, concurrently too', async () => {
    const c = counter();
    const bucket = `authfail#${unique()}`;
    const results = await Promise.all(Array.from({ length: 12 }, () => c.reserve(bucket, 5, exp)));
    expect(results.filter((r) => r !== undefined).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5]);
    expect(results.filter((r) => r === undefined)).toHaveLength(7);
  });

  it('gives a place back on release, and counts failures past the limit', async () => {
    const c = counter();
    const bucket = `authfail#${unique()}`;
    expect(await c.reserve(bucket, 2, exp)).toBe(1);
    expect(await c.reserve(bucket, 2, exp)).toBe(2);
    expect(await c.reserve(bucket, 2, exp)).toBeUndefined();
    await c.release(bucket);
    expect(await c.reserve(bucket, 2, exp)).toBe(2);
    expect(await c.addFailure(bucket, exp)).toBe(3);
    expect(await c.addFailure(`authfail#${unique()}`, exp)).toBe(1);
  });

  it('never counts below zero: a release of an empty bucket gives no extra place', async () => {
    const c = counter();
    const bucket = `authfail#${unique()}`;
    await c.release(bucket);
    expect(await c.reserve(bucket, 1, exp)).toBe(1);
    expect(await c.reserve(bucket, 1, exp)).toBeUndefined();
  });

  it('remembers key ids per address', async () => {
    const c = counter();
    const [a, b] = [unique(), unique()];
    expect(await c.knownKeys(a)).toEqual([]);
    await c.rememberKey(a, 'bmk_1', exp);
    await c.rememberKey(a, 'bmk_2', exp);
    await c.rememberKey(a, 'bmk_1', exp);
    expect((await c.knownKeys(a)).sort()).toEqual(['bmk_1', 'bmk_2']);
    expect(await c.knownKeys(b)).toEqual([]);
  });
}
