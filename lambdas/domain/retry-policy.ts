// The retry schedule of SPEC §4, defined once: attempt 1 at once, then one delay per entry of
// RETRY_SCHEDULE_SECONDS after each failure; after the last, the delivery has permanently failed.

export const DEFAULT_RETRY_SCHEDULE_SECONDS = [300, 1800, 7200, 18000, 36000] as const;

/** SQS cannot hide a message for longer than 12 hours (ChangeMessageVisibility). */
export const MAX_RETRY_DELAY_SECONDS = 12 * 60 * 60;

export class RetryPolicy {
  constructor(readonly scheduleSeconds: readonly number[] = DEFAULT_RETRY_SCHEDULE_SECONDS) {
    if (scheduleSeconds.some((s) => !Number.isInteger(s) || s < 0 || s > MAX_RETRY_DELAY_SECONDS)) {
      throw new Error(`Retry delays must be whole seconds between 0 and ${MAX_RETRY_DELAY_SECONDS}`);
    }
  }

  /** 6 with the default schedule. */
  get maxAttempts(): number {
    return this.scheduleSeconds.length + 1;
  }

  /** Seconds to wait after failed attempt `attemptNumber` (1-based); undefined when it was the last. */
  delayAfterFailure(attemptNumber: number): number | undefined {
    return this.scheduleSeconds[attemptNumber - 1];
  }

  static parse(value: string): RetryPolicy {
    const parts = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (parts.some((p) => !/^\d+$/.test(p))) throw new Error('RETRY_SCHEDULE_SECONDS must be comma-separated whole seconds');
    return new RetryPolicy(parts.map(Number));
  }
}

/** Our own failures (a DynamoDB or KMS throttle, a timeout of ours): the first retry's wait, and the longest. */
export const OWN_ERROR_FIRST_RETRY_SECONDS = 2;
export const OWN_ERROR_MAX_RETRY_SECONDS = 60;

/**
 * How long a message that failed for a reason of ours (not the partner's: nothing is recorded as
 * an attempt) stays hidden before it is tried again: doubling from 2 s with each receive, at most
 * 60 s, with jitter (half to all of it) so a throttle's victims do not come back together. The
 * number of tries is bounded by the queue's maxReceiveCount: then the message goes to the DLQ.
 */
export function ownErrorRetrySeconds(receiveCount: number, random: () => number = Math.random): number {
  const ceiling = Math.min(OWN_ERROR_MAX_RETRY_SECONDS, OWN_ERROR_FIRST_RETRY_SECONDS * 2 ** Math.max(0, receiveCount - 1));
  return Math.max(1, Math.round(ceiling * (0.5 + random() / 2)));
}
