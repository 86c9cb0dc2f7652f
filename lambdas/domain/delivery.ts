// Delivery jobs (one per event and webhook, the unit that is retried), their attempts (the
// delivery history of SPEC §4) and the versioned queue message that triggers an attempt.
import * as z from 'zod';
import { type EventType, isEventType } from './event-types.js';
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

/** A job's wire and storage form (snake_case): queue messages carry it, the jobs table stores it. */
export const jobRecordSchema = z.object({
  job_id: z.string().min(1).max(200),
  partner_id: z.string().min(1),
  webhook_id: z.string().min(1),
  event_id: z.string().min(1),
  event_type: z.string().refine(isEventType, 'unknown event type'),
  data: z.record(z.string(), z.unknown()),
  environment: z.enum(['sandbox', 'live']),
  event_created_at: z.string(),
  created_at: z.string(),
  attempts: z.number().int().min(0),
  status: z.enum(['pending', 'succeeded', 'failed', 'dropped']).default('pending'),
  next_attempt_at: z.number(),
  dropped_reason: z.string().optional(),
});
export type JobRecord = z.output<typeof jobRecordSchema>;

export function jobToRecord(job: DeliveryJob): JobRecord {
  return {
    job_id: job.jobId,
    partner_id: job.partnerId,
    webhook_id: job.webhookId,
    event_id: job.eventId,
    event_type: job.eventType,
    data: job.data,
    environment: job.environment,
    event_created_at: job.eventCreatedAt,
    created_at: job.createdAt,
    attempts: job.attempts,
    status: job.status,
    next_attempt_at: job.nextAttemptAt,
    ...(job.droppedReason ? { dropped_reason: job.droppedReason } : {}),
  };
}

export function jobFromRecord(record: z.input<typeof jobRecordSchema>): DeliveryJob {
  return {
    jobId: record.job_id,
    partnerId: record.partner_id,
    webhookId: record.webhook_id,
    eventId: record.event_id,
    eventType: record.event_type as EventType,
    data: record.data,
    environment: record.environment,
    eventCreatedAt: record.event_created_at,
    createdAt: record.created_at,
    attempts: record.attempts,
    status: record.status ?? 'pending',
    nextAttemptAt: record.next_attempt_at,
    ...(record.dropped_reason ? { droppedReason: record.dropped_reason } : {}),
  };
}

/**
 * SQS message body: a tagged, versioned union so a deploy never strands in-flight messages.
 * v2 carries the job as it was when queued, so a first attempt needs no read; v1 (job id only)
 * is still understood.
 */
export const queueMessageSchema = z.discriminatedUnion('v', [
  z.object({ v: z.literal(1), kind: z.literal('deliver'), job_id: z.string().min(1).max(200) }),
  z.object({ v: z.literal(2), kind: z.literal('deliver'), job: jobRecordSchema }),
]);
export type QueueMessage = z.infer<typeof queueMessageSchema>;

export const deliverMessage = (job: DeliveryJob): QueueMessage => ({ v: 2, kind: 'deliver', job: jobToRecord(job) });
