// Which lane serves each endpoint, for the fan-out: a job for an endpoint already on the slow lane
// is queued there directly, instead of passing through the fast lane to be moved (a receive, a
// send and a delete each, and fast-lane slots held meanwhile). The endpoints' health items are
// read in one BatchGetItem for those not seen within `ttlMs` (ENDPOINT_CACHE_TTL_MS, as the
// delivery functions' own cache), so an endpoint costs at most one read a second per instance. A
// stale or failed read only sends a job to the fast lane, whose worker moves it as before.
import { type Clock, systemClock } from '../domain/clock.js';
import type { Lane } from '../domain/delivery.js';
import type { EndpointHealth } from '../domain/endpoint-health.js';
import { PromiseCache } from '../shared/promise-cache.js';

const MAX_ENTRIES = 5000;

export class EndpointLanes {
  private readonly cache: PromiseCache<Lane>;

  constructor(
    private readonly store: { getMany(webhookIds: string[]): Promise<Map<string, EndpointHealth>> },
    ttlMs: number,
    clock: Clock = systemClock,
  ) {
    this.cache = new PromiseCache({ ttlMs, maxEntries: MAX_ENTRIES, clock });
  }

  /** The lane of each webhook's endpoint: the fast lane unless its health says slow. */
  async lanesOf(webhookIds: string[]): Promise<Map<string, Lane>> {
    // The ids not cached are read together: each one's entry is its share of that one read.
    const misses: string[] = [];
    const batch = deferred<Map<string, EndpointHealth>>();
    const pending = webhookIds.map((id) =>
      this.cache
        .get(id, () => {
          misses.push(id);
          return batch.promise.then((found) => found.get(id)?.lane ?? 'fast');
        })
        .catch((): Lane => 'fast'),
    );
    if (misses.length > 0) this.store.getMany(misses).then(batch.resolve, batch.reject);
    const lanes = await Promise.all(pending);
    return new Map(webhookIds.map((id, i) => [id, lanes[i]!]));
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
