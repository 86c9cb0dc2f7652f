// Delivery jobs (one per event and webhook, the unit that is retried), their attempts (the
// delivery history of SPEC §4) and the versioned queue message that triggers an attempt.
//
// A job lives in the queue message while it is healthy: the fan-out queues it and the first
// attempt needs no read and no job write. The jobs table holds a job only once it has a state
// worth keeping — a retry, a parked wait, an end other than success — and every change of a
// stored job is conditional on its `version`.
import * as z from 'zod';
import { asciiJson } from './ascii-json.js';
import { ENVIRONMENTS, type Environment } from './environments.js';
import { type EventType, isEventType } from './event-types.js';

export const JOB_STATUSES = ['pending', 'succeeded', 'failed', 'dropped'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const DROP_REASONS = ['webhook_deleted', 'webhook_disabled'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** The two delivery lanes: endpoints that answer slowly are served apart (SPEC §9). */
export const LANES = ['fast', 'slow'] as const;
export type Lane = (typeof LANES)[number];

export type DeliveryJob = {
  partnerId: string;
  webhookId: string;
  eventId: string;
  eventType: EventType;
  environment: Environment;
  eventCreatedAt: string;
  /** When the fan-out queued it: a job queued before its webhook's current active period began is dropped. */
  queuedAt: string;
  /** Absent when the event is too large to travel in a queue message: read from the event store. */
  data?: Record<string, unknown>;
  /** Attempts made so far. */
  attempts: number;
  /** 0 = never stored (fresh from the fan-out); otherwise the stored job's version this message is for. */
  version: number;
  /**
   * Asked for by the partner (redeliver, recover, test): an open circuit never ends it with a
   * `circuit_open` attempt; it waits for the circuit instead (SPEC §9). Absent on other jobs.
   */
  requested?: true;
  /**
   * The attempt slot this message holds in its webhook's rate-limit schedule (SPEC §11, epoch ms):
   * it was put back to wait for it. Travels in the message only, never stored.
   */
  slotAt?: number;
  /**
   * SPEC §11 `ordering: "per_entity"`: the job's line (`entityKey`, its webhook and entity) and its
   * place in it (`seqKey`), stores/ordered-job-store.ts. Only on jobs of ordered webhooks about an
   * entity; stored with the job, so its retries keep their place.
   */
  order?: { entityKey: string; seqKey: string };
};

/** The stored state of a job (jobs table). */
export type StoredJob = DeliveryJob & {
  status: JobStatus;
  /** Epoch milliseconds of the next attempt (pending jobs). */
  nextAttemptAt: number;
  /** Parked: waiting in the table, not in the queue, until the sweeper re-queues it. */
  parked: boolean;
  /**
   * A pending job whose message was just sent (a redelivery): until this time (epoch ms) that
   * message has the job; if it was lost (the sender crashed before or during the send), the
   * sweeper finds the job due after it and sends it again, as it does with its own leases.
   */
  leaseUntil?: number;
  /** When a redelivery (redeliver, recover) re-queued it; gone once its attempt begins (the worker's claim) or ends. */
  requeuedAt?: string;
  /** The queue message that carries a retry waiting out its visibility timeout. */
  messageId?: string;
  droppedReason?: DropReason;
  createdAt: string;
  updatedAt: string;
};

/** Larger events travel by reference (the worker reads the event store); SQS bills each 64 KB as a request. */
export const INLINE_DATA_MAX_BYTES = 60 * 1024;

/** A job's `data` when the event is small enough to travel in its queue message; `{}` when it travels by reference. */
export function inlineData(data: Record<string, unknown>): { data?: Record<string, unknown> } {
  return Buffer.byteLength(asciiJson(data)) <= INLINE_DATA_MAX_BYTES ? { data } : {};
}

/** The fields of a job's stored state that a change sets; the rest comes from the job. */
export type JobState = Pick<StoredJob, 'status' | 'attempts' | 'nextAttemptAt' | 'parked'> &
  Partial<Pick<StoredJob, 'droppedReason' | 'messageId' | 'leaseUntil' | 'requeuedAt'>>;

/**
 * A job's next stored state: `state` over the job, as `version`, written at `now` (created then,
 * unless it was `stored` before). The jobs table never holds the data (the message or the event
 * store does).
 */
export function nextStoredJob(job: DeliveryJob, state: JobState, version: number, now: Date, stored?: Pick<StoredJob, 'createdAt'>): StoredJob {
  const next: StoredJob = { ...job, ...state, version, createdAt: stored?.createdAt ?? now.toISOString(), updatedAt: now.toISOString() };
  delete next.data;
  return next;
}

/** One job per (webhook, event): the key of the jobs table. */
export const jobIdFor = (webhookId: string, eventId: string) => `${webhookId}/${eventId}`;
export const jobIdOf = (job: Pick<DeliveryJob, 'webhookId' | 'eventId'>) => jobIdFor(job.webhookId, job.eventId);

export const ATTEMPT_STATUSES = ['succeeded', 'failed'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

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

/** What an attempt got: the endpoint's answer (only 2xx is `ok`), or the reason it got none (`error`). */
export type AttemptResult = {
  ok: boolean;
  httpStatus: number | null;
  responseTimeMs: number | null;
  /** Short reason for failures without an HTTP status (timeout, connection_refused, …). */
  error: string | null;
};

/** A failure with no HTTP answer, only a reason. */
export const noAnswer = (error: string): AttemptResult => ({ ok: false, httpStatus: null, responseTimeMs: null, error });

/** An attempt of `job` as the history keeps it: what it got, and when it was made and will be made again. */
export function attemptOf(
  job: Pick<DeliveryJob, 'webhookId' | 'eventId' | 'eventType'>,
  result: AttemptResult,
  fields: { id: string; attemptNumber: number; attemptedAt: string; nextRetryAt: string | null },
): DeliveryAttempt {
  return {
    id: fields.id,
    webhookId: job.webhookId,
    eventId: job.eventId,
    eventType: job.eventType,
    status: result.ok ? 'succeeded' : 'failed',
    httpStatus: result.httpStatus,
    responseTimeMs: result.responseTimeMs,
    attemptNumber: fields.attemptNumber,
    attemptedAt: fields.attemptedAt,
    nextRetryAt: fields.nextRetryAt,
    error: result.error,
  };
}

/** A failed attempt of `job` that has no HTTP answer to show, only a reason (`error`). */
export function unansweredAttempt(
  job: Pick<DeliveryJob, 'webhookId' | 'eventId' | 'eventType'>,
  { error, ...fields }: { id: string; attemptNumber: number; attemptedAt: string; nextRetryAt: string | null; error: string },
): DeliveryAttempt {
  return attemptOf(job, noAnswer(error), fields);
}

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

/** A job as a queue message carries it (snake_case, the wire form). */
const jobWireSchema = z.object({
  partner_id: z.string().min(1),
  webhook_id: z.string().min(1),
  event_id: z.string().min(1),
  event_type: z.string().refine(isEventType, 'unknown event type'),
  environment: z.enum(ENVIRONMENTS),
  event_created_at: z.string(),
  queued_at: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  attempts: z.number().int().min(0),
  version: z.number().int().min(0).default(0),
  /** Absent on messages queued before partner-requested jobs were marked: those are ordinary jobs. */
  requested: z.literal(true).optional(),
  slot_at: z.number().optional(),
  order: z.object({ entity_key: z.string().min(1), seq_key: z.string().min(1) }).optional(),
});
type JobWire = z.output<typeof jobWireSchema>;

export function jobToWire(job: DeliveryJob): JobWire {
  return {
    partner_id: job.partnerId,
    webhook_id: job.webhookId,
    event_id: job.eventId,
    event_type: job.eventType,
    environment: job.environment,
    event_created_at: job.eventCreatedAt,
    queued_at: job.queuedAt,
    ...(job.data ? { data: job.data } : {}),
    attempts: job.attempts,
    version: job.version,
    ...(job.requested ? { requested: true as const } : {}),
    ...(job.slotAt !== undefined ? { slot_at: job.slotAt } : {}),
    ...(job.order ? { order: { entity_key: job.order.entityKey, seq_key: job.order.seqKey } } : {}),
  };
}

/** The job a stored job carries, without its stored state (status, lease, timestamps, …). */
export const jobOf = (stored: StoredJob): DeliveryJob => jobFromWire(jobToWire(stored));

export function jobFromWire(wire: JobWire): DeliveryJob {
  return {
    partnerId: wire.partner_id,
    webhookId: wire.webhook_id,
    eventId: wire.event_id,
    eventType: wire.event_type as EventType,
    environment: wire.environment,
    eventCreatedAt: wire.event_created_at,
    queuedAt: wire.queued_at,
    ...(wire.data ? { data: wire.data } : {}),
    attempts: wire.attempts,
    version: wire.version,
    ...(wire.requested ? { requested: true as const } : {}),
    ...(wire.slot_at !== undefined ? { slotAt: wire.slot_at } : {}),
    ...(wire.order ? { order: { entityKey: wire.order.entity_key, seqKey: wire.order.seq_key } } : {}),
  };
}

const attemptWireSchema = z.object({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event_type: z.string().refine(isEventType, 'unknown event type'),
  status: z.enum(ATTEMPT_STATUSES),
  http_status: z.number().int().nullable(),
  response_time_ms: z.number().int().nullable(),
  attempt_number: z.number().int().min(1),
  attempted_at: z.string(),
  next_retry_at: z.string().nullable(),
  error: z.string().nullable(),
});

export const attemptFromWire = (w: z.output<typeof attemptWireSchema>): DeliveryAttempt => ({
  id: w.id,
  webhookId: w.webhook_id,
  eventId: w.event_id,
  eventType: w.event_type as EventType,
  status: w.status,
  httpStatus: w.http_status,
  responseTimeMs: w.response_time_ms,
  attemptNumber: w.attempt_number,
  attemptedAt: w.attempted_at,
  nextRetryAt: w.next_retry_at,
  error: w.error,
});

export const attemptToWire = (a: DeliveryAttempt): z.output<typeof attemptWireSchema> => ({ ...toPublicAttempt(a), webhook_id: a.webhookId });

/** The rest of a SPEC §7 recover too large for its request: the window (fixed), and where the last run stopped. */
const recoverTaskSchema = z.object({
  partner_id: z.string(),
  webhook_id: z.string(),
  since: z.string(),
  until: z.string(),
  after: z.object({ endedAt: z.string(), jobId: z.string() }).optional(),
});
export type RecoverTask = z.output<typeof recoverTaskSchema>;

/**
 * SQS message body: a tagged, versioned union so a deploy never strands in-flight messages.
 * v3 `deliver` carries the job; v3 `record` carries an attempt whose history write failed after
 * the POST succeeded (it is written later instead of the POST being repeated); v3 `recover`
 * carries the rest of a recover (slow lane).
 */
export const queueMessageSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(3), kind: z.literal('deliver'), job: jobWireSchema }),
  z.object({ v: z.literal(3), kind: z.literal('record'), attempt: attemptWireSchema }),
  z.object({ v: z.literal(3), kind: z.literal('recover'), task: recoverTaskSchema }),
]);
export type QueueMessage = z.infer<typeof queueMessageSchema>;

export const deliverMessage = (job: DeliveryJob): QueueMessage => ({ v: 3, kind: 'deliver', job: jobToWire(job) });
export const recordMessage = (attempt: DeliveryAttempt): QueueMessage => ({ v: 3, kind: 'record', attempt: attemptToWire(attempt) });
export const recoverMessage = (task: RecoverTask): QueueMessage => ({ v: 3, kind: 'recover', task });

/**
 * The tenant a message belongs to, sent as its MessageGroupId: on a standard queue that makes it an
 * SQS fair queue (AWS, 2025), which serves other groups first while one group holds a
 * disproportionate share of the messages in flight — so one webhook's backlog (a slow endpoint,
 * a large recover) cannot take the lane from the others. A recover task is its own tenant.
 */
export function fairnessGroupOf(message: QueueMessage): string {
  if (message.kind === 'deliver') return message.job.webhook_id;
  if (message.kind === 'record') return message.attempt.webhook_id;
  return `recover:${message.task.webhook_id}`;
}

/** The body as sent to SQS: any string in the data travels and parses back unchanged. */
export const encodeQueueMessage = (message: QueueMessage): string => asciiJson(message);
