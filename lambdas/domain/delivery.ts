// Delivery jobs (one per event and webhook, the unit that is retried), their attempts (the
// delivery history of SPEC §4) and the versioned queue message that triggers an attempt.
import { z } from 'zod';
import type { EventType } from './event-catalog.js';
import type { Environment } from './published-event.js';

export type JobStatus = 'pending' | 'succeeded' | 'failed' | 'dropped';

export type DeliveryJob = {
  jobId: string;
  partnerId: string;
  webhookId: string;
  eventId: string;
  eventType: EventType;
  data: Record<string, unknown>;
  environment: Environment;
  eventCreatedAt: string;
  createdAt: string;
  /** Attempts made so far. */
  attempts: number;
  status: JobStatus;
  /** Epoch milliseconds of the next attempt (pending jobs). */
  nextAttemptAt: number;
  droppedReason?: string;
};

/** One job per (webhook, event): the fan-out's idempotency key. */
export const jobIdFor = (webhookId: string, eventId: string) => `${webhookId}/${eventId}`;

export type AttemptStatus = 'succeeded' | 'failed';

export type DeliveryAttempt = {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: EventType;
  status: AttemptStatus;
  httpStatus: number | null;
  responseTimeMs: number | null;
  attemptNumber: number;
  attemptedAt: string;
  nextRetryAt: string | null;
  error: string | null;
};

export function toPublicAttempt(a: DeliveryAttempt) {
  return {
    id: a.id,
    event_id: a.eventId,
    event_type: a.eventType,
    status: a.status,
    http_status: a.httpStatus,
    response_time_ms: a.responseTimeMs,
    attempt_number: a.attemptNumber,
    attempted_at: a.attemptedAt,
    next_retry_at: a.nextRetryAt,
    error: a.error,
  };
}

/** SQS message body: a tagged, versioned union so a deploy never strands in-flight messages. */
export const queueMessageSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('deliver'), job_id: z.string().min(1).max(200) }),
]);
export type QueueMessage = z.infer<typeof queueMessageSchema>;

export const deliverMessage = (jobId: string): QueueMessage => ({ v: 1, kind: 'deliver', job_id: jobId });
