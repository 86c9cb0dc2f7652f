// Per-API-key request limits (SPEC §2): at most N accepted requests in ANY rolling second and M in
// any rolling minute, shared by every function instance.
//
// One item per key holds, for each limit, the accepted requests counted in small time slots
// (100 ms for the second, 1 s for the minute), each with the time of its latest request. A request
// is accepted only if the slots still in the last second (minute) hold fewer than N (M): a slot
// counts until its latest request has left the window, so the count can only err high, and no
// rolling window ever holds more than the
// limit (unlike fixed or weighted windows, or a token bucket, which lets 2N through across a
// boundary). The item is read consistently and written back with a conditional update on its
// version; a writer that lost the race reads again. Within one instance, concurrent checks of a
// key are decided together in one read and one write, so they do not race each other.
// Refused requests are not counted.

/** Per slot: its index, the requests accepted in it, and the time (ms) of the latest of them. */
import { type Clock, systemClock } from './clock.js';

export type SlotCounts = [slot: number, count: number, lastMs: number][];
export type RateLimitState = { second: SlotCounts; minute: SlotCounts };

/** The storage the limiter needs (lambdas/stores/rate-limit-store.ts implements it on DynamoDB). */
export interface RateLimitStateStore {
  /** The key's state and its version (undefined when the key has none yet). Strongly consistent. */
  read(key: string): Promise<{ state: RateLimitState; version: number } | undefined>;
  /** Writes the state if the stored version is still `expectedVersion` (undefined: no item yet); false otherwise. */
  write(key: string, state: RateLimitState, expectedVersion: number | undefined, expiresAtSeconds: number): Promise<boolean>;
}

export type RateLimits = { perSecond: number; perMinute: number };
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type Window = { lengthMs: number; slotMs: number; limit: number; field: keyof RateLimitState };

/** How often a check re-reads after losing a write race before it refuses (fail closed). */
const MAX_WRITE_ATTEMPTS = 8;
/** The item outlives the longest window a little, then DynamoDB's TTL removes it. */
const STATE_TTL_SECONDS = 120;

type Waiting = { at: () => number; resolve: (d: RateDecision) => void; reject: (e: unknown) => void };

export class RateLimiter {
  private readonly windows: Window[];
  private readonly queues = new Map<string, Waiting[]>();

  constructor(
    private readonly store: RateLimitStateStore,
    limits: RateLimits,
    private readonly clock: Clock = systemClock,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.windows = [
      { lengthMs: 60_000, slotMs: 1000, limit: limits.perMinute, field: 'minute' },
      { lengthMs: 1000, slotMs: 100, limit: limits.perSecond, field: 'second' },
    ];
  }

  /** Accepts (and counts) the request or refuses it with the seconds to wait. `now` overrides the clock. */
  check(key: string, now?: Date): Promise<RateDecision> {
    return new Promise((resolve, reject) => {
      const at = () => (now ?? this.clock()).getTime();
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ at, resolve, reject });
        return;
      }
      this.queues.set(key, [{ at, resolve, reject }]);
      void this.drain(key);
    });
  }

  /** Decides every check waiting for `key`, a batch at a time, until none is left. */
  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      try {
        const decisions = await this.decide(key, batch);
        batch.forEach((w, i) => w.resolve(decisions[i]!));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.queues.delete(key);
  }

  private async decide(key: string, batch: Waiting[]): Promise<RateDecision[]> {
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const stored = await this.store.read(key);
      const state: RateLimitState = stored ? { second: [...stored.state.second], minute: [...stored.state.minute] } : { second: [], minute: [] };
      let nowMs = 0;
      const decisions = batch.map((w) => {
        nowMs = Math.max(nowMs, w.at());
        return this.admit(state, nowMs);
      });
      if (!decisions.some((d) => d.allowed)) return decisions;
      const expiresAt = Math.ceil(nowMs / 1000) + STATE_TTL_SECONDS;
      if (await this.store.write(key, state, stored?.version, expiresAt)) return decisions;
      await this.pause(Math.random() * 10 * attempt);
    }
    return batch.map(() => ({ allowed: false, retryAfterSeconds: 1 }));
  }

  /** Accepts one request at `nowMs` into `state` (mutated) if every window has room. */
  private admit(state: RateLimitState, nowMs: number): RateDecision {
    let waitMs = 0;
    for (const w of this.windows) {
      state[w.field] = inWindow(state[w.field], w, nowMs);
      waitMs = Math.max(waitMs, waitForRoom(state[w.field], w, nowMs));
    }
    if (waitMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    for (const w of this.windows) {
      const slots = state[w.field];
      const slot = Math.floor(nowMs / w.slotMs);
      const last = slots.at(-1);
      if (last && last[0] === slot) slots[slots.length - 1] = [slot, last[1] + 1, Math.max(last[2], nowMs)];
      else slots.push([slot, 1, nowMs]);
    }
    return { allowed: true };
  }
}

/** The slots whose latest request is still in the window ending at `nowMs`. */
function inWindow(slots: SlotCounts, w: Window, nowMs: number): SlotCounts {
  return slots.filter(([, , lastMs]) => lastMs > nowMs - w.lengthMs);
}

/** 0 when one more request fits; otherwise how long until enough old slots have left the window. */
function waitForRoom(slots: SlotCounts, w: Window, nowMs: number): number {
  let total = slots.reduce((sum, [, count]) => sum + count, 0);
  if (total < w.limit) return 0;
  for (const [, count, lastMs] of slots) {
    total -= count;
    // This slot leaves the window once its latest request has.
    if (total < w.limit) return lastMs + w.lengthMs - nowMs;
  }
  return w.lengthMs;
}
