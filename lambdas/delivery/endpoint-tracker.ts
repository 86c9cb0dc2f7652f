// The delivery function's view of endpoint health: read through a short per-process cache
// (healthy deliveries cost no write and about one read per endpoint per second), changed in the
// cache at once — so this instance reacts to a slow endpoint within the same batch — and written
// through to the shared store for the other instances.
import {
  type Admission,
  admission,
  afterAttempt,
  type AttemptResult,
  type EndpointHealth,
  healthyEndpoint,
  type IsolationPolicy,
  markedSlow,
} from '../domain/endpoint-health.js';
import { type Clock, systemClock } from '../domain/clock.js';
import type { Lane } from '../domain/delivery.js';
import { PromiseCache } from '../shared/promise-cache.js';
import type { EndpointStore } from '../stores/endpoint-store.js';

const MAX_ENTRIES = 5000;

export class EndpointTracker {
  private readonly cache: PromiseCache<EndpointHealth>;
  /** Start times of the attempts waiting in this instance, per endpoint. */
  private readonly inFlight = new Map<string, number[]>();

  constructor(
    private readonly deps: {
      store: Pick<EndpointStore, 'get' | 'put' | 'takeProbe'>;
      policy: IsolationPolicy;
      cacheTtlMs: number;
      now?: Clock;
    },
  ) {
    this.cache = new PromiseCache({ ttlMs: deps.cacheTtlMs, maxEntries: MAX_ENTRIES, clock: this.now });
  }

  private readonly now: Clock = () => (this.deps.now ?? systemClock)();

  get policy(): IsolationPolicy {
    return this.deps.policy;
  }

  health(webhookId: string): Promise<EndpointHealth> {
    return this.cache.get(webhookId, () => this.deps.store.get(webhookId).then((h) => h ?? healthyEndpoint(webhookId)));
  }

  /** Whether a due job may be attempted now; an open circuit lets one probe through per interval. */
  async admit(webhookId: string, lane: Lane): Promise<Admission> {
    const health = await this.health(webhookId);
    const now = this.now().getTime();
    const waiting = this.inFlight.get(webhookId) ?? [];
    const decision = admission(health, lane, now, { count: waiting.length, oldestStartedAt: waiting[0] ?? null }, this.deps.policy);
    if (decision !== 'probe') return decision;
    const next = now + this.deps.policy.probeIntervalMs;
    const won = await this.deps.store.takeProbe(webhookId, health.probeAt!, next);
    this.cache.set(webhookId, Promise.resolve({ ...health, probeAt: next }));
    return won ? 'probe' : 'hold';
  }

  /** Counts an attempt as waiting until the returned function is called. */
  track(webhookId: string): () => void {
    const started = this.now().getTime();
    const waiting = this.inFlight.get(webhookId) ?? [];
    waiting.push(started);
    this.inFlight.set(webhookId, waiting);
    return () => {
      waiting.splice(waiting.indexOf(started), 1);
      if (waiting.length === 0 && this.inFlight.get(webhookId) === waiting) this.inFlight.delete(webhookId);
    };
  }

  /** Called while an attempt on the fast lane is still waiting after `slowAfterMs`. */
  async markSlow(webhookId: string): Promise<void> {
    await this.change(webhookId, markedSlow);
  }

  /** The endpoint's health after this result (auto-disable reads `failingSince` from it). */
  async recordResult(webhookId: string, result: AttemptResult, lane: Lane): Promise<EndpointHealth> {
    return this.change(webhookId, (h) => afterAttempt(h, result, lane, this.deps.policy, this.now()));
  }

  private async change(webhookId: string, next: (h: EndpointHealth) => EndpointHealth | undefined): Promise<EndpointHealth> {
    const current = await this.health(webhookId);
    const changed = next(current);
    if (!changed) return current;
    this.cache.set(webhookId, Promise.resolve(changed));
    await this.deps.store.put(changed, this.now());
    return changed;
  }
}
