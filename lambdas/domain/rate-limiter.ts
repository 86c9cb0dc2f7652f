// Per-API-key request limits (SPEC §2): N per second and M per minute, as fixed windows on
// shared counters. A refused request learns how many seconds remain in the exceeded window.
export interface Counter {
  increment(bucket: string, expiresAtSeconds: number): Promise<number>;
}

export type RateLimits = { perSecond: number; perMinute: number };
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counters outlive their window a little, then DynamoDB's TTL removes them. */
const COUNTER_TTL_MARGIN_SECONDS = 120;

export class RateLimiter {
  constructor(
    private readonly counter: Counter,
    private readonly limits: RateLimits,
  ) {}

  async check(apiKey: string, now: Date = new Date()): Promise<RateDecision> {
    const epochSeconds = Math.floor(now.getTime() / 1000);
    const minute = Math.floor(epochSeconds / 60);
    const [inSecond, inMinute] = await Promise.all([
      this.counter.increment(`${apiKey}#s#${epochSeconds}`, epochSeconds + COUNTER_TTL_MARGIN_SECONDS),
      this.counter.increment(`${apiKey}#m#${minute}`, (minute + 1) * 60 + COUNTER_TTL_MARGIN_SECONDS),
    ]);
    if (inMinute > this.limits.perMinute) return { allowed: false, retryAfterSeconds: Math.max(1, (minute + 1) * 60 - epochSeconds) };
    if (inSecond > this.limits.perSecond) return { allowed: false, retryAfterSeconds: 1 };
    return { allowed: true };
  }
}
