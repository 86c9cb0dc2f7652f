// The delivery path's metrics for one SQS batch, aggregated into one EMF line (lambdas/shared/emf.ts)
// under the dimension Lane. The dashboard (lib/webhooks-dashboard.ts) reads these names.
//
// - Attempts, Succeeded, Failed: HTTP attempts made (and circuit_open attempts recorded);
//   Exhausted: failed for good; Dropped: jobs of disabled or deleted webhooks; Disabled: webhooks
//   this batch disabled (410 Gone, failing too long). Counts, one value per batch.
// - AttemptLatency (ms): each answered attempt's response time (timeouts and connection errors have none).
// - QueueLag (ms): now − SentTimestamp of each message received the first time (a retry shown
//   again by its visibility timeout has waited on purpose, so it is left out; a message sent with a
//   delay counts its delay).
// - DeliveryErrors: messages that failed for a reason of ours (not the partner's: no attempt is
//   recorded, the message is tried again in seconds), one line per kind (dimensions Lane, Kind:
//   throttle, timeout, other). Caught, they are no Lambda `Errors`: this is how they are seen.
import type { Lane } from '../domain/delivery.js';
import { emfLines, type MetricSamples } from '../shared/emf.js';
import type { DeliveryOutcome } from './delivery-worker.js';

export type ReceivedRecord = { receiveCount: number; sentTimestamp?: number };

export const DELIVERY_ERROR_KINDS = ['throttle', 'timeout', 'other'] as const;
export type DeliveryErrorKind = (typeof DELIVERY_ERROR_KINDS)[number];
export const DELIVERY_ERRORS_METRIC = 'DeliveryErrors';

/** What kind of failure of ours an error is: an AWS throttle (DynamoDB, KMS, SQS), a timeout, or anything else. */
export function deliveryErrorKind(error: unknown): DeliveryErrorKind {
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  const name = `${String(e?.name ?? '')} ${String(e?.code ?? '')}`;
  if (/Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TooManyRequests|LimitExceeded|SlowDown/.test(name) || e?.$metadata?.httpStatusCode === 429) return 'throttle';
  if (/Timeout|TimedOut|ETIMEDOUT|AbortError/i.test(name)) return 'timeout';
  return 'other';
}

/** Our own delivery errors of a batch, by kind. */
export function deliveryErrors(outcomes: Iterable<DeliveryOutcome>): Record<DeliveryErrorKind, number> {
  const counts: Record<DeliveryErrorKind, number> = { throttle: 0, timeout: 0, other: 0 };
  for (const outcome of outcomes) if (outcome.kind === 'error') counts[deliveryErrorKind(outcome.error)]++;
  return counts;
}

export const DELIVERY_METRICS = ['Attempts', 'Succeeded', 'Failed', 'Exhausted', 'Dropped', 'Disabled', 'AttemptLatency', 'QueueLag'] as const;
export type DeliveryMetricName = (typeof DELIVERY_METRICS)[number];

export function deliveryMetrics(records: ReceivedRecord[], outcomes: Iterable<DeliveryOutcome>, now: number): MetricSamples[] {
  const counts: Record<'Attempts' | 'Succeeded' | 'Failed' | 'Exhausted' | 'Dropped' | 'Disabled', number> = {
    Attempts: 0,
    Succeeded: 0,
    Failed: 0,
    Exhausted: 0,
    Dropped: 0,
    Disabled: 0,
  };
  const latency: number[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind === 'dropped') counts.Dropped++;
    if (!('attempt' in outcome)) continue;
    counts.Attempts++;
    if (outcome.attempt.status === 'succeeded') counts.Succeeded++;
    else counts.Failed++;
    if (outcome.kind === 'failed') {
      counts.Exhausted++;
      if (outcome.disabled) counts.Disabled++;
    }
    if (outcome.attempt.responseTimeMs !== null) latency.push(outcome.attempt.responseTimeMs);
  }
  const lag = records.filter((r) => r.receiveCount <= 1 && r.sentTimestamp !== undefined).map((r) => Math.max(0, now - r.sentTimestamp!));
  return [
    ...Object.entries(counts).map(([name, n]) => ({ name, unit: 'Count' as const, values: [n] })),
    { name: 'AttemptLatency', unit: 'Milliseconds', values: latency },
    { name: 'QueueLag', unit: 'Milliseconds', values: lag },
  ];
}

/** Writes the batch's EMF line(s) to stdout (Lambda sends it to CloudWatch Logs); nothing when disabled. */
export function emitDeliveryMetrics(
  settings: { enabled: boolean; namespace: string },
  lane: Lane,
  records: ReceivedRecord[],
  outcomes: Iterable<DeliveryOutcome>,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): void {
  if (!settings.enabled) return;
  const now = Date.now();
  const all = [...outcomes];
  for (const line of emfLines(settings.namespace, { Lane: lane }, deliveryMetrics(records, all, now), now)) write(line);
  for (const [kind, n] of Object.entries(deliveryErrors(all))) {
    if (n > 0) for (const line of emfLines(settings.namespace, { Lane: lane, Kind: kind }, [{ name: DELIVERY_ERRORS_METRIC, unit: 'Count', values: [n] }], now)) write(line);
  }
}
