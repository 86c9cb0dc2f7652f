// SQS → delivery attempts. The response lists the records to keep (batchItemFailures): retries,
// whose visibility was set to the retry delay, and anything that could not be read or processed,
// which comes back after the queue's visibility timeout and ends in the DLQ rather than vanishing.
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { QueueRecord } from './delivery/delivery-worker.js';
import { queueMessageSchema } from './domain/delivery.js';
import { deps } from './shared/deps.js';

export const core = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const d = deps();
  const keep = new Set<string>();
  const records: QueueRecord[] = [];
  for (const record of event.Records) {
    try {
      const message = queueMessageSchema.parse(JSON.parse(record.body));
      records.push({
        messageId: record.messageId,
        receiptHandle: record.receiptHandle,
        receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
        message,
      });
    } catch {
      d.logger.error('unreadable delivery message kept for the DLQ', { message_id: record.messageId });
      keep.add(record.messageId);
    }
  }

  let outcomes;
  try {
    outcomes = await d.worker.processBatch(records);
  } catch (error) {
    // Nothing was recorded: keep every message; attempts already made may be repeated (at-least-once).
    d.logger.error('recording delivery results failed; batch kept', { error, size: records.length });
    return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
  }

  const later: { receiptHandle: string; seconds: number }[] = [];
  for (const record of records) {
    const outcome = outcomes.get(record.messageId)!;
    switch (outcome.kind) {
      case 'retry':
        // Counted from now, not from the attempt: the batch may have taken a while since.
        later.push({ receiptHandle: record.receiptHandle, seconds: (Date.parse(outcome.attempt.nextRetryAt!) - Date.now()) / 1000 });
        keep.add(record.messageId);
        break;
      case 'not_due':
        later.push({ receiptHandle: record.receiptHandle, seconds: outcome.delaySeconds });
        keep.add(record.messageId);
        break;
      case 'error':
        d.logger.error('delivery failed unexpectedly; message kept', { message_id: record.messageId, error: outcome.error });
        keep.add(record.messageId);
        break;
      case 'succeeded':
      case 'failed':
        d.logger.debug(`delivery ${outcome.kind}`, { event_id: outcome.attempt.eventId, attempt: outcome.attempt.attemptNumber });
        break;
      case 'dropped':
        d.logger.info('delivery dropped', { message_id: record.messageId, reason: outcome.reason });
        break;
      case 'stale':
        break;
    }
  }
  // If this fails, the kept messages come back after the queue's visibility timeout instead.
  await d.queue.retryAfter(later).catch((error: unknown) => d.logger.error('could not schedule retries', { error }));
  return { batchItemFailures: [...keep].map((itemIdentifier) => ({ itemIdentifier })) };
};

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>().handler(core);
