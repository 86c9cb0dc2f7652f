// The SQS delivery queue: enqueue jobs (batches of 10) and push a received message's next
// appearance out by the retry delay (ChangeMessageVisibility: the wait is SQS's, not a function's).
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deliverMessage } from '../domain/delivery.js';

/** SQS's limit for DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;

export class DeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: () => string,
  ) {}

  /** Sends one message per job; throws if any entry failed, so callers never lose one silently. */
  async enqueue(jobs: { jobId: string; delaySeconds?: number }[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 10) {
      const batch = jobs.slice(i, i + 10);
      const result = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl(),
          Entries: batch.map((job, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify(deliverMessage(job.jobId)),
            ...(job.delaySeconds ? { DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(job.delaySeconds))) } : {}),
          })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(`SendMessageBatch failed for ${result.Failed.length} entries: ${result.Failed[0]!.Code ?? 'unknown'}`);
      }
    }
  }

  /** The message comes back after `seconds` (and counts one more receive). */
  async retryAfter(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl(),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.ceil(seconds)),
      }),
    );
  }
}
