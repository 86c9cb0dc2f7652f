// One promise per key, shared by every caller while it is pending and for `ttlMs` after it
// started: overlapping reads of the same item make one call. A rejected promise is forgotten at
// once, and when full the oldest entry goes first. The delivery path's caches (webhooks, endpoint
// health, decrypted secrets) are all this one.
import { type Clock, systemClock } from '../domain/clock.js';

type Entry<V> = { value: Promise<V>; startedAt: number; settled: boolean };

export class PromiseCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly clock: Clock;

  constructor(private readonly options: { ttlMs: number; maxEntries: number; clock?: Clock }) {
    this.clock = options.clock ?? systemClock;
  }

  /** The remembered promise for `key` if still fresh, else `load()`'s, remembered. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && this.fresh(hit)) return hit.value;
    return this.set(key, load());
  }

  /** Remembers `value` for `key` from now, in place of what was there. */
  set(key: string, value: Promise<V>): Promise<V> {
    const entry: Entry<V> = { value, startedAt: this.clock().getTime(), settled: false };
    this.entries.delete(key); // set again: the newest entry
    this.entries.set(key, entry);
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    value.then(
      () => {
        entry.settled = true;
        if (!this.fresh(entry)) this.forget(key, entry);
      },
      () => this.forget(key, entry),
    );
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  private fresh(entry: Entry<V>): boolean {
    return !entry.settled || this.clock().getTime() - entry.startedAt < this.options.ttlMs;
  }

  private forget(key: string, entry: Entry<V>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}
