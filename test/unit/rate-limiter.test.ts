// The per-key limiter with a fake clock and an in-memory store that honours the conditional write
// (the domain owns the store interface; lambdas/stores/rate-limit-store.ts is the DynamoDB one, and
// test/contract/rate-limit-store.test.ts holds the two to one contract).
import { type RateDecision, RateLimiter, type RateLimitStateStore } from '../../lambdas/domain/rate-limiter.js';
import { memoryRateLimitStates as memoryStore } from '../support/rate-limit-fakes.js';

const T = 1_800_000_000_000; // a whole minute
const at = (ms: number) => new Date(T + ms);
const noPause = async () => undefined;
const limiter = (store: RateLimitStateStore, perSecond = 10, perMinute = 300, clock = () => new Date(T)) => new RateLimiter(store, { perSecond, perMinute }, clock, noPause);

/** The largest number of accepted requests in any rolling window of `windowMs`. */
function maxInRollingWindow(acceptedAt: number[], windowMs: number): number {
  const times = [...acceptedAt].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('rate limiter', () => {
  it('allows the limit within a second and refuses the next request with Retry-After 1', async () => {
    const l = limiter(memoryStore());
    for (let i = 0; i < 10; i++) expect(await l.check('k', at(100 + i))).toEqual({ allowed: true });
    expect(await l.check('k', at(200))).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('never lets more than 10 through in any rolling second when bursts straddle a boundary', async () => {
    const l = limiter(memoryStore());
    const accepted: number[] = [];
    // Bursts of 25 at x.950 and (x+1).050, for several seconds in a row.
    for (let s = 0; s < 6; s++) {
      for (const ms of [s * 1000 + 950, s * 1000 + 1050]) {
        for (let i = 0; i < 25; i++) if ((await l.check('k', at(ms))).allowed) accepted.push(ms);
      }
    }
    expect(accepted.length).toBeGreaterThan(10);
    expect(maxInRollingWindow(accepted, 1000)).toBeLessThanOrEqual(10);
  });

  it('holds both limits against a random stream, and still lets a steady rate through', async () => {
    const l = limiter(memoryStore(), 10, 300);
    const accepted: number[] = [];
    let now = 0;
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    while (now < 180_000) {
      now += Math.floor(random() * 120);
      if ((await l.check('k', at(now))).allowed) accepted.push(now);
    }
    expect(maxInRollingWindow(accepted, 1000)).toBeLessThanOrEqual(10);
    expect(maxInRollingWindow(accepted, 60_000)).toBeLessThanOrEqual(300);
    // Not starved: close to 300 a minute over three minutes.
    expect(accepted.length).toBeGreaterThan(800);
  });

  it('says when the oldest request leaves the second', async () => {
    const l = limiter(memoryStore());
    for (let i = 0; i < 10; i++) await l.check('k', at(500));
    expect((await l.check('k', at(1450))).allowed).toBe(false);
    expect((await l.check('k', at(1600))).allowed).toBe(true);
  });

  it('refuses past the per-minute limit with the seconds until a request leaves the minute (at most 60)', async () => {
    const l = limiter(memoryStore(), 1000, 5);
    for (let i = 0; i < 5; i++) expect((await l.check('k', at(20_000))).allowed).toBe(true);
    expect(await l.check('k', at(20_000))).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(await l.check('k', at(50_500))).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect((await l.check('k', at(79_999))).allowed).toBe(false);
    expect((await l.check('k', at(80_000))).allowed).toBe(true);
  });

  it('does not count refused requests', async () => {
    const l = limiter(memoryStore(), 2, 300);
    for (let i = 0; i < 50; i++) await l.check('k', at(0));
    expect((await l.check('k', at(1100))).allowed).toBe(true);
  });

  it('keeps keys apart', async () => {
    const l = limiter(memoryStore(), 1);
    expect((await l.check('a', at(0))).allowed).toBe(true);
    expect((await l.check('a', at(0))).allowed).toBe(false);
    expect((await l.check('b', at(0))).allowed).toBe(true);
  });

  it('holds the limit across instances sharing the store (conditional writes), deciding concurrent checks together', async () => {
    const store = memoryStore();
    const instances = [limiter(store), limiter(store), limiter(store)];
    const decisions: RateDecision[] = await Promise.all(Array.from({ length: 60 }, (_, i) => instances[i % 3]!.check('k')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    // One instance's 20 concurrent checks took far fewer than 20 writes.
    expect(store.writes).toBeLessThanOrEqual(10);
  });

  it('refuses (fails closed) when it keeps losing the write race', async () => {
    const store = memoryStore();
    const l = new RateLimiter({ read: store.read, write: async () => false }, { perSecond: 10, perMinute: 300 }, () => new Date(T), noPause);
    expect(await l.check('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});
