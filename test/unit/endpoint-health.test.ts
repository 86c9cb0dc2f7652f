// Endpoint health as the webhook object shows it (SPEC §7): last_success_at kept current with at
// most one write per refresh interval, failingSince for auto-disable, and the auto-disable rule.
import { autoDisableReason } from '../../lambdas/domain/auto-disable.js';
import { parseConfig } from '../../lambdas/shared/config.js';
import {
  unansweredWaitUntil,
  UNANSWERED_DEFER_MS,
  admission,
  afterAttempt,
  unanswered,
  type EndpointHealth,
  halfOpened,
  healthyEndpoint,
  heldWait,
  type IsolationPolicy,
  toPublicHealth,
} from '../../lambdas/domain/endpoint-health.js';

/** The default policy with the values these tests rely on spelled out. */
const POLICY: IsolationPolicy = { ...parseConfig({}).isolation, slowAfterMs: 1000, failureThreshold: 5, probeIntervalMs: 60_000, successRefreshMs: 300_000 };
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const ok = { ok: true, timedOut: false, responseTimeMs: 20 };
const fail = { ok: false, timedOut: false, responseTimeMs: 20 };

/** Applies results in turn as the tracker does (a change replaces the health; undefined keeps it); counts the writes. */
function run(steps: [typeof ok, number][], start: EndpointHealth = healthyEndpoint('w')) {
  let health = start;
  let writes = 0;
  for (const [result, ms] of steps) {
    const next = afterAttempt(health, result, 'fast', POLICY, at(ms));
    if (next) {
      health = next;
      writes++;
    }
  }
  return { health, writes };
}

describe('afterAttempt: last_success_at without a write per delivery', () => {
  it('writes the first success, then at most once per refresh interval while healthy', () => {
    const steps: [typeof ok, number][] = [];
    for (let s = 0; s <= 600; s += 1) steps.push([ok, s * 1000]); // one success a second for 10 minutes
    const { health, writes } = run(steps);
    expect(writes).toBe(3); // t=0, t=300 s, t=600 s
    expect(health.lastSuccessAt).toBe(at(600_000).toISOString());
    expect(health.consecutiveFailures).toBe(0);
  });

  it('writes nothing for a success within the interval of the last one written', () => {
    const fresh = { ...healthyEndpoint('w'), lastSuccessAt: at(0).toISOString() };
    expect(afterAttempt(fresh, ok, 'fast', POLICY, at(299_999))).toBeUndefined();
    expect(afterAttempt(fresh, ok, 'fast', POLICY, at(300_000))?.lastSuccessAt).toBe(at(300_000).toISOString());
  });

  it('counts failingSince from the first failure after a success, and clears it on the next success', () => {
    const { health } = run([[ok, 0], [fail, 1000], [fail, 5000], [fail, 9000]]);
    expect(health).toMatchObject({ consecutiveFailures: 3, failingSince: at(1000).toISOString(), lastFailureAt: at(9000).toISOString() });
    const recovered = afterAttempt(health, ok, 'fast', POLICY, at(10_000))!;
    expect(recovered).toMatchObject({ consecutiveFailures: 0, failingSince: null, lastSuccessAt: at(10_000).toISOString() });
  });

  it('starts failingSince at the next failure when an item written before it existed is failing', () => {
    const legacy = { ...healthyEndpoint('w'), consecutiveFailures: 2, lastFailureAt: at(0).toISOString() };
    expect(afterAttempt(legacy, fail, 'fast', POLICY, at(500))!.failingSince).toBe(at(500).toISOString());
  });
});

describe('toPublicHealth', () => {
  it('is unknown without an item or before any attempt, failing after a failure, healthy after a success', () => {
    const none = { state: 'unknown', consecutive_failures: 0, last_success_at: null, last_failure_at: null };
    expect(toPublicHealth(undefined)).toEqual(none);
    expect(toPublicHealth({ ...healthyEndpoint('w'), lane: 'slow' })).toEqual(none); // marked slow, never answered
    expect(toPublicHealth(run([[fail, 0]]).health)).toEqual({ state: 'failing', consecutive_failures: 1, last_success_at: null, last_failure_at: at(0).toISOString() });
    expect(toPublicHealth(run([[fail, 0], [ok, 1]]).health)).toEqual({
      state: 'healthy',
      consecutive_failures: 0,
      last_success_at: at(1).toISOString(),
      last_failure_at: at(0).toISOString(),
    });
  });
});

describe('autoDisableReason', () => {
  const DAY = 86_400_000;
  const webhook = { activeSince: at(0).toISOString() };
  const failing = (sinceMs: number) => ({ failingSince: at(sinceMs).toISOString() });
  const result500 = { ok: false, httpStatus: 500 };

  it('disables at once on 410 Gone, whatever the health', () => {
    expect(autoDisableReason({ ok: false, httpStatus: 410 }, undefined, webhook, at(1), 5 * DAY)).toBe('gone');
  });

  it('disables when failing for the whole threshold, not a millisecond before', () => {
    expect(autoDisableReason(result500, failing(DAY), webhook, at(6 * DAY - 1), 5 * DAY)).toBeUndefined();
    expect(autoDisableReason(result500, failing(DAY), webhook, at(6 * DAY), 5 * DAY)).toBe('failing');
    expect(autoDisableReason({ ok: false, httpStatus: null }, failing(DAY), webhook, at(6 * DAY), 5 * DAY)).toBe('failing');
  });

  it('never on a success, nor without a failure streak', () => {
    expect(autoDisableReason({ ok: true, httpStatus: 200 }, failing(0), webhook, at(10 * DAY), 5 * DAY)).toBeUndefined();
    expect(autoDisableReason(result500, { failingSince: null }, webhook, at(10 * DAY), 5 * DAY)).toBeUndefined();
  });

  it('counts from the webhook\'s current active period: made active again, it gets the whole threshold anew', () => {
    const reEnabled = { activeSince: at(9 * DAY).toISOString() };
    expect(autoDisableReason(result500, failing(0), reEnabled, at(10 * DAY), 5 * DAY)).toBeUndefined();
    expect(autoDisableReason(result500, failing(0), reEnabled, at(14 * DAY), 5 * DAY)).toBe('failing');
  });
});

describe('the circuit and partner actions (SPEC §9)', () => {
  const idle = { count: 0, oldestStartedAt: null };
  const open = (probeInMs: number, extra: Partial<EndpointHealth> = {}): EndpointHealth => ({
    ...healthyEndpoint('w'),
    circuit: 'open',
    consecutiveFailures: 6,
    probeAt: T0 + probeInMs,
    failingSince: at(-100_000).toISOString(),
    ...extra,
  });

  it('sends an ordinary retry of an endpoint healthy again from the slow lane back to the fast lane, and nothing else', () => {
    const healthy = healthyEndpoint('w');
    expect(admission(healthy, 'slow', T0, idle, POLICY, true)).toBe('move_to_fast_lane');
    // A first attempt (overflowed there), or a job the partner asked for (a recover is paced there): stays.
    expect(admission(healthy, 'slow', T0, idle, POLICY, false)).toBe('attempt');
    // Slow, failing or open: stays on the slow lane.
    expect(admission({ ...healthy, lane: 'slow' }, 'slow', T0, idle, POLICY, true)).toBe('attempt');
    expect(admission({ ...healthy, consecutiveFailures: 1 }, 'slow', T0, idle, POLICY, true)).toBe('attempt');
    expect(admission(open(50_000), 'slow', T0, idle, POLICY, true)).toBe('hold');
  });

  it('half-opens an open circuit: its next probe is due now, so the next job goes as the probe', () => {
    const health = open(50_000);
    expect(admission(health, 'fast', T0, idle, POLICY)).toBe('hold');
    const half = halfOpened(health, T0)!;
    expect(half).toEqual({ ...health, probeAt: T0 });
    expect(admission(half, 'fast', T0, idle, POLICY)).toBe('probe');
  });

  it('changes nothing on a closed circuit or one whose probe is already due', () => {
    expect(halfOpened(healthyEndpoint('w'), T0)).toBeUndefined();
    expect(halfOpened(open(-1), T0)).toBeUndefined();
  });

  it('closes on the probe\'s success, so the rest are attempted at once', () => {
    const closed = afterAttempt({ ...halfOpened(open(50_000), T0)!, probeTakenAt: T0 }, ok, 'fast', POLICY, at(200))!;
    expect(closed).toMatchObject({ circuit: 'closed', probeAt: null, probeTakenAt: null, consecutiveFailures: 0 });
    expect(admission(closed, 'fast', T0 + 300, idle, POLICY)).toBe('attempt');
  });

  it('a held job the partner asked for looks again in a moment while a probe is out, else waits parked for the next probe', () => {
    expect(heldWait(open(60_000, { probeTakenAt: T0 - 500 }), T0, POLICY)).toEqual({ until: T0 + 1000, parked: false });
    expect(heldWait(open(60_000, { probeTakenAt: T0 - POLICY.probeAnswerMs }), T0, POLICY)).toEqual({ until: T0 + 60_000, parked: true });
    expect(heldWait(open(60_000), T0, POLICY)).toEqual({ until: T0 + 60_000, parked: true });
  });

  it('a failed probe opens the circuit for another interval, and the probe is no longer out', () => {
    const failed = afterAttempt(open(0, { probeTakenAt: T0 }), fail, 'fast', POLICY, at(100))!;
    expect(failed).toMatchObject({ circuit: 'open', probeAt: T0 + 100 + POLICY.probeIntervalMs, probeTakenAt: null, consecutiveFailures: 7 });
  });
});

describe('an endpoint that does not answer at all, on the slow lane', () => {
  const inFlight = (count: number, oldestAgoMs: number) => ({ count, oldestStartedAt: T0 - oldestAgoMs });

  // Enough attempts stay out for their timeouts to open the circuit in one round.
  const LET_OUT = Math.max(POLICY.maxInFlight, POLICY.failureThreshold);

  it('gets no more attempts once max(maxInFlight, failureThreshold) wait, the oldest for over 2 × slowAfterMs, with no answer meanwhile', () => {
    expect(LET_OUT).toBe(5);
    expect(unanswered(inFlight(LET_OUT, 2001), undefined, T0, POLICY)).toBe(true);
    expect(unanswered(inFlight(LET_OUT, 2001), T0 - 5000, T0, POLICY)).toBe(true);
    expect(unanswered(inFlight(LET_OUT - 1, 2001), undefined, T0, POLICY)).toBe(false);
  });

  it('keeps every slot for an endpoint that answers, however slowly, and for a few attempts or young ones', () => {
    // A 3 s endpoint at 10 events/s: 30 waiting, the oldest 3 s old, but an answer 100 ms ago.
    expect(unanswered(inFlight(30, 3000), T0 - 100, T0, POLICY)).toBe(false);
    expect(unanswered(inFlight(LET_OUT - 1, 9000), undefined, T0, POLICY)).toBe(false);
    expect(unanswered(inFlight(LET_OUT, 1999), undefined, T0, POLICY)).toBe(false);
    expect(unanswered({ count: 0, oldestStartedAt: null }, undefined, T0, POLICY)).toBe(false);
  });
});

describe('unansweredWaitUntil', () => {
  it('holds a dark endpoint\'s next job until its oldest attempt has had its answer or its timeout, not a fixed few seconds', () => {
    const now = 1_000_000;
    // The oldest attempt started 3 s ago: the job comes back once that attempt must have ended.
    expect(unansweredWaitUntil(now - 3000, now, POLICY, () => 0)).toBe(now - 3000 + POLICY.probeAnswerMs);
    expect(unansweredWaitUntil(now - 3000, now, POLICY, () => 1)).toBe(now - 3000 + POLICY.probeAnswerMs + UNANSWERED_DEFER_MS);
    // An attempt about to time out: still at least the minimum wait from now.
    expect(unansweredWaitUntil(now - POLICY.probeAnswerMs, now, POLICY, () => 0)).toBe(now + UNANSWERED_DEFER_MS);
  });
});
