// Per-API-key request limits (SPEC §2): N per second and M per minute, on shared counters, one
// per key and window. Each limit uses the sliding-window estimate — the current window's count
// plus the previous window's, weighted by how much of it still overlaps the last N seconds — so a
// burst that straddles a window boundary is still caught. A refused request learns when to retry.
export interface Counter {
  /** Adds one and returns the new count. */
  increment(bucket: string, expiresAtSeconds: number): Promise<number>;
  /** The count so far (0 when the bucket does not exist). */
  read(bucket: string): Promise<number>;
}

export type RateLimits = { perSecond: number; perMinute: number };
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counters outlive their window a little (the next window still reads them), then DynamoDB's TTL removes them. */
const COUNTER_TTL_MARGIN_SECONDS = 120;

export class RateLimiter {
  constructor(
    private readonly counter: Counter,
    private readonly limits: RateLimits,
  ) {}

  async check(apiKey: string, now: Date = new Date()): Promise<RateDecision> {
    const [second, minute] = await Promise.all([
      this.window(apiKey, 's', 1000, now.getTime()),
      this.window(apiKey, 'm', 60_000, now.getTime()),
    ]);
    if (minute.estimate > this.limits.perMinute) return { allowed: false, retryAfterSeconds: minute.secondsToWindowEnd };
    if (second.estimate > this.limits.perSecond) return { allowed: false, retryAfterSeconds: 1 };
    return { allowed: true };
  }

  private async window(apiKey: string, tag: string, lengthMs: number, nowMs: number) {
    const index = Math.floor(nowMs / lengthMs);
    const windowEndSeconds = ((index + 1) * lengthMs) / 1000;
    const [current, previous] = await Promise.all([
      this.counter.increment(`${apiKey}#${tag}#${index}`, Math.ceil(windowEndSeconds + lengthMs / 1000) + COUNTER_TTL_MARGIN_SECONDS),
      this.counter.read(`${apiKey}#${tag}#${index - 1}`),
    ]);
    const overlap = 1 - (nowMs % lengthMs) / lengthMs;
    return { estimate: current + previous * overlap, secondsToWindowEnd: Math.max(1, Math.ceil(windowEndSeconds - nowMs / 1000)) };
  }
}
