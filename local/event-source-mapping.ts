// The local stand-in for the Lambda SQS event source mapping: long-polls the queue, invokes the
// handler with batches, deletes what succeeded and leaves the reported batchItemFailures (and
// everything, if the handler throws) for SQS to show again.
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from '../lambdas/shared/logger.js';
import type { LambdaHandler } from './handler-loader.js';
import { lambdaContext } from './lambda-context.js';

export type EventSourceMappingOptions = {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  batchSize: number;
  /** Batches in the function at once, like the mapping's maximum concurrency. */
  concurrency: number;
  handler: () => Promise<LambdaHandler<SQSEvent, SQSBatchResponse>>;
  logger: Logger;
};

export function toRecord(message: Message, options: Pick<EventSourceMappingOptions, 'queueArn' | 'region'>): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}

/** One long poll, as the Lambda event source mapping polls: 20 s (an empty receive is a billed request). */
async function receive(options: EventSourceMappingOptions, abortSignal: AbortSignal): Promise<Message[]> {
  const command = new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: options.batchSize, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['All'] });
  return (await options.sqs.send(command, { abortSignal })).Messages ?? [];
}

/** Deletes the batch's records the handler did not report as failed. */
async function deleteDone(options: EventSourceMappingOptions, records: SQSRecord[], failed: Set<string>): Promise<void> {
  const done = records.filter((r) => !failed.has(r.messageId));
  if (done.length === 0) return;
  const command = new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) });
  await options.sqs.send(command).catch((error: unknown) => options.logger.warn('event source mapping: delete failed', { error }));
}

/**
 * Hands a received batch to the handler, then deletes what succeeded; a handler that throws
 * leaves the whole batch for SQS to show again.
 */
async function invoke(options: EventSourceMappingOptions, handler: LambdaHandler<SQSEvent, SQSBatchResponse>, messages: Message[]): Promise<void> {
  const records = messages.map((m) => toRecord(m, options));
  // A batch is in the function from here to "batch done" (tests wait for a moment with none in it).
  options.logger.debug('event source mapping: batch received', { queue_url: options.queueUrl, received: records.length });
  let failed: Set<string>;
  try {
    const response = await handler({ Records: records }, lambdaContext('deliver'));
    failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch (error) {
    options.logger.error('delivery function failed; the batch will be received again', { error });
    options.logger.debug('event source mapping: batch done', { queue_url: options.queueUrl, received: records.length, kept: records.length });
    return;
  }
  await deleteDone(options, records, failed);
  // The batch is over: its kept messages now wait out the visibility its handler set.
  options.logger.debug('event source mapping: batch done', { queue_url: options.queueUrl, received: records.length, kept: failed.size });
}

/**
 * One long poll at a time, and only while fewer than `concurrency` batches are in the function:
 * what the mapping's maximum concurrency bounds is invocations, not receives. (A poller per
 * invocation slot would cost a wave of empty receives per message: fauxqs wakes every waiting
 * long poll when a message comes and all but one answer empty, where SQS keeps them waiting.)
 */
export function startEventSourceMapping(options: EventSourceMappingOptions): { stop(): Promise<void> } {
  let running = true;
  const abort = new AbortController();
  const inFunction = new Set<Promise<void>>();

  async function poll(): Promise<void> {
    const handler = await options.handler();
    while (running) {
      if (inFunction.size >= options.concurrency) {
        await Promise.race(inFunction);
        continue;
      }
      let messages: Message[];
      try {
        messages = await receive(options, abort.signal);
      } catch (error) {
        if (!running) return;
        options.logger.warn('event source mapping: receive failed', { error });
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (messages.length === 0) continue;
      const batch: Promise<void> = invoke(options, handler, messages)
        .catch((error: unknown) => options.logger.error('event source mapping: batch failed', { error }))
        .finally(() => inFunction.delete(batch));
      inFunction.add(batch);
    }
  }

  const poller = poll();
  return {
    stop: async () => {
      running = false;
      abort.abort();
      await poller.catch(() => undefined);
      await Promise.allSettled(inFunction);
    },
  };
}
