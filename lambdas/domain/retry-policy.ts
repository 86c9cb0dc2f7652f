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
