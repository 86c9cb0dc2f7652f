// The delivery function's view of endpoint health: read through a short per-process cache
// (healthy deliveries cost no write and about one read per endpoint per second), changed in the
// cache at once — so this instance reacts to a slow endpoint within the same batch — and written
// through to the shared store for the other instances, conditionally on the version it read: when
// another instance wrote first, the change is applied again to what that instance wrote.
import {
  type Admission,
  admission,
  afterAttempt,
  type AttemptResult,
  type EndpointHealth,
  healthyEndpoint,
  heldWait,
  type IsolationPolicy,
  markedSlow,
  unanswered,
  unansweredWaitUntil,
} from '../domain/endpoint-health.js';
import { type Clock, clockOf } from '../domain/clock.js';
import type { Lane } from '../domain/delivery.js';
import { PromiseCache } from '../shared/promise-cache.js';
import { SerialPerKey } from '../shared/serial-per-key.js';
import type { EndpointStore, HealthChange } from '../stores/endpoint-store.js';

const MAX_ENTRIES = 5000;

/** A job the partner asked for, held by the circuit: when to look again, and whether it waits parked (not in flight). */
export type Wait = { wait: true; until: number; parked: boolean };

export class EndpointTracker {
  private readonly cache: PromiseCache<EndpointHealth>;
  /** Start times of the attempts waiting in this instance, per endpoint. */
  private readonly inFlight = new Map<string, number[]>();
  /** When this instance last had an answer (any HTTP status, or a refusal) from each endpoint. */
  private readonly lastAnswer = new Map<string, number>();
  /** Changes of each endpoint's health written by this instance, one at a time. */
  private readonly writing = new SerialPerKey();

  constructor(
    private readonly deps: {
      store: Pick<EndpointStore, 'get' | 'save' | 'change' | 'takeProbe'>;
      policy: IsolationPolicy;
      cacheTtlMs: number;
      now?: Clock;
    },
  ) {
    this.cache = new PromiseCache({ ttlMs: deps.cacheTtlMs, maxEntries: MAX_ENTRIES, clock: this.now });
  }

  private readonly now: Clock = () => clockOf(this.deps)();

  get policy(): IsolationPolicy {
    return this.deps.policy;
  }

  health(webhookId: string): Promise<EndpointHealth> {
    return this.cache.get(webhookId, () => this.deps.store.get(webhookId).then((h) => h ?? healthyEndpoint(webhookId)));
  }

  /**
   * Whether a due job may be attempted now; an open circuit lets one probe through per interval.
   * A job the partner asked for is never held: it gets a `Wait` instead, decided on the stored
   * health as it is now (not a cached copy that may miss a half-open or a probe's success).
   */
  async admit(webhookId: string, lane: Lane, requested = false, retry = false, random: () => number = Math.random): Promise<Admission | Wait> {
    let decision = await this.decide(webhookId, lane, retry);
    if (decision === 'attempt' && lane === 'slow' && this.isUnanswered(webhookId)) {
      const oldest = this.inFlight.get(webhookId)![0]!;
      return { wait: true, until: unansweredWaitUntil(oldest, this.now().getTime(), this.deps.policy, random), parked: false };
    }
    if (decision !== 'hold' || !requested) return decision;
    this.refresh(webhookId);
    decision = await this.decide(webhookId, lane, retry);
    if (decision !== 'hold') return decision;
    return { wait: true, ...heldWait(await this.health(webhookId), this.now().getTime(), this.deps.policy) };
  }

  private async decide(webhookId: string, lane: Lane, retry: boolean): Promise<Admission> {
    const health = await this.health(webhookId);
    const now = this.now().getTime();
    const waiting = this.inFlight.get(webhookId) ?? [];
    const decision = admission(health, lane, now, { count: waiting.length, oldestStartedAt: waiting[0] ?? null }, this.deps.policy, retry);
    if (decision !== 'probe') return decision;
    const next = now + this.deps.policy.probeIntervalMs;
    const won = await this.deps.store.takeProbe(webhookId, health.probeAt!, next, now);
    if (won) this.cache.set(webhookId, Promise.resolve({ ...health, probeAt: next, probeTakenAt: now, version: health.version + 1 }));
    // Another instance took it: read what it wrote (once per cache period) instead of trying again.
    else this.refresh(webhookId);
    return won ? 'probe' : 'hold';
  }

  private isUnanswered(webhookId: string): boolean {
    const waiting = this.inFlight.get(webhookId) ?? [];
    return unanswered({ count: waiting.length, oldestStartedAt: waiting[0] ?? null }, this.lastAnswer.get(webhookId), this.now().getTime(), this.deps.policy);
  }

  /** Reads the stored health again (consistently) for this and the next callers. */
  private refresh(webhookId: string): void {
    this.cache.set(webhookId, this.deps.store.get(webhookId, { consistent: true }).then((h) => h ?? healthyEndpoint(webhookId)));
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

  /** The endpoint answered (in this instance): it is not dark, however slow. */
  noteAnswer(webhookId: string): void {
    this.lastAnswer.delete(webhookId); // the newest last, so the oldest go first when full
    this.lastAnswer.set(webhookId, this.now().getTime());
    if (this.lastAnswer.size > MAX_ENTRIES) this.lastAnswer.delete(this.lastAnswer.keys().next().value!);
  }

  /** Called while an attempt on the fast lane is still waiting after `slowAfterMs`. */
  async markSlow(webhookId: string): Promise<void> {
    await this.change(webhookId, markedSlow);
  }

  /** The endpoint's health after this result (auto-disable reads `failingSince` from it). */
  async recordResult(webhookId: string, result: AttemptResult, lane: Lane): Promise<EndpointHealth> {
    if (!result.timedOut) this.noteAnswer(webhookId);
    return this.change(webhookId, (h) => afterAttempt(h, result, lane, this.deps.policy, this.now()));
  }

  /**
   * One change at a time per endpoint in this instance, each from the state the previous one wrote:
   * concurrent attempts of one batch never race each other's conditional writes (only other
   * instances can, and then the change is applied again to what they wrote).
   */
  private change(webhookId: string, next: HealthChange): Promise<EndpointHealth> {
    return this.writing.run(webhookId, () => this.write(webhookId, next));
  }

  private async write(webhookId: string, next: HealthChange): Promise<EndpointHealth> {
    const current = await this.health(webhookId);
    const changed = next(current);
    if (!changed) return current;
    this.cache.set(webhookId, Promise.resolve(changed));
    const now = this.now();
    // Written over the version this instance read; if another wrote since, applied to theirs.
    const saved = (await this.deps.store.save(changed, now)) ? { ...changed, version: current.version + 1 } : await this.deps.store.change(webhookId, next, now);
    this.cache.set(webhookId, Promise.resolve(saved));
    return saved;
  }
}
