import { type Counter, RateLimiter } from '../../lambdas/domain/rate-limiter.js';

function memoryCounter(): Counter & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    increment: async (bucket) => {
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      return counts.get(bucket)!;
    },
    read: async (bucket) => counts.get(bucket) ?? 0,
  };
}

const at = (ms: number) => new Date(ms);
const T = 1_800_000_000_000; // a whole minute

describe('rate limiter', () => {
  it('allows the limit within a second and refuses the next request with Retry-After 1', async () => {
    const limiter = new RateLimiter(memoryCounter(), { perSecond: 10, perMinute: 300 });
    for (let i = 0; i < 10; i++) expect(await limiter.check('k', at(T + 100 + i))).toEqual({ allowed: true });
    expect(await limiter.check('k', at(T + 200))).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('catches a burst that straddles a second boundary', async () => {
    const limiter = new RateLimiter(memoryCounter(), { perSecond: 10, perMinute: 300 });
    for (let i = 0; i < 6; i++) expect((await limiter.check('k', at(T + 950))).allowed).toBe(true);
    const after = [];
    for (let i = 0; i < 5; i++) after.push((await limiter.check('k', at(T + 1010))).allowed);
    // 6 from the previous second (weighted 0.99) + 5 now exceeds 10: a fixed window would allow all.
    expect(after).toContain(false);
  });

  it('forgets the previous second as it slides out of view', async () => {
    const limiter = new RateLimiter(memoryCounter(), { perSecond: 10, perMinute: 300 });
    for (let i = 0; i < 10; i++) await limiter.check('k', at(T + 500));
    expect((await limiter.check('k', at(T + 1990))).allowed).toBe(true);
  });

  it('refuses past the per-minute limit with the seconds left in the minute', async () => {
    const limiter = new RateLimiter(memoryCounter(), { perSecond: 1000, perMinute: 5 });
    for (let i = 0; i < 5; i++) expect((await limiter.check('k', at(T + 20_000))).allowed).toBe(true);
    expect(await limiter.check('k', at(T + 20_000))).toEqual({ allowed: false, retryAfterSeconds: 40 });
  });

  it('keeps keys apart', async () => {
    const limiter = new RateLimiter(memoryCounter(), { perSecond: 1, perMinute: 300 });
    expect((await limiter.check('a', at(T))).allowed).toBe(true);
    expect((await limiter.check('a', at(T))).allowed).toBe(false);
    expect((await limiter.check('b', at(T))).allowed).toBe(true);
  });
});
