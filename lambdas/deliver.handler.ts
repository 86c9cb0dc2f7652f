// SQS → delivery attempts. Records are processed independently; the response lists the ones to
// keep (batchItemFailures), whose visibility was set to the retry delay. A record that cannot be
// read or processed is kept too, so it is retried and ends in the DLQ rather than vanishing.
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { queueMessageSchema } from './domain/delivery.js';
import { deps } from './shared/deps.js';

/** true = done (delete the message); false = keep it for a later receive. */
async function processRecord(record: SQSRecord): Promise<boolean> {
  const d = deps();
  let message;
  try {
    message = queueMessageSchema.parse(JSON.parse(record.body));
  } catch {
    d.logger.error('unreadable delivery message kept for the DLQ', { message_id: record.messageId });
    return false;
  }
  const outcome = await d.worker.process(message.job_id);
  switch (outcome.kind) {
    case 'retry':
    case 'not_due':
      await d.queue.retryAfter(record.receiptHandle, outcome.delaySeconds);
      return false;
    case 'succeeded':
    case 'failed':
      d.logger.info(`delivery ${outcome.kind}`, {
        job_id: message.job_id,
        attempt: outcome.attempt.attemptNumber,
        http_status: outcome.attempt.httpStatus,
        error: outcome.attempt.error,
      });
      return true;
    case 'dropped':
      d.logger.info('delivery dropped', { job_id: message.job_id, reason: outcome.reason });
      return true;
    case 'stale':
      return true;
  }
}

export const core = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.all(
    event.Records.map((record) =>
      processRecord(record).catch((error: unknown) => {
        deps().logger.error('delivery failed unexpectedly; message kept', { message_id: record.messageId, error });
        return false;
      }),
    ),
  );
  return {
    batchItemFailures: event.Records.filter((_, i) => !results[i]).map((r) => ({ itemIdentifier: r.messageId })),
  };
};

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>().handler(core);
