// The SQS queues, described once for the local runtime and the CDK stack.

/** Delivery function timeout; the queue's visibility timeout must be well above it. */
export const DELIVERY_FUNCTION_TIMEOUT_SECONDS = 30;

export const DELIVERY_QUEUE = {
  name: 'buildmarkets-deliveries',
  /** ≥ 6× the function timeout, as AWS advises for SQS event sources. */
  visibilityTimeoutSeconds: 6 * DELIVERY_FUNCTION_TIMEOUT_SECONDS,
  /**
   * Each attempt is one receive (retries re-show the message), 6 attempts at most; the margin
   * covers early re-deliveries and crashes. Past it the message goes to the DLQ — the job stays
   * pending in DynamoDB, so the sweeper still finishes it.
   */
  maxReceiveCount: 15,
  deadLetterQueueName: 'buildmarkets-deliveries-dlq',
  /** Event source mapping batch size. */
  batchSize: 10,
} as const;
