// One SQS batch of a delivery lane: parse each record at the edge, work them (DeliveryWorker),
// carry out the queue actions their outcomes call for, and report the records to keep
// (batchItemFailures). A record that cannot be read is kept, so it ends in the DLQ, not in a void.
// While one attempt is slow, the batch's free slots take more messages of the lane's queue
// (batch-refill.ts); those the function deletes itself when done. The handler hands in the graph
// (wiring/delivery.ts deliveryGraph).
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Lane, queueMessageSchema } from '../domain/delivery.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { type DeliveryQueue, type ReceivedMessage, receivedMessage } from '../stores/delivery-queue.js';
import { DELIVERY_QUEUES } from '../stores/queue-definitions.js';
import { type RefillPolicy, workWithRefill } from './batch-refill.js';
import { emitDeliveryMetrics } from './delivery-metrics.js';
import type { DeliveryOutcome, DeliveryWorker, QueueRecord } from './delivery-worker.js';
import { applyQueueActions, planQueueActions } from './queue-actions.js';

export type DeliverBatchDeps = {
  worker: Pick<DeliveryWorker, 'processBatch'>;
  queue: Pick<DeliveryQueue, 'send' | 'retryAfter' | 'receive' | 'remove'>;
  logger: Logger;
  /** The metrics' settings, and the lanes' attempt times the refill window follows. */
  config: Pick<Config, 'metrics' | 'refillAfterMs' | 'deliveryTimeoutMs' | 'fastLaneDeadlineMs'>;
};

/** Receive at least this many messages at a time when filling slots. */
const REFILL_MIN_FREE = 3;
const REFILL_EMPTY_BACKOFF_MS = 250;

export async function deliverBatch(event: SQSEvent, lane: Lane, deps: DeliverBatchDeps): Promise<SQSBatchResponse> {
  const { queue, logger } = deps;
  const onError = (what: string, error: unknown) => logger.error(what, { error });
  const batch = event.Records.map((r) => receivedMessage(r.messageId, r.receiptHandle, r.body, r.attributes));
  const keep = await workWithRefill(batch.length, (settled) => workMessages(deps, batch, lane, settled), refillPolicy(lane, deps.config), {
    receive: (max) => queue.receive(lane, max),
    work: async (messages, settled) => {
      const kept = new Set(await workMessages(deps, messages, lane, settled));
      // If this fails, the messages show again after the visibility timeout (at-least-once).
      await queue.remove(lane, messages.filter((m) => !kept.has(m.messageId)).map((m) => m.receiptHandle));
    },
    onError,
  });
  return { batchItemFailures: keep.map((itemIdentifier) => ({ itemIdentifier })) };
}

/** Works messages to the end (attempts, history, queue actions); returns the ids of those to keep in the queue. */
async function workMessages(deps: DeliverBatchDeps, messages: ReceivedMessage[], lane: Lane, settled: () => void): Promise<string[]> {
  const { worker, queue, logger } = deps;
  const unreadable: string[] = [];
  const records: QueueRecord[] = [];
  for (const m of messages) {
    const parsed = safeParse(m.body);
    if (parsed) records.push({ messageId: m.messageId, receiptHandle: m.receiptHandle, receiveCount: m.receiveCount, message: parsed });
    else {
      unreadable.push(m.messageId);
      settled();
    }
  }
  if (unreadable.length > 0) logger.error('unreadable delivery messages kept for the DLQ', { message_ids: unreadable });

  const outcomes = await worker.processBatch(records, lane, settled);
  for (const [messageId, outcome] of outcomes) log(logger, messageId, outcome);
  emitDeliveryMetrics(deps.config.metrics, lane, messages, outcomes.values());
  const keep = await applyQueueActions(queue, lane, planQueueActions(records, outcomes, lane, Date.now()), (what, error) => logger.error(what, { error }));
  return [...unreadable, ...keep];
}

/** Fills a batch's free slots while one attempt is slow, until the lane's longest attempt could have ended. */
function refillPolicy(lane: Lane, cfg: DeliverBatchDeps['config']): RefillPolicy {
  const longestAttemptMs = lane === 'fast' ? (cfg.fastLaneDeadlineMs ?? cfg.deliveryTimeoutMs) : cfg.deliveryTimeoutMs;
  const { batchSize } = DELIVERY_QUEUES[lane];
  return { slots: batchSize, minFree: REFILL_MIN_FREE, afterMs: cfg.refillAfterMs, windowMs: cfg.refillAfterMs > 0 ? longestAttemptMs : 0, emptyBackoffMs: REFILL_EMPTY_BACKOFF_MS };
}

function safeParse(body: string) {
  try {
    const parsed = queueMessageSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function log(logger: Logger, messageId: string, outcome: DeliveryOutcome): void {
  if (outcome.kind === 'error') logger.error('delivery failed unexpectedly; message kept', { message_id: messageId, error: outcome.error });
  else if (outcome.kind === 'failed' && outcome.disabled) logger.warn('webhook disabled by the delivery path', { webhook_id: outcome.attempt.webhookId, reason: outcome.disabled });
  else if (outcome.kind === 'dropped') logger.info('delivery dropped', { message_id: messageId, reason: outcome.reason });
  else if (outcome.kind === 'recovered') logger.info('recover task run', { message_id: messageId, queued: outcome.queued, ...(outcome.stopped ? { stopped: outcome.stopped } : {}) });
  else if ('attempt' in outcome) logger.debug(`delivery ${outcome.kind}`, { event_id: outcome.attempt.eventId, attempt: outcome.attempt.attemptNumber });
}
