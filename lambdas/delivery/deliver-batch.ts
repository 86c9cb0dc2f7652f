// One SQS batch of a delivery lane: parse each record at the edge, work them (DeliveryWorker),
// carry out the queue actions their outcomes call for, and report the records to keep
// (batchItemFailures). A record that cannot be read is kept, so it ends in the DLQ, not in a void.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Lane, queueMessageSchema } from '../domain/delivery.js';
import { config } from '../shared/config.js';
import { deliveryGraph } from './delivery-deps.js';
import { emitDeliveryMetrics, type ReceivedRecord } from './delivery-metrics.js';
import type { DeliveryOutcome, QueueRecord } from './delivery-worker.js';
import { applyQueueActions, planQueueActions } from './queue-actions.js';

export async function deliverBatch(event: SQSEvent, lane: Lane): Promise<SQSBatchResponse> {
  const { worker, queue, logger } = deliveryGraph();
  const unreadable: string[] = [];
  const records: QueueRecord[] = [];
  for (const record of event.Records) {
    const parsed = safeParse(record.body);
    if (parsed) records.push({ messageId: record.messageId, receiptHandle: record.receiptHandle, receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1, message: parsed });
    else unreadable.push(record.messageId);
  }
  if (unreadable.length > 0) logger.error('unreadable delivery messages kept for the DLQ', { message_ids: unreadable });

  const outcomes = await worker.processBatch(records, lane);
  for (const [messageId, outcome] of outcomes) log(logger, messageId, outcome);
  emitDeliveryMetrics(config().metrics, lane, event.Records.map(received), outcomes.values());
  const keep = await applyQueueActions(queue, lane, planQueueActions(records, outcomes, lane, Date.now()), (what, error) =>
    logger.error(what, { error }),
  );
  return { batchItemFailures: [...unreadable, ...keep].map((itemIdentifier) => ({ itemIdentifier })) };
}

/** What the metrics need of a record: how often it was received and when it was sent (epoch ms). */
function received(record: SQSEvent['Records'][number]): ReceivedRecord {
  const sent = Number(record.attributes.SentTimestamp);
  return { receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1, sentTimestamp: Number.isFinite(sent) && sent > 0 ? sent : undefined };
}

function safeParse(body: string) {
  try {
    const parsed = queueMessageSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function log(logger: ReturnType<typeof deliveryGraph>['logger'], messageId: string, outcome: DeliveryOutcome): void {
  if (outcome.kind === 'error') logger.error('delivery failed unexpectedly; message kept', { message_id: messageId, error: outcome.error });
  else if (outcome.kind === 'failed' && outcome.disabled) logger.warn('webhook disabled by the delivery path', { webhook_id: outcome.attempt.webhookId, reason: outcome.disabled });
  else if (outcome.kind === 'dropped') logger.info('delivery dropped', { message_id: messageId, reason: outcome.reason });
  else if (outcome.kind === 'recovered') logger.info('recover task run', { message_id: messageId, queued: outcome.queued, ...(outcome.stopped ? { stopped: outcome.stopped } : {}) });
  else if ('attempt' in outcome) logger.debug(`delivery ${outcome.kind}`, { event_id: outcome.attempt.eventId, attempt: outcome.attempt.attemptNumber });
}
