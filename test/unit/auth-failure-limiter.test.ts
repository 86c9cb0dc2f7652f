// Failed authentication per client address, with a fake clock and an in-memory counter that
// records every call (so the tests can show a blocked address costs no storage work).
import { AuthFailureLimiter, clientKey, type FailureCounter } from '../../lambdas/domain/auth-failure-limiter.js';

function memoryCounter(): FailureCounter & { calls: number } {
  const counts = new Map<string, number>();
  const counter = {
    calls: 0,
    failures: async (bucket: string) => {
      counter.calls++;
      return counts.get(bucket) ?? 0;
    },
    addFailure: async (bucket: string) => {
      counter.calls++;
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      return counts.get(bucket)!;
    },
  };
  return counter;
}

const T = 1_800_000_000_000; // a whole minute

describe('auth failure limiter', () => {
  it('refuses an address after the limit of failures in a minute, with Retry-After to the minute end', async () => {
    let now = T + 15_000;
    const limiter = new AuthFailureLimiter(memoryCounter(), 3, 0, () => new Date(now));
    for (let i = 0; i < 3; i++) {
      expect(await limiter.check('203.0.113.9')).toEqual({ allowed: true });
      await limiter.recordFailure('203.0.113.9');
    }
    expect(await limiter.check('203.0.113.9')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(await limiter.check('203.0.113.10')).toEqual({ allowed: true });
    now = T + 60_000;
    expect(await limiter.check('203.0.113.9')).toEqual({ allowed: true });
  });

  it('once an address is blocked, refuses it from memory without touching the counter', async () => {
    const counter = memoryCounter();
    const limiter = new AuthFailureLimiter(counter, 2, 0, () => new Date(T));
    await limiter.recordFailure('198.51.100.1');
    await limiter.recordFailure('198.51.100.1');
    const before = counter.calls;
    for (let i = 0; i < 100; i++) expect((await limiter.check('198.51.100.1')).allowed).toBe(false);
    expect(counter.calls).toBe(before);
  });

  it('learns from the shared count that another instance blocked an address', async () => {
    const counter = memoryCounter();
    const a = new AuthFailureLimiter(counter, 2, 0, () => new Date(T));
    const b = new AuthFailureLimiter(counter, 2, 0, () => new Date(T));
    await a.recordFailure('198.51.100.7');
    await a.recordFailure('198.51.100.7');
    expect((await b.check('198.51.100.7')).allowed).toBe(false);
  });

  it('counts IPv6 clients per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb::2'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('not an ip')).toBe('unknown');
  });
});
