// Delivery attempts for a batch of queue messages, as explicit steps — resolve the job → check
// the webhook → admit (lane, circuit) → claim (a stored job's attempt) → sign and send → record →
// schedule the next — each message ending in a typed outcome that the handler turns into SQS
// actions (queue-actions.ts).
//
// Each message is worked on alone: nothing in one message's path waits for another's, and the
// history of the batch is written together at the end (one BatchWriteItem).
//
// SPEC §11 per_entity ordering: a job of an ordered webhook about an entity (`job.order`) is
// attempted only while it is the head of its line (stores/ordered-job-store.ts); behind an
// earlier job it waits (a new message, shown in a second, or when that job's retry is due),
// and once it ended (succeeded, failed, dropped) its item leaves the line, after its state is
// saved. A job whose item is gone ended already (stale). Jobs the partner asked for (redeliver,
// recover, test) are never held: they go out of band.
import { v7 as uuidv7 } from 'uuid';
import {
  type AttemptResult,
  type DeliveryAttempt,
  type DeliveryJob,
  type DropReason,
  type JobState,
  type Lane,
  type QueueMessage,
  type RecoverTask,
  type StoredJob,
  attemptFromWire,
  attemptOf,
  jobFromWire,
  nextStoredJob,
  noAnswer,
  unansweredAttempt,
} from '../domain/delivery.js';
import { autoDisableReason } from '../domain/auto-disable.js';
import type { Admission, EndpointHealth } from '../domain/endpoint-health.js';
import { headersContext } from '../domain/delivery-controls.js';
import { buildEnvelope } from '../domain/envelope.js';
import type { RetryPolicy } from '../domain/retry-policy.js';
import type { SecretCipher } from '../domain/secret-cipher.js';
import { signatureHeaders } from '../domain/signing.js';
import { type DisabledReason, type Webhook, validPreviousSecret } from '../domain/webhook.js';
import { secretContext } from '../domain/secrets.js';
import type { StoredEvent } from '../stores/event-store.js';
import type { JobStore } from '../stores/job-store.js';
import type { WebhookStore } from '../stores/webhook-store.js';
import type { EndpointTracker } from './endpoint-tracker.js';
import { type DeliveryRateGate, lateStartToleranceMs } from '../domain/delivery-rate.js';
import type { HttpSender } from './http-sender.js';
import { type Clock, clockOf } from '../domain/clock.js';
import type { OrderedJobs } from '../stores/ordered-job-store.js';
import { acceptedAtMsOf } from '../domain/ordering.js';

export type DeliveryOutcome =
  /** `recorded: false` when the history write failed: the record travels through the queue instead of a second POST. */
  | { kind: 'succeeded'; attempt: DeliveryAttempt; recorded: boolean }
  /** Failed, tried again at `attempt.nextRetryAt`: from the queue (visibility) or, when `parked`, from the jobs table. */
  | { kind: 'retry'; attempt: DeliveryAttempt; parked: boolean }
  /** Failed for good: the schedule is exhausted, or this attempt disabled the webhook (SPEC §7). */
  | { kind: 'failed'; attempt: DeliveryAttempt; disabled?: Exclude<DisabledReason, 'manual'> }
  /**
   * Made, but a redelivery moved the job on meanwhile: the attempt is recorded like any other
   * (`recorded: false`: through the queue), and what follows is the redelivery's, not this message's.
   */
  | { kind: 'superseded'; attempt: DeliveryAttempt; recorded: boolean }
  | { kind: 'dropped'; reason: DropReason }
  /** The endpoint is served by the slow lane: the job moves there as it stands. */
  | { kind: 'moved'; to: Lane; job: DeliveryJob }
  /**
   * A fast-lane attempt still unanswered at the fast lane's deadline: cut short (recorded, error
   * `moved_to_slow_lane`), and `job` (this attempt counted) is tried again at once on the slow lane.
   */
  | { kind: 'handed_off'; attempt: DeliveryAttempt; job: DeliveryJob }
  /**
   * Held, no attempt: a job the partner asked for, held by the circuit (SPEC §9), an endpoint not
   * answering at all, or a rate-limited job waiting for its slot (SPEC §11). It is tried again at
   * `until`, parked in the jobs table or as a new message shown then (on `lane`, default this one).
   */
  | { kind: 'waiting'; job: DeliveryJob; until: number; parked: boolean; lane?: Lane }
  /** Nothing to do: the job is finished, or this message is older than the job (a duplicate). */
  | { kind: 'stale' }
  /** A history record carried by the queue was written. */
  | { kind: 'recorded' }
  /** A run of a background recover task (SPEC §7) re-queued `queued` jobs (its rest, if any, is queued as a new task). */
  | { kind: 'recovered'; queued: number; stopped?: string }
  /** Something unexpected (e.g. the secret could not be decrypted): the message is kept and retried. */
  | { kind: 'error'; error: unknown }
  /** The message came before the job is due: wait the rest. */
  | { kind: 'not_due'; delaySeconds: number };

export type QueueRecord = { messageId: string; receiptHandle: string; receiveCount: number; message: QueueMessage };

export type DeliveryWorkerDeps = {
  jobs: Pick<JobStore, 'get' | 'save'>;
  /** SPEC §11 per_entity ordering: the lines of ordered webhooks' jobs (absent: no job carries `order`). */
  orderedJobs?: Pick<OrderedJobs, 'head' | 'remove'>;
  events: { get(partnerId: string, eventId: string): Promise<StoredEvent | undefined> };
  webhooks: { get(partnerId: string, webhookId: string): Promise<Webhook | undefined> };
  endpoints: Pick<EndpointTracker, 'admit' | 'track' | 'markSlow' | 'recordResult' | 'policy'>;
  history: { record(attempts: DeliveryAttempt[]): Promise<void> };
  cipher: SecretCipher;
  sender: Pick<HttpSender, 'send'>;
  retryPolicy: RetryPolicy;
  /** Auto-disable (SPEC §7): the webhook store's conditional disable, and how long failing is too long. */
  disabler: Pick<WebhookStore, 'disable'>;
  autoDisableAfterMs: number;
  /** Retry waits longer than this leave the queue: the job is parked in the jobs table. */
  parkAfterSeconds: number;
  /**
   * The fast lane's deadline per attempt (FAST_LANE_DEADLINE_MS; undefined: none shorter than the
   * delivery timeout): one slow endpoint never holds a fast batch longer than this.
   */
  fastLaneDeadlineMs?: number;
  /** SPEC §11 rate limits: each attempt to a limited webhook takes a slot of its shared schedule. */
  rateGate?: Pick<DeliveryRateGate, 'reserve'>;
  /** One run of a background recover task (recover.ts continueRecover). */
  recover: (task: RecoverTask) => Promise<{ queued: number; stopped?: string }>;
  now?: Clock;
};

/** Messages that arrive up to this early are delivered rather than put back. */
const EARLY_TOLERANCE_MS = 1000;
/**
 * A rate-limited attempt whose slot is at most this far off waits for it in the function; a later
 * one waits in the queue, on the slow lane (where holding a batch briefly delays no healthy endpoint).
 */
const SLOT_WAIT_IN_FUNCTION_MS = { fast: 50, slow: 1500 } as const;
/** A message put back for its slot comes this long before it (SQS delays are whole seconds). */
const SLOT_EARLY_RETURN_MS = 1500;

/** A job behind another in its line looks again this soon, or when that job's retry is due (at most MAX_DELAY_SECONDS on). */
const LINE_POLL_MS = 1000;
const LINE_WAIT_MAX_MS = 900_000;

/** The outcomes that end a job: its line goes on. */
const ENDS_JOB: ReadonlySet<DeliveryOutcome['kind']> = new Set(['succeeded', 'failed', 'dropped']);

/** A job as this message sees it, with the stored state it was resolved against (if any). */
type Resolved = { job: DeliveryJob; stored?: StoredJob };

/** What an attempt (a POST, or a circuit_open hold) ends in. */
type AttemptOutcome = Extract<DeliveryOutcome, { kind: 'succeeded' | 'retry' | 'failed' | 'handed_off' }>;

/** The history's `error` of an attempt the fast lane cut short and handed to the slow lane. */
export const HANDED_OFF_ERROR = 'moved_to_slow_lane';

export class DeliveryWorker {
  constructor(private readonly deps: DeliveryWorkerDeps) {}

  private now(): Date {
    return clockOf(this.deps)();
  }

  /**
   * Works every record; then writes the batch's history. Never throws: failures become outcomes.
   * `settled` is called as each record's work ends (before the history write), so the caller can
   * fill the slot (batch-refill.ts).
   */
  async processBatch(records: QueueRecord[], lane: Lane, settled: () => void = () => undefined): Promise<Map<string, DeliveryOutcome>> {
    const outcomes = await Promise.all(
      records.map((record) =>
        this.process(record, lane)
          .catch((error: unknown) => ({ kind: 'error', error }) as const)
          .finally(settled),
      ),
    );
    const attempts = outcomes.flatMap((o) => ('attempt' in o ? [o.attempt] : []));
    const written = await this.deps.history.record(attempts).then(
      () => true,
      (error: unknown) => error,
    );
    return new Map(
      records.map((r, i) => {
        const outcome = outcomes[i]!;
        // The history write failed: a success is not repeated (the handler queues its record
        // instead); anything else is kept and attempted again.
        if (written === true || !('attempt' in outcome)) return [r.messageId, outcome];
        return [r.messageId, outcome.kind === 'succeeded' || outcome.kind === 'superseded' ? { ...outcome, recorded: false } : { kind: 'error', error: written }];
      }),
    );
  }

  private async process(record: QueueRecord, lane: Lane): Promise<DeliveryOutcome> {
    const { message } = record;
    if (message.kind === 'record') {
      await this.deps.history.record([attemptFromWire(message.attempt)]);
      return { kind: 'recorded' };
    }
    if (message.kind === 'recover') return { kind: 'recovered', ...(await this.deps.recover(message.task)) };
    const resolved = await this.resolve(record, jobFromWire(message.job));
    if (!resolved) return { kind: 'stale' };
    const wait = (resolved.stored?.nextAttemptAt ?? 0) - this.now().getTime();
    if (wait > EARLY_TOLERANCE_MS) return { kind: 'not_due', delaySeconds: Math.ceil(wait / 1000) };
    const checked = await this.check(resolved.job, lane);
    if ('kind' in checked) {
      if (!(await this.saveJob(resolved, checked, record.messageId))) return { kind: 'stale' };
      await this.leaveLine(resolved.job, checked);
      return checked;
    }
    const claimed = checked.admission === 'hold' ? resolved : await this.claim(resolved, record.messageId);
    if (!claimed) return { kind: 'stale' };
    const outcome = await this.attempt(claimed.job, checked.webhook, checked.admission === 'hold', lane);
    if (await this.saveJob(claimed, outcome, record.messageId)) {
      await this.leaveLine(claimed.job, outcome);
      return outcome;
    }
    // A redelivery re-queued the job while this attempt was being made. The attempt still has its
    // record (every POST is in the history); its own retry is not scheduled: the job is the redelivery's.
    return { kind: 'superseded', attempt: { ...outcome.attempt, nextRetryAt: null }, recorded: true };
  }

  /**
   * A message fresh from the fan-out carries its job and needs no read. Anything else — a message
   * received again, or re-queued by the sweeper — is checked against the stored job (a consistent
   * read): a message older than the job's state is stale, never a second POST.
   */
  private async resolve(record: QueueRecord, job: DeliveryJob): Promise<Resolved | undefined> {
    if (job.version === 0 && record.receiveCount <= 1) return { job };
    const stored = await this.deps.jobs.get(job.webhookId, job.eventId);
    if (job.version > 0) {
      // This version's message, or (after a failed attempt kept it in the queue for the retry) the job's waiting message.
      const waiting = stored?.messageId === record.messageId && !stored.parked;
      if (!stored || (stored.version !== job.version && !waiting) || stored.status !== 'pending') return undefined;
    } else if (stored) {
      // A first message seen again: it still carries the job only while the job waits in it.
      if (stored.status !== 'pending' || stored.parked || stored.messageId !== record.messageId) return undefined;
    } else {
      // Received again with nothing stored: the first attempt never got recorded. Make it.
      return { job };
    }
    return { job: { ...job, attempts: stored.attempts, version: stored.version }, stored };
  }

  /** The webhook (deleted or disabled: dropped) and the endpoint's admission (another lane: moved). */
  private async check(
    job: DeliveryJob,
    lane: Lane,
  ): Promise<Extract<DeliveryOutcome, { kind: 'dropped' | 'moved' | 'waiting' | 'stale' }> | { webhook: Webhook; admission: Exclude<Admission, 'move_to_slow_lane' | 'move_to_fast_lane'> }> {
    const webhook = await this.deps.webhooks.get(job.partnerId, job.webhookId);
    if (!webhook) return { kind: 'dropped', reason: 'webhook_deleted' };
    // A job made before the webhook's current active period began was pending across a disable.
    if (webhook.status !== 'active' || job.queuedAt < webhook.activeSince) return { kind: 'dropped', reason: 'webhook_disabled' };
    const requested = job.requested === true;
    if (job.order && !requested) {
      const turn = await this.turn(job, job.order);
      if (turn) return turn;
    }
    const admission = await this.deps.endpoints.admit(webhook.id, lane, requested, job.attempts > 0 && !requested);
    if (admission === 'move_to_slow_lane') return { kind: 'moved', to: 'slow', job };
    if (admission === 'move_to_fast_lane') return { kind: 'moved', to: 'fast', job };
    // A job the partner asked for, held by the circuit: it waits (parked or delayed), never ended.
    if (typeof admission === 'object') return { kind: 'waiting', job, until: admission.until, parked: admission.parked };
    if (webhook.rateLimitPerSecond && admission === 'attempt') {
      const waiting = await this.awaitSlot(job, webhook.id, webhook.rateLimitPerSecond, lane);
      if (waiting) return waiting;
    }
    return { webhook, admission };
  }

  /**
   * SPEC §11 per_entity ordering: undefined when the job is the head of its line (its turn);
   * `waiting` behind an earlier job; `stale` when its item is gone (it ended already). An earlier
   * job that has ended but is still in the line (its worker stopped between saving the end and
   * removing the item) is removed here.
   */
  private async turn(job: DeliveryJob, order: NonNullable<DeliveryJob['order']>): Promise<Extract<DeliveryOutcome, { kind: 'waiting' | 'stale' }> | undefined> {
    const lines = this.deps.orderedJobs!;
    for (;;) {
      const head = await lines.head(order.entityKey);
      if (!head || head.seqKey > order.seqKey) return { kind: 'stale' };
      if (head.seqKey === order.seqKey) return undefined;
      const ahead = await this.deps.jobs.get(head.webhookId, head.eventId);
      if (ahead && ahead.status !== 'pending') {
        await lines.remove(head.entityKey, head.seqKey);
        continue;
      }
      // Waiting for its retry: look again when it is due. Nothing stored: its first attempt is
      // queued or in flight — normally seconds after it was accepted; one gone quiet for long (its
      // message in the DLQ until redriven) is looked at less and less often (a tenth of its age).
      const now = this.now().getTime();
      const idle = ahead ? 0 : (now - acceptedAtMsOf(head.seqKey)) / 10;
      const until = Math.min(now + LINE_WAIT_MAX_MS, Math.max(now + LINE_POLL_MS, ahead?.nextAttemptAt ?? 0, now + idle));
      return { kind: 'waiting', job, until, parked: false };
    }
  }

  /** A job of a line that ended leaves it (after its end was saved), so the next job of its entity may go. */
  private async leaveLine(job: DeliveryJob, outcome: DeliveryOutcome): Promise<void> {
    if (job.order && ENDS_JOB.has(outcome.kind)) await this.deps.orderedJobs!.remove(job.order.entityKey, job.order.seqKey);
  }

  /**
   * Waits in the function for the job's slot when it is near; a job whose slot is further off is
   * held for it in the queue (not an attempt, never counted as a failed one: SPEC §11). A start
   * later than the slot allows (timers run late on a busy instance) takes a new slot.
   */
  private async awaitSlot(job: DeliveryJob, webhookId: string, perSecond: number, lane: Lane): Promise<Extract<DeliveryOutcome, { kind: 'waiting' }> | undefined> {
    let held = job;
    for (let tries = 0; tries < 3; tries++) {
      const slot = await this.slot(held, webhookId, perSecond);
      if (slot - this.now().getTime() > SLOT_WAIT_IN_FUNCTION_MS[lane]) {
        return { kind: 'waiting', job: { ...job, slotAt: slot }, until: slot - SLOT_EARLY_RETURN_MS, parked: false, lane: 'slow' };
      }
      await sleepUntil(slot, () => this.now());
      if (this.now().getTime() - slot <= lateStartToleranceMs(perSecond)) return undefined;
      held = { ...job, slotAt: undefined };
    }
    // Late three times: the instance is too busy to keep the limit; the job waits for the next free slot in the queue.
    return { kind: 'waiting', job, until: this.now().getTime() + 1000, parked: false, lane: 'slow' };
  }

  /**
   * The job's slot in the webhook's rate-limit schedule: the one its message holds, unless the
   * message came too late for it (then a slot in the past would let two attempts share a second:
   * it takes a new one).
   */
  private async slot(job: DeliveryJob, webhookId: string, perSecond: number): Promise<number> {
    const now = this.now().getTime();
    if (job.slotAt !== undefined && job.slotAt >= now) return job.slotAt;
    return this.deps.rateGate!.reserve(webhookId, perSecond, now);
  }

  /**
   * Before a stored job's POST, the attempt is counted in the job (its next version, this message
   * its message): of two messages resolved at one version only one POSTs, and a redelivery made
   * meanwhile queues the attempt after this one. undefined when another writer got there first.
   * A first attempt (nothing stored) claims nothing: the healthy path writes no job item.
   */
  private async claim({ job, stored }: Resolved, messageId: string): Promise<Resolved | undefined> {
    if (!stored) return { job };
    const now = this.now();
    const claimed = nextStoredJob(job, { status: 'pending', attempts: job.attempts + 1, nextAttemptAt: now.getTime(), parked: false, messageId }, job.version + 1, now, stored);
    if (!(await this.deps.jobs.save(claimed, job.version))) return undefined;
    // The attempt is numbered from the job before the claim; the outcome is written over the claim.
    return { job: { ...job, version: claimed.version }, stored: claimed };
  }

  private async attempt(job: DeliveryJob, webhook: Webhook, hold: boolean, lane: Lane): Promise<AttemptOutcome> {
    const attemptNumber = job.attempts + 1;
    const deliveryId = uuidv7();
    const attemptedAt = this.now();
    // On the fast lane an attempt gets the lane's deadline, unless it is the event's last (which
    // keeps its full 10 s: SPEC §4). Cut short, it goes on at once on the slow lane.
    const deadlineMs = lane === 'fast' && attemptNumber < this.deps.retryPolicy.maxAttempts ? this.deps.fastLaneDeadlineMs : undefined;
    const result: AttemptResult = hold
      ? noAnswer('circuit_open')
      : await this.send(job, webhook, deliveryId, attemptedAt, lane, deadlineMs);
    if (deadlineMs !== undefined && result.error === 'timeout') return this.handOff(job, webhook, deliveryId, attemptedAt, attemptNumber);
    let disabled: Exclude<DisabledReason, 'manual'> | undefined;
    if (!hold) {
      // The POST was made: failing to note it in the endpoint's health (a throttle of ours) must not
      // make it an error, whose message would be tried again and POST a second time.
      const health = await this.deps.endpoints
        .recordResult(webhook.id, { ok: result.ok, timedOut: result.error === 'timeout', responseTimeMs: result.responseTimeMs }, lane)
        .catch(() => undefined);
      disabled = await this.autoDisable(webhook, result, health);
    }

    const delaySeconds = result.ok || disabled ? undefined : this.deps.retryPolicy.delayAfterFailure(attemptNumber);
    const attempt = attemptOf(job, result, {
      id: deliveryId,
      attemptNumber,
      attemptedAt: attemptedAt.toISOString(),
      nextRetryAt: delaySeconds === undefined ? null : new Date(this.now().getTime() + delaySeconds * 1000).toISOString(),
    });
    if (result.ok) return { kind: 'succeeded', attempt, recorded: true };
    if (delaySeconds === undefined) return disabled ? { kind: 'failed', attempt, disabled } : { kind: 'failed', attempt };
    return { kind: 'retry', attempt, parked: delaySeconds > this.deps.parkAfterSeconds };
  }

  /**
   * The endpoint is slow (not failing: its health's failures and the circuit are not touched) and
   * its jobs go to the slow lane from now on; this one too, at once, with this attempt counted.
   * The endpoint may still have received it: the slow lane's attempt can be a duplicate (at-least-once).
   */
  private async handOff(job: DeliveryJob, webhook: Webhook, deliveryId: string, attemptedAt: Date, attemptNumber: number): Promise<AttemptOutcome> {
    await this.deps.endpoints.markSlow(webhook.id).catch(() => undefined);
    const attempt = unansweredAttempt(job, { id: deliveryId, attemptNumber, attemptedAt: attemptedAt.toISOString(), nextRetryAt: this.now().toISOString(), error: HANDED_OFF_ERROR });
    return { kind: 'handed_off', attempt, job: { ...job, attempts: attemptNumber, version: job.version + 1 } };
  }

  /** Signs and POSTs; on the fast lane, an answer slower than `slowAfterMs` moves the endpoint to the slow lane at once. */
  private async send(job: DeliveryJob, webhook: Webhook, deliveryId: string, sentAt: Date, lane: Lane, deadlineMs?: number): Promise<AttemptResult> {
    const data = job.data ?? (await this.loadData(job));
    const body = JSON.stringify(
      buildEnvelope({
        deliveryId,
        eventId: job.eventId,
        eventType: job.eventType,
        eventCreatedAt: job.eventCreatedAt,
        environment: job.environment,
        partnerId: job.partnerId,
        data,
      }),
    );
    const secret = await this.deps.cipher.decrypt(webhook.secretCiphertext, secretContext(webhook.partnerId, webhook.id));
    // During a rotation's overlap (SPEC §7) the previous secret signs too.
    const previousCiphertext = validPreviousSecret(webhook, sentAt);
    const previousSecret = previousCiphertext === undefined ? undefined : await this.deps.cipher.decrypt(previousCiphertext, secretContext(webhook.partnerId, webhook.id));
    // SPEC §11 custom headers, on every attempt; first, so ours win (their names are never ours anyway).
    const customHeaders = webhook.customHeaders
      ? (JSON.parse(await this.deps.cipher.decrypt(webhook.customHeaders.ciphertext, headersContext(webhook.partnerId, webhook.id))) as Record<string, string>)
      : {};
    const slowTimer =
      lane === 'fast'
        ? setTimeout(() => void this.deps.endpoints.markSlow(webhook.id).catch(() => undefined), this.deps.endpoints.policy.slowAfterMs)
        : undefined;
    const done = this.deps.endpoints.track(webhook.id);
    try {
      return await this.deps.sender.send(webhook.url, body, {
        ...customHeaders,
        ...signatureHeaders(secret, job.eventId, Math.floor(sentAt.getTime() / 1000), body, previousSecret),
        'x-tapp-event-type': job.eventType,
        'x-tapp-event-id': job.eventId,
        'x-tapp-delivery-id': deliveryId,
      }, deadlineMs === undefined ? {} : { timeoutMs: deadlineMs });
    } finally {
      clearTimeout(slowTimer);
      done();
    }
  }

  private async loadData(job: DeliveryJob): Promise<Record<string, unknown>> {
    const event = await this.deps.events.get(job.partnerId, job.eventId);
    if (!event) throw new Error(`event ${job.eventId} of a queued delivery is not in the event store`);
    return event.data;
  }

  /** A 410 Gone, or failing for too long, disables the webhook (conditionally); that attempt is its last. */
  private async autoDisable(webhook: Webhook, result: AttemptResult, health: EndpointHealth | undefined): Promise<Exclude<DisabledReason, 'manual'> | undefined> {
    const now = this.now();
    const reason = autoDisableReason(result, health, webhook, now, this.deps.autoDisableAfterMs);
    if (reason) await this.deps.disabler.disable(webhook.partnerId, webhook.id, { activeSince: webhook.activeSince }, reason, now.toISOString());
    return reason;
  }

  /**
   * The job's new state, written only when it has one worth keeping: a first attempt that
   * succeeded writes nothing here. false when another message changed the job first.
   */
  private async saveJob({ job, stored }: Resolved, outcome: DeliveryOutcome, messageId: string): Promise<boolean> {
    const now = this.now();
    const next = nextJobState(job, outcome, now);
    if (!next || (outcome.kind === 'succeeded' && !stored)) return true;
    const state = { ...next, ...(next.status === 'pending' && !next.parked ? { messageId } : {}) };
    return this.deps.jobs.save(nextStoredJob(job, state, job.version + 1, now, stored), job.version);
  }
}

/** What an outcome makes of the job; undefined when the job itself does not change. */
export function nextJobState(
  job: DeliveryJob,
  outcome: DeliveryOutcome,
  now: Date,
): Pick<JobState, 'status' | 'attempts' | 'nextAttemptAt' | 'parked' | 'droppedReason'> | undefined {
  switch (outcome.kind) {
    case 'succeeded':
      return { status: 'succeeded', attempts: outcome.attempt.attemptNumber, nextAttemptAt: now.getTime(), parked: false };
    case 'failed':
      return { status: 'failed', attempts: outcome.attempt.attemptNumber, nextAttemptAt: now.getTime(), parked: false };
    case 'retry':
      return { status: 'pending', attempts: outcome.attempt.attemptNumber, nextAttemptAt: Date.parse(outcome.attempt.nextRetryAt!), parked: outcome.parked };
    case 'handed_off':
      return { status: 'pending', attempts: outcome.attempt.attemptNumber, nextAttemptAt: now.getTime(), parked: false };
    case 'dropped':
      return { status: 'dropped', attempts: job.attempts, nextAttemptAt: now.getTime(), parked: false, droppedReason: outcome.reason };
    case 'waiting':
      // Parked until the circuit's next probe; a short wait travels in its new message instead.
      return outcome.parked ? { status: 'pending', attempts: job.attempts, nextAttemptAt: outcome.until, parked: true } : undefined;
    default:
      return undefined;
  }
}

/** Waits until `at` (epoch ms) by `now`'s clock; at once when it has passed. */
async function sleepUntil(at: number, now: () => Date): Promise<void> {
  const ms = at - now().getTime();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}
