// Delivery attempts for a batch of queue messages, as explicit steps — resolve the job → check
// the webhook → sign and send → record → schedule the next — each job ending in a typed outcome
// that the handler turns into an SQS action. All results of a batch are recorded together.
import { v7 as uuidv7 } from 'uuid';
import { type DeliveryAttempt, type DeliveryJob, jobFromRecord, type QueueMessage } from '../domain/delivery.js';
import { buildEnvelope } from '../domain/envelope.js';
import type { RetryPolicy } from '../domain/retry-policy.js';
import type { SecretCipher } from '../domain/secret-cipher.js';
import { signatureHeaders } from '../domain/signing.js';
import { secretContext } from '../domain/webhook-service.js';
import type { DeliveryRecorder } from '../stores/delivery-recorder.js';
import type { JobStore } from '../stores/job-store.js';
import type { HttpSender } from './http-sender.js';
import type { WebhookCache } from './webhook-cache.js';

export type DeliveryOutcome =
  | { kind: 'succeeded'; attempt: DeliveryAttempt }
  | { kind: 'retry'; attempt: DeliveryAttempt; delaySeconds: number }
  | { kind: 'failed'; attempt: DeliveryAttempt }
  | { kind: 'dropped'; reason: 'webhook_deleted' | 'webhook_disabled' }
  /** Nothing to do: the job is finished or unknown (a duplicate message). */
  | { kind: 'stale' }
  /** Something unexpected (e.g. the secret could not be decrypted): the message is kept and retried. */
  | { kind: 'error'; error: unknown }
  /** The message came before the job is due (e.g. re-queued by the sweeper): wait the rest. */
  | { kind: 'not_due'; delaySeconds: number };

export type QueueRecord = { messageId: string; receiptHandle: string; receiveCount: number; message: QueueMessage };

export type DeliveryWorkerDeps = {
  jobs: Pick<JobStore, 'get'>;
  webhooks: Pick<WebhookCache, 'get'>;
  recorder: Pick<DeliveryRecorder, 'record'>;
  cipher: SecretCipher;
  sender: HttpSender;
  retryPolicy: RetryPolicy;
  now?: () => Date;
};

/** Messages that arrive up to this early are delivered rather than put back. */
const EARLY_TOLERANCE_MS = 1000;

type Step = { outcome: DeliveryOutcome; job?: DeliveryJob };

function drop(job: DeliveryJob, reason: 'webhook_deleted' | 'webhook_disabled'): Step {
  return { outcome: { kind: 'dropped', reason }, job: { ...job, status: 'dropped', droppedReason: reason } };
}

export class DeliveryWorker {
  constructor(private readonly deps: DeliveryWorkerDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Attempts every record's job, then records all results in one write. Throws if recording fails. */
  async processBatch(records: QueueRecord[]): Promise<Map<string, DeliveryOutcome>> {
    const steps = await Promise.all(
      records.map(async (record): Promise<Step> => {
        try {
          const job = await this.resolveJob(record);
          return job ? await this.attempt(job) : { outcome: { kind: 'stale' } };
        } catch (error) {
          return { outcome: { kind: 'error', error } };
        }
      }),
    );
    await this.deps.recorder.record({
      attempts: steps.flatMap((s) => ('attempt' in s.outcome ? [s.outcome.attempt] : [])),
      jobs: steps.flatMap((s) => (s.job ? [s.job] : [])),
    });
    return new Map(records.map((r, i) => [r.messageId, steps[i]!.outcome]));
  }

  /**
   * A fresh v2 message carries the job as queued; anything received again (a retry, an early
   * message) reads the job's current state, since a message body never changes.
   */
  private async resolveJob(record: QueueRecord): Promise<DeliveryJob | undefined> {
    const { message } = record;
    if (message.v === 2 && record.receiveCount <= 1) return jobFromRecord(message.job);
    const job = await this.deps.jobs.get(message.v === 2 ? message.job.job_id : message.job_id);
    return job?.status === 'pending' ? job : undefined;
  }

  /** One attempt for one job; `job` in the result is the job's new state to record. */
  private async attempt(job: DeliveryJob): Promise<Step> {
    const wait = job.nextAttemptAt - this.now().getTime();
    if (wait > EARLY_TOLERANCE_MS) return { outcome: { kind: 'not_due', delaySeconds: Math.ceil(wait / 1000) } };

    const webhook = await this.deps.webhooks.get(job.partnerId, job.webhookId);
    if (!webhook) return drop(job, 'webhook_deleted');
    // A job made before the webhook's current active period began was pending across a disable.
    if (webhook.status !== 'active' || job.createdAt < webhook.activeSince) return drop(job, 'webhook_disabled');

    const attemptNumber = job.attempts + 1;
    const deliveryId = uuidv7();
    const body = JSON.stringify(
      buildEnvelope({
        deliveryId,
        eventId: job.eventId,
        eventType: job.eventType,
        eventCreatedAt: job.eventCreatedAt,
        environment: job.environment,
        partnerId: job.partnerId,
        data: job.data,
      }),
    );
    const secret = await this.deps.cipher.decrypt(webhook.secretCiphertext, secretContext(webhook.partnerId, webhook.id));
    const sentAt = this.now();
    const result = await this.deps.sender.send(webhook.url, body, {
      ...signatureHeaders(secret, job.eventId, Math.floor(sentAt.getTime() / 1000), body),
      'x-tapp-event-type': job.eventType,
      'x-tapp-event-id': job.eventId,
      'x-tapp-delivery-id': deliveryId,
    });

    const delaySeconds = result.ok ? undefined : this.deps.retryPolicy.delayAfterFailure(attemptNumber);
    const nextAttemptAt = delaySeconds === undefined ? undefined : this.now().getTime() + delaySeconds * 1000;
    const attempt: DeliveryAttempt = {
      id: deliveryId,
      webhookId: job.webhookId,
      eventId: job.eventId,
      eventType: job.eventType,
      status: result.ok ? 'succeeded' : 'failed',
      httpStatus: result.httpStatus,
      responseTimeMs: result.responseTimeMs,
      attemptNumber,
      attemptedAt: sentAt.toISOString(),
      nextRetryAt: nextAttemptAt === undefined ? null : new Date(nextAttemptAt).toISOString(),
      error: result.error,
    };
    const attempted = { ...job, attempts: attemptNumber };
    if (result.ok) return { outcome: { kind: 'succeeded', attempt }, job: { ...attempted, status: 'succeeded' } };
    if (delaySeconds === undefined || nextAttemptAt === undefined) {
      return { outcome: { kind: 'failed', attempt }, job: { ...attempted, status: 'failed' } };
    }
    return { outcome: { kind: 'retry', attempt, delaySeconds }, job: { ...attempted, status: 'pending', nextAttemptAt } };
  }
}
