// Failed authentication, limited per client address (issue 10): an address that failed
// `maxPerMinute` times in the current minute is refused (429 RATE_LIMITED, Retry-After) before its
// credentials are looked up, so a flood of random keys costs no read of the keys table. API Gateway
// HTTP APIs take no WAF, so this is the limiter in AWS as well as locally.
//
// Two layers: a per-instance memory of blocked addresses (a blocked flood costs no DynamoDB work at
// all), in front of a per-address counter shared by every instance (one item per address and
// minute, atomic ADD, expired by TTL). A blocked address gets its 429 after a delay, so a client
// that waits for each answer (a flood on N connections) is slowed to N requests per delay. IPv6 clients are counted per /64, as one host usually owns one.
import ipaddr from 'ipaddr.js';
import { type Clock, systemClock } from './clock.js';
import type { RateDecision } from './rate-limiter.js';

/** The storage the limiter needs (lambdas/stores/rate-limit-store.ts implements it on DynamoDB). */
export interface FailureCounter {
  /** Failures counted in the bucket so far (0 when none). */
  failures(bucket: string): Promise<number>;
  /** Counts one more failure; returns the new total. */
  addFailure(bucket: string, expiresAtSeconds: number): Promise<number>;
}

const WINDOW_MS = 60_000;
/** Blocked addresses one instance remembers; beyond that the oldest are forgotten (the shared count still holds). */
const MEMORY_LIMIT = 10_000;

/** The address as it is counted: IPv4 (mapped IPv6 included) as is, other IPv6 by its /64. */
export function clientKey(sourceIp: string | undefined): string {
  if (!sourceIp || !ipaddr.isValid(sourceIp)) return 'unknown';
  let ip = ipaddr.parse(sourceIp);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${(ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}

export class AuthFailureLimiter {
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly counter: FailureCounter,
    private readonly maxPerMinute: number,
    /** A refusal is answered after this long (a tarpit): a flood on N connections then asks at most N per this. */
    readonly refusalDelayMs = 0,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Before the credentials are read: refuses an address that has failed too often this minute. */
  async check(sourceIp: string | undefined): Promise<RateDecision> {
    const key = clientKey(sourceIp);
    const now = this.clock().getTime();
    const remembered = this.refusal(key, now);
    if (remembered) return remembered;
    const { bucket, endMs } = this.window(key, now);
    if ((await this.counter.failures(bucket)) < this.maxPerMinute) return { allowed: true };
    this.block(key, endMs, now);
    return this.refusal(key, now)!;
  }

  /** After credentials were refused: counts the failure, and remembers the address once it is over the limit. */
  async recordFailure(sourceIp: string | undefined): Promise<void> {
    const key = clientKey(sourceIp);
    const now = this.clock().getTime();
    const { bucket, endMs } = this.window(key, now);
    const total = await this.counter.addFailure(bucket, Math.ceil(endMs / 1000) + 60);
    if (total >= this.maxPerMinute) this.block(key, endMs, now);
  }

  private window(key: string, now: number) {
    const index = Math.floor(now / WINDOW_MS);
    return { bucket: `authfail#${key}#${index}`, endMs: (index + 1) * WINDOW_MS };
  }

  private refusal(key: string, now: number): RateDecision | undefined {
    const until = this.blockedUntil.get(key);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.blockedUntil.delete(key);
      return undefined;
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
  }

  private block(key: string, until: number, now: number): void {
    if (this.blockedUntil.size >= MEMORY_LIMIT) {
      for (const [k, u] of this.blockedUntil) if (u <= now) this.blockedUntil.delete(k);
      while (this.blockedUntil.size >= MEMORY_LIMIT) this.blockedUntil.delete(this.blockedUntil.keys().next().value!);
    }
    this.blockedUntil.delete(key);
    this.blockedUntil.set(key, until);
  }
}
