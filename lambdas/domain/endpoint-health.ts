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
//   attempt (`circuit_open`) and keeps its place in the retry schedule — unless the partner asked
//   for it (redeliver, recover, test): such a job is never ended by a hold, it waits (`heldWait`).
// - A partner action tells us the endpoint is back: the circuit half-opens (`halfOpened`: the
//   next probe is due now), so the first delivery goes at once as the probe; while it is out,
//   the partner's other jobs look again within seconds, and its success lets them all through.
// - Each change of the stored health is conditional on its `version`: two instances never write
//   a transition over each other (the loser reads again and applies its change to the new state).
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
  /** Epoch ms at which the last probe was taken: while it may still be waiting for its answer, a probe is out. */
  probeTakenAt: number | null;
  /** The stored item's version (0: none stored); every write is conditional on it. */
  version: number;
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
  /** How long a probe may wait for its answer (the delivery timeout and a margin): until then it is out. */
  probeAnswerMs: number;
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
  probeTakenAt: null,
  version: 0,
});

export type Admission = 'attempt' | 'probe' | 'hold' | 'move_to_slow_lane' | 'move_to_fast_lane';

/** Attempts to one endpoint waiting in this instance: how many, and since when the oldest (epoch ms). */
export type InFlight = { count: number; oldestStartedAt: number | null };

/**
 * What to do with a job for this endpoint that is due now, received on `lane`. `retry`: the job
 * is an ordinary retry (not a first attempt, not one the partner asked for): the sweeper re-queues
 * those on the slow lane, and one whose endpoint is healthy again — fast lane, circuit closed, no
 * failure since its last success — goes back to the fast lane, so a healthy endpoint's
 * one-off 5xx never waits behind the slow endpoints. First attempts that overflowed there and
 * partner-requested jobs (a recover's are paced on the slow lane) stay.
 */
export function admission(health: EndpointHealth, lane: Lane, now: number, inFlight: InFlight, policy: IsolationPolicy, retry = false): Admission {
  if (lane === 'fast' && health.lane === 'slow') return 'move_to_slow_lane';
  if (lane === 'slow' && retry && health.lane === 'fast' && health.circuit === 'closed' && health.consecutiveFailures === 0) return 'move_to_fast_lane';
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
      probeTakenAt: null,
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
    probeTakenAt: null,
    fastStreak: 0,
    lastFailureAt: now.toISOString(),
    failingSince: (health.consecutiveFailures > 0 ? health.failingSince : null) ?? now.toISOString(),
  };
}

/**
 * On the slow lane, an endpoint that is not answering at all — `maxInFlight` attempts waiting in
 * this instance, the oldest for longer than twice `slowAfterMs`, and no answer seen meanwhile — gets
 * no more attempts until one answers (its next jobs wait a moment instead, DEFER_MS): a dark
 * endpoint holds a few of the slow lane's slots, not hundreds, in the seconds before its circuit
 * opens; an endpoint that answers, however slowly, keeps every slot it can use.
 */
export function unanswered(inFlight: InFlight, lastAnswerAt: number | undefined, now: number, policy: IsolationPolicy): boolean {
  // At least `failureThreshold` attempts stay out: their timeouts open the circuit in one round,
  // instead of a second round 10 s later while the endpoint's jobs keep waiting.
  if (inFlight.count < Math.max(policy.maxInFlight, policy.failureThreshold) || inFlight.oldestStartedAt === null) return false;
  return now - Math.max(inFlight.oldestStartedAt, lastAnswerAt ?? -Infinity) > 2 * policy.slowAfterMs;
}

/** How long a job waits while its endpoint is unanswered, at least (plus up to as much again, jittered). */
export const UNANSWERED_DEFER_MS = 2000;

/**
 * Until when a job for an unanswered endpoint waits: until its oldest waiting attempt has had its
 * answer or its timeout (`probeAnswerMs` after it started), jittered — by then the endpoint has
 * answered or failed, and its circuit may be open. Not a fixed few seconds: a dark endpoint's jobs
 * would each come back (a send, a receive, a delete) several times before that, and hundreds of
 * them at once are work for nothing.
 */
export function unansweredWaitUntil(oldestStartedAt: number, now: number, policy: IsolationPolicy, random: () => number): number {
  return Math.max(now + UNANSWERED_DEFER_MS * (1 + random()), oldestStartedAt + policy.probeAnswerMs + UNANSWERED_DEFER_MS * random());
}

/** A job the partner asked for looks again this soon while a probe is out (its answer lets it through). */
export const REQUESTED_RECHECK_MS = 1000;

/**
 * Where a job the partner asked for waits when the circuit holds it (SPEC §9: never ended by a
 * hold). While a probe is out, it looks again in a moment, from the queue (`parked` false), so
 * the probe's success lets it through at once; otherwise it is parked (not in flight) until the
 * next probe time, when it may be the probe itself.
 */
export function heldWait(health: EndpointHealth, now: number, policy: IsolationPolicy): { until: number; parked: boolean } {
  const probeOut = health.probeTakenAt !== null && now - health.probeTakenAt < policy.probeAnswerMs;
  if (probeOut || health.probeAt === null || health.probeAt <= now) return { until: now + REQUESTED_RECHECK_MS, parked: false };
  return { until: health.probeAt, parked: true };
}

/**
 * A partner action (recover, redeliver, test, PATCH to active) says the endpoint is back: an open
 * circuit half-opens — its next probe is due now. undefined when there is nothing to change.
 */
export const halfOpened = (health: EndpointHealth, now: number): EndpointHealth | undefined =>
  health.circuit === 'open' && (health.probeAt === null || health.probeAt > now) ? { ...health, probeAt: now } : undefined;

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
