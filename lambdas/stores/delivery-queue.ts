// The SQS delivery queues (one per lane): send jobs in size-aware batches, each entry's failure
// handled on its own, and push received messages' next appearance out by their retry delays
// (ChangeMessageVisibility: the wait is SQS's, not a function's).
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { encodeQueueMessage, fairnessGroupOf, type Lane, type QueueMessage } from '../domain/delivery.js';

/** SQS's limit for DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;
/** SQS's limits: 10 entries and 1 MiB (all bodies together) per batch, 1 MiB per message. */
const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 1_048_576;
const SEND_TRIES = 3;
/** Errors that refuse a request for what its messages hold, not for the state of the service. */
const REFUSED_CONTENT = /InvalidMessageContents|TooLong|InvalidParameterValue/;

/** A message as the delivery functions read it, from the event source mapping or their own receive. */
export type ReceivedMessage = { messageId: string; receiptHandle: string; body: string; receiveCount: number; sentTimestamp?: number };

export type Outgoing = { message: QueueMessage; delaySeconds?: number };
/** Per entry, in order: sent, or the reason it can never be (the queue refused it for good). */
export type SendResult = { ok: true } | { ok: false; reason: string };

type Pending = { index: number; body: string; group: string; delaySeconds?: number };

/** Groups entries into batches within both of SQS's batch limits. */
export function sizeAwareBatches<T extends { body: string }>(entries: T[], maxBytes = MAX_BATCH_BYTES): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.body);
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export class DeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: (lane: Lane) => string,
  ) {}

  /**
   * Sends one message per entry. An entry SQS refuses for good (a sender fault) is reported,
   * not thrown, so the caller can record it; one that keeps failing otherwise throws.
   */
  async send(lane: Lane, outgoing: Outgoing[]): Promise<SendResult[]> {
    const results: SendResult[] = outgoing.map(() => ({ ok: true }));
    let pending: Pending[] = outgoing.map((o, index) => ({ index, body: encodeQueueMessage(o.message), group: fairnessGroupOf(o.message), delaySeconds: o.delaySeconds }));
    for (const p of pending) {
      if (Buffer.byteLength(p.body) > MAX_BATCH_BYTES) results[p.index] = { ok: false, reason: 'message_too_large' };
    }
    pending = pending.filter((p) => results[p.index]!.ok);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const retry: Pending[] = [];
      for (const batch of sizeAwareBatches(pending)) {
        const failed = await this.sendBatch(lane, batch);
        for (const { entry, code, senderFault } of failed) {
          if (senderFault) results[entry.index] = { ok: false, reason: `queue_refused:${code}` };
          else retry.push(entry);
        }
      }
      if (retry.length > 0 && attempt >= SEND_TRIES) throw new Error(`SendMessageBatch kept failing for ${retry.length} entries`);
      pending = retry;
    }
    return results;
  }

  private async sendBatch(lane: Lane, batch: Pending[]): Promise<{ entry: Pending; code: string; senderFault: boolean }[]> {
    const entries: SendMessageBatchRequestEntry[] = batch.map((p, n) => ({
      Id: String(n),
      MessageBody: p.body,
      MessageGroupId: p.group,
      ...(p.delaySeconds ? { DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(p.delaySeconds))) } : {}),
    }));
    try {
      const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl(lane), Entries: entries }));
      return (result.Failed ?? []).map((f) => ({ entry: batch[Number(f.Id)]!, code: f.Code ?? 'unknown', senderFault: f.SenderFault === true }));
    } catch (error) {
      // A request refused as a whole for its content: one entry is to blame, so each is sent
      // alone to find it. Anything else (a throttle, an outage, credentials) is thrown.
      const code = (error as { name?: string }).name ?? 'unknown';
      if (!REFUSED_CONTENT.test(code)) throw error;
      if (batch.length === 1) return [{ entry: batch[0]!, code, senderFault: true }];
      return (await Promise.all(batch.map((entry) => this.sendBatch(lane, [entry])))).flat();
    }
  }

  /** Up to `max` (≤ 10) messages shown now, without waiting (short poll): an invocation filling its free slots (batch-refill.ts). */
  async receive(lane: Lane, max: number): Promise<ReceivedMessage[]> {
    const result = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl(lane),
        MaxNumberOfMessages: Math.min(MAX_BATCH_ENTRIES, Math.max(1, max)),
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    return (result.Messages ?? []).map((m) => receivedMessage(m.MessageId!, m.ReceiptHandle!, m.Body ?? '', m.Attributes ?? {}));
  }

  /** Deletes messages this function received itself and is done with (the event source mapping deletes its own). */
  async remove(lane: Lane, receiptHandles: string[]): Promise<void> {
    await inBatches('DeleteMessageBatch', receiptHandles, (chunk) =>
      this.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl(lane), Entries: chunk.map((handle, n) => ({ Id: String(n), ReceiptHandle: handle })) }),
      ),
    );
  }

  /** Each message comes back after its delay (and counts one more receive). */
  async retryAfter(lane: Lane, entries: { receiptHandle: string; seconds: number }[]): Promise<void> {
    await inBatches('ChangeMessageVisibilityBatch', entries, (chunk) =>
      this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl(lane),
          Entries: chunk.map((e, n) => ({
            Id: String(n),
            ReceiptHandle: e.receiptHandle,
            // At least 1 s: the local emulator (fauxqs 2.4) loses a persisted message whose visibility is set to 0.
            VisibilityTimeout: Math.max(1, Math.ceil(e.seconds)),
          })),
        }),
      ),
    );
  }
}

/** A received message from its SQS system attributes, as the event source mapping (SQSRecord.attributes) and ReceiveMessage both name them. */
export function receivedMessage(messageId: string, receiptHandle: string, body: string, attributes: { ApproximateReceiveCount?: string; SentTimestamp?: string }): ReceivedMessage {
  const sent = Number(attributes.SentTimestamp);
  return {
    messageId,
    receiptHandle,
    body,
    receiveCount: Number(attributes.ApproximateReceiveCount) || 1,
    sentTimestamp: Number.isFinite(sent) && sent > 0 ? sent : undefined,
  };
}

/** Sends `entries` in SQS batches of 10, one after another; any entry a batch reports failed throws. */
async function inBatches<T>(what: string, entries: T[], send: (chunk: T[]) => Promise<{ Failed?: { Code?: string }[] }>): Promise<void> {
  for (let i = 0; i < entries.length; i += MAX_BATCH_ENTRIES) {
    const result = await send(entries.slice(i, i + MAX_BATCH_ENTRIES));
    if (result.Failed?.length) throw new Error(`${what} failed for ${result.Failed.length} entries: ${result.Failed[0]!.Code ?? 'unknown'}`);
  }
}
