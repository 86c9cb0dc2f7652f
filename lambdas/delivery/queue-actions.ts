// What each delivery outcome means for its SQS message, as a pure plan — keep it (and when it
// shows again), delete it, move its job to another lane, queue a history record — and the one
// function that carries a plan out.
import { deliverMessage, type Lane, recordMessage } from '../domain/delivery.js';
import { ownErrorRetrySeconds } from '../domain/retry-policy.js';
import type { Outgoing } from '../stores/delivery-queue.js';
import type { DeliveryOutcome, QueueRecord } from './delivery-worker.js';

export type QueueActions = {
  /** Messages left in the queue (batchItemFailures). */
  keep: string[];
  /** When kept messages show again (ChangeMessageVisibility); the rest wait the queue's visibility timeout. */
  showAgain: { receiptHandle: string; seconds: number }[];
  /** Messages to send before the received ones are deleted; a received one is kept if its send fails. */
  send: { lane: Lane; messageId: string; outgoing: Outgoing }[];
};

export function planQueueActions(
  records: QueueRecord[],
  outcomes: Map<string, DeliveryOutcome>,
  lane: Lane,
  now: number,
  random: () => number = Math.random,
): QueueActions {
  const plan: QueueActions = { keep: [], showAgain: [], send: [] };
  for (const record of records) {
    const outcome = outcomes.get(record.messageId) ?? { kind: 'error', error: new Error('no outcome') };
    switch (outcome.kind) {
      case 'retry':
        if (outcome.parked) break; // the jobs table holds it now; the sweeper re-queues it when due
        plan.keep.push(record.messageId);
        // From now, not from the attempt: the rest of the batch may have taken a while.
        plan.showAgain.push({ receiptHandle: record.receiptHandle, seconds: Math.max(0, (Date.parse(outcome.attempt.nextRetryAt!) - now) / 1000) });
        break;
      case 'not_due':
        plan.keep.push(record.messageId);
        plan.showAgain.push({ receiptHandle: record.receiptHandle, seconds: outcome.delaySeconds });
        break;
      case 'error':
        // Our own failure (a throttle, a timeout of ours): tried again in seconds, not after the
        // queue's visibility timeout; the queue's maxReceiveCount bounds the tries (then the DLQ).
        plan.keep.push(record.messageId);
        plan.showAgain.push({ receiptHandle: record.receiptHandle, seconds: ownErrorRetrySeconds(record.receiveCount, random) });
        break;
      case 'waiting':
        if (outcome.parked) break; // the jobs table holds it until the circuit's next probe; the sweeper re-queues it
        // A new message (a fresh receive count: waiting on a probe never uses up the message's receives).
        plan.send.push({
          lane: outcome.lane ?? lane,
          messageId: record.messageId,
          outgoing: { message: deliverMessage(outcome.job), delaySeconds: Math.max(outcome.lane ? 0 : 1, Math.ceil((outcome.until - now) / 1000)) },
        });
        break;
      case 'moved':
        plan.send.push({ lane: outcome.to, messageId: record.messageId, outgoing: { message: deliverMessage(outcome.job) } });
        break;
      case 'handed_off':
        plan.send.push({ lane: 'slow', messageId: record.messageId, outgoing: { message: deliverMessage(outcome.job) } });
        break;
      case 'succeeded':
      case 'superseded':
        if (!outcome.recorded) plan.send.push({ lane, messageId: record.messageId, outgoing: { message: recordMessage(outcome.attempt) } });
        break;
      case 'failed':
      case 'dropped':
      case 'stale':
      case 'recorded':
      case 'recovered':
        break;
    }
  }
  return plan;
}

export type QueueSender = {
  send(lane: Lane, outgoing: Outgoing[]): Promise<{ ok: boolean }[]>;
  retryAfter(lane: Lane, entries: { receiptHandle: string; seconds: number }[]): Promise<void>;
};

/** Carries out a plan; returns the ids of the messages to keep (including those whose send failed). */
export async function applyQueueActions(queue: QueueSender, lane: Lane, plan: QueueActions, onError: (what: string, error: unknown) => void): Promise<string[]> {
  const keep = new Set(plan.keep);
  for (const target of new Set(plan.send.map((s) => s.lane))) {
    const sends = plan.send.filter((s) => s.lane === target);
    const results = await queue.send(target, sends.map((s) => s.outgoing)).catch((error: unknown) => {
      onError('could not queue', error);
      return sends.map(() => ({ ok: false }));
    });
    sends.forEach((s, i) => results[i]!.ok || keep.add(s.messageId));
  }
  // If this fails, the kept messages come back after the queue's visibility timeout instead.
  await queue.retryAfter(lane, plan.showAgain).catch((error: unknown) => onError('could not schedule retries', error));
  return [...keep];
}
