// The SQS queues, described once for the local runtime and the CDK stack: one per delivery lane
// (SPEC §9: endpoints that answer slowly are served by their own queue, function and concurrency).
import type { Lane } from '../domain/delivery.js';

/** Delivery function timeout; the queue's visibility timeout must be well above it. */
export const DELIVERY_FUNCTION_TIMEOUT_SECONDS = 30;

export type QueueDefinition = {
  name: string;
  /** ≥ 6× the function timeout, as AWS advises for SQS event sources. */
  visibilityTimeoutSeconds: number;
  /**
   * Receives before the DLQ. Each attempt is one receive (short retries re-show the message;
   * long ones are parked in DynamoDB and come back as a new message), plus early re-shows and
   * crashes.
   */
  maxReceiveCount: number;
  deadLetterQueueName: string;
  /** Event source mapping batch size. */
  batchSize: number;
};

const common = { visibilityTimeoutSeconds: 6 * DELIVERY_FUNCTION_TIMEOUT_SECONDS, maxReceiveCount: 15, batchSize: 10 };

export const DELIVERY_QUEUES: Record<Lane, QueueDefinition> = {
  fast: { ...common, name: 'buildmarkets-deliveries', deadLetterQueueName: 'buildmarkets-deliveries-dlq' },
  slow: { ...common, name: 'buildmarkets-deliveries-slow', deadLetterQueueName: 'buildmarkets-deliveries-slow-dlq' },
};

/** The fast lane's queue (the one the fan-out and the sweeper send to). */
export const DELIVERY_QUEUE = DELIVERY_QUEUES.fast;
