// The SQS delivery queue: enqueue jobs (batches of 10) and push received messages' next
// appearance out by their retry delays (ChangeMessageVisibility: the wait is SQS's, not a function's).
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DeliveryJob, deliverMessage } from '../domain/delivery.js';

/** SQS's limit for DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;
const BATCH = 10;

export class DeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: () => string,
  ) {}

  /** Sends one message per job; throws if any entry failed, so callers never lose one silently. */
  async enqueue(jobs: { job: DeliveryJob; delaySeconds?: number }[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += BATCH) {
      const batch = jobs.slice(i, i + BATCH);
      const result = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl(),
          Entries: batch.map(({ job, delaySeconds }, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify(deliverMessage(job)),
            ...(delaySeconds ? { DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))) } : {}),
          })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(`SendMessageBatch failed for ${result.Failed.length} entries: ${result.Failed[0]!.Code ?? 'unknown'}`);
      }
    }
  }

  /** Each message comes back after its delay (and counts one more receive). */
  async retryAfter(entries: { receiptHandle: string; seconds: number }[]): Promise<void> {
    for (let i = 0; i < entries.length; i += BATCH) {
      const result = await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl(),
          Entries: entries.slice(i, i + BATCH).map((e, n) => ({
            Id: String(n),
            ReceiptHandle: e.receiptHandle,
            VisibilityTimeout: Math.max(0, Math.ceil(e.seconds)),
          })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(`ChangeMessageVisibilityBatch failed for ${result.Failed.length} entries: ${result.Failed[0]!.Code ?? 'unknown'}`);
      }
    }
  }
}
