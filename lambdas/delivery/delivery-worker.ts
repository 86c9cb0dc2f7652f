// One delivery attempt as explicit steps — load → check the webhook → sign and send → record →
// schedule the next — returning a typed outcome that the handler turns into an SQS action.
import { v7 as uuidv7 } from 'uuid';
import type { DeliveryAttempt, DeliveryJob } from '../domain/delivery.js';
import { buildEnvelope } from '../domain/envelope.js';
import type { RetryPolicy } from '../domain/retry-policy.js';
import type { SecretCipher } from '../domain/secret-cipher.js';
import { signatureHeaders } from '../domain/signing.js';
import { secretContext } from '../domain/webhook-service.js';
import type { DeliveryStore } from '../stores/delivery-store.js';
import type { JobStore } from '../stores/job-store.js';
import type { WebhookStore } from '../stores/webhook-store.js';
import type { HttpSender } from './http-sender.js';

export type DeliveryOutcome =
  | { kind: 'succeeded'; attempt: DeliveryAttempt }
  | { kind: 'retry'; attempt: DeliveryAttempt; delaySeconds: number }
  | { kind: 'failed'; attempt: DeliveryAttempt }
  | { kind: 'dropped'; reason: 'webhook_deleted' | 'webhook_disabled' }
  /** Nothing to do: the job is finished or unknown (a duplicate message). */
  | { kind: 'stale' }
  /** The message came before the job is due (e.g. re-queued by the sweeper): wait the rest. */
  | { kind: 'not_due'; delaySeconds: number };

export type DeliveryWorkerDeps = {
  jobs: JobStore;
  webhooks: WebhookStore;
  deliveries: DeliveryStore;
  cipher: SecretCipher;
  sender: HttpSender;
  retryPolicy: RetryPolicy;
  now?: () => Date;
};

/** Messages that arrive up to this early are delivered rather than put back. */
const EARLY_TOLERANCE_MS = 1000;

export class DeliveryWorker {
  constructor(private readonly deps: DeliveryWorkerDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async process(jobId: string): Promise<DeliveryOutcome> {
    const job = await this.deps.jobs.get(jobId);
    if (!job || job.status !== 'pending') return { kind: 'stale' };
    const wait = job.nextAttemptAt - this.now().getTime();
    if (wait > EARLY_TOLERANCE_MS) return { kind: 'not_due', delaySeconds: Math.ceil(wait / 1000) };

    const webhook = await this.deps.webhooks.get(job.partnerId, job.webhookId);
    if (!webhook) return this.drop(job, 'webhook_deleted');
    if (webhook.status !== 'active' || job.createdAt < webhook.activeSince) return this.drop(job, 'webhook_disabled');

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
    const headers = {
      ...signatureHeaders(secret, job.eventId, Math.floor(sentAt.getTime() / 1000), body),
      'x-tapp-event-type': job.eventType,
      'x-tapp-event-id': job.eventId,
      'x-tapp-delivery-id': deliveryId,
    };
    const result = await this.deps.sender.send(webhook.url, body, headers);

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
    await this.deps.deliveries.put(attempt);
    const status = result.ok ? 'succeeded' : nextAttemptAt === undefined ? 'failed' : 'pending';
    await this.deps.jobs.recordAttempt(job.jobId, { attempts: attemptNumber, status, nextAttemptAt });

    if (result.ok) return { kind: 'succeeded', attempt };
    if (delaySeconds === undefined) return { kind: 'failed', attempt };
    return { kind: 'retry', attempt, delaySeconds };
  }

  private async drop(job: DeliveryJob, reason: 'webhook_deleted' | 'webhook_disabled'): Promise<DeliveryOutcome> {
    await this.deps.jobs.markDropped(job.jobId, reason);
    return { kind: 'dropped', reason };
  }
}
