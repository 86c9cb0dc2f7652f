// Per-endpoint isolation (SPEC §9), as pure decisions: which lane serves an endpoint, whether its
// circuit lets an attempt through, and how one attempt's result changes its health.
//
// - An attempt still unanswered after `slowAfterMs` moves its endpoint to the slow lane (its own
//   queue, function and concurrency), so a slow or silent endpoint holds no slot that healthy
//   endpoints need. Quick answers there (`fastStreakToReturn` in a row) bring it back.
// - Until then, an endpoint with `maxInFlight` attempts waiting in one function instance, the
//   oldest for more than `overflowAfterMs`, gets no more there: its next jobs go to the slow lane.
//   So a silent endpoint holds at most a few fast-lane batches, whatever its event rate.
// - `failureThreshold` failures in a row open the circuit: no attempt is made until the next
//   probe time; one attempt (the probe) goes through per `probeIntervalMs`; the first success
//   closes it. An attempt that comes due while the circuit is open is recorded as a failed
//   attempt (`circuit_open`) and keeps its place in the retry schedule.
import type { Lane } from './delivery.js';

export type EndpointHealth = {
  webhookId: string;
  lane: Lane;
  consecutiveFailures: number;
  circuit: 'closed' | 'open';
  /** Epoch ms from which the next probe may go (open circuit). */
  probeAt: number | null;
  /** Slow lane: quick successes in a row. */
  fastStreak: number;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  /** The first failure since the last success (auto-disable counts from here); null while healthy. */
  failingSince: string | null;
};

export type IsolationPolicy = {
  slowAfterMs: number;
  maxInFlight: number;
  overflowAfterMs: number;
  failureThreshold: number;
  probeIntervalMs: number;
  fastStreakToReturn: number;
  /**
   * A success on a healthy endpoint writes nothing, except that `lastSuccessAt` is brought up to
   * date when it is older than this (HEALTH_SUCCESS_REFRESH_SECONDS): at most one write per
   * endpoint and interval keeps the webhook's `health.last_success_at` this current.
   */
  successRefreshMs: number;
};

export const healthyEndpoint = (webhookId: string): EndpointHealth => ({
  webhookId,
  lane: 'fast',
  consecutiveFailures: 0,
  circuit: 'closed',
  probeAt: null,
  fastStreak: 0,
  lastSuccessAt: null,
  lastFailureAt: null,
  failingSince: null,
});

export type Admission = 'attempt' | 'probe' | 'hold' | 'move_to_slow_lane';

/** Attempts to one endpoint waiting in this instance: how many, and since when the oldest (epoch ms). */
export type InFlight = { count: number; oldestStartedAt: number | null };

/** What to do with a job for this endpoint that is due now, received on `lane`. */
export function admission(health: EndpointHealth, lane: Lane, now: number, inFlight: InFlight, policy: IsolationPolicy): Admission {
  if (lane === 'fast' && health.lane === 'slow') return 'move_to_slow_lane';
  const overflowing = inFlight.count >= policy.maxInFlight && inFlight.oldestStartedAt !== null && now - inFlight.oldestStartedAt > policy.overflowAfterMs;
  if (lane === 'fast' && overflowing) return 'move_to_slow_lane';
  if (health.circuit === 'open') return health.probeAt !== null && now >= health.probeAt ? 'probe' : 'hold';
  return 'attempt';
}

export type AttemptResult = { ok: boolean; timedOut: boolean; responseTimeMs: number | null };

/**
 * The endpoint's health after one attempt made on `lane`, or undefined when nothing changed —
 * the healthy path (a quick success on a healthy endpoint) writes nothing.
 */
export function afterAttempt(
  health: EndpointHealth,
  result: AttemptResult,
  lane: Lane,
  policy: IsolationPolicy,
  now: Date,
): EndpointHealth | undefined {
  if (result.ok) {
    const quick = (result.responseTimeMs ?? Infinity) < policy.slowAfterMs;
    if (lane === 'fast' && health.consecutiveFailures === 0 && health.circuit === 'closed') {
      const fresh = health.lastSuccessAt !== null && now.getTime() - Date.parse(health.lastSuccessAt) < policy.successRefreshMs;
      return fresh ? undefined : { ...health, lastSuccessAt: now.toISOString(), failingSince: null };
    }
    const fastStreak = lane === 'slow' && quick ? health.fastStreak + 1 : 0;
    const backToFast = health.lane === 'slow' && fastStreak >= policy.fastStreakToReturn;
    return {
      ...health,
      lane: backToFast ? 'fast' : health.lane,
      consecutiveFailures: 0,
      circuit: 'closed',
      probeAt: null,
      fastStreak: backToFast ? 0 : fastStreak,
      lastSuccessAt: now.toISOString(),
      failingSince: null,
    };
  }
  const consecutiveFailures = health.consecutiveFailures + 1;
  const opens = health.circuit === 'open' || consecutiveFailures >= policy.failureThreshold;
  return {
    ...health,
    lane: result.timedOut ? 'slow' : health.lane,
    consecutiveFailures,
    circuit: opens ? 'open' : 'closed',
    probeAt: opens ? now.getTime() + policy.probeIntervalMs : null,
    fastStreak: 0,
    lastFailureAt: now.toISOString(),
    failingSince: (health.consecutiveFailures > 0 ? health.failingSince : null) ?? now.toISOString(),
  };
}

/** An attempt on the fast lane has waited `slowAfterMs`: the endpoint moves to the slow lane. */
export const markedSlow = (health: EndpointHealth): EndpointHealth | undefined =>
  health.lane === 'slow' ? undefined : { ...health, lane: 'slow', fastStreak: 0 };

/** The webhook object's `health` (SPEC §7); `unknown` when no attempt was ever recorded. */
export type PublicHealth = {
  state: 'healthy' | 'failing' | 'unknown';
  consecutive_failures: number;
  last_success_at: string | null;
  last_failure_at: string | null;
};

export function toPublicHealth(health: EndpointHealth | undefined): PublicHealth {
  const attempted = health !== undefined && (health.lastSuccessAt !== null || health.lastFailureAt !== null);
  return {
    state: !attempted ? 'unknown' : health.consecutiveFailures > 0 ? 'failing' : 'healthy',
    consecutive_failures: health?.consecutiveFailures ?? 0,
    last_success_at: health?.lastSuccessAt ?? null,
    last_failure_at: health?.lastFailureAt ?? null,
  };
}
