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
import type { Lane } from '../domain/delivery.js';
import type { EndpointStore } from '../stores/endpoint-store.js';

type Entry = { health: Promise<EndpointHealth>; readAt: number };

const MAX_ENTRIES = 5000;

export class EndpointTracker {
  private readonly entries = new Map<string, Entry>();
  /** Start times of the attempts waiting in this instance, per endpoint. */
  private readonly inFlight = new Map<string, number[]>();

  constructor(
    private readonly deps: {
      store: Pick<EndpointStore, 'get' | 'put' | 'takeProbe'>;
      policy: IsolationPolicy;
      cacheTtlMs: number;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  get policy(): IsolationPolicy {
    return this.deps.policy;
  }

  health(webhookId: string): Promise<EndpointHealth> {
    const now = this.now().getTime();
    const cached = this.entries.get(webhookId);
    if (cached && now - cached.readAt < this.deps.cacheTtlMs) return cached.health;
    const health = this.deps.store.get(webhookId).then((h) => h ?? healthyEndpoint(webhookId));
    this.remember(webhookId, health, now);
    // A failed read is not remembered.
    health.catch(() => this.entries.get(webhookId)?.health === health && this.entries.delete(webhookId));
    return health;
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
    this.remember(webhookId, Promise.resolve({ ...health, probeAt: next }), now);
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
    this.remember(webhookId, Promise.resolve(changed), this.now().getTime());
    await this.deps.store.put(changed, this.now());
    return changed;
  }

  private remember(webhookId: string, health: Promise<EndpointHealth>, readAt: number): void {
    if (!this.entries.has(webhookId) && this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(webhookId, { health, readAt });
  }
}
