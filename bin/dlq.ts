// `npm run dlq -- list | redrive [--lane fast|slow] [--max N] [--stack <name>]`
// What sits in the delivery lanes' dead-letter queues (messages the delivery functions failed on
// maxReceiveCount times), and moving them back to their lane's queue. Works on the running local
// runtime (through $DATA_DIR/local.json) or on a deployed stack (see cli-target.ts).
//
// Redrive is receive → send to the lane's queue → delete, ten at a time: it works the same on
// fauxqs (which has no StartMessageMoveTask) and on AWS, and a message is deleted from the DLQ
// only once its copy is in the queue (a crash in between leaves a duplicate, never a loss; the
// worker's version checks make a duplicate of a stored job stale).
import { parseArgs } from 'node:util';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LANES, type Lane, queueMessageSchema } from '../lambdas/domain/delivery.js';
import { fail, localQueueTarget, printJson, stackQueueTarget } from './cli-target.js';

const USAGE = `usage:
  npm run dlq -- list [--lane fast|slow] [--max N] [--stack <name>]
  npm run dlq -- redrive [--lane fast|slow] [--max N] [--stack <name>]
Without --lane, both lanes. --max: at most N messages per lane (default: all).
--stack: a deployed stack (AWS credentials and region from the usual AWS environment); default: the local runtime`;

/** While listed, a message is hidden this long; the listing shows it again at once when done. */
const LIST_HIDE_SECONDS = 30;

/** What a DLQ message holds, as far as it parses. */
export function describeMessage(lane: Lane, m: Message) {
  const base = {
    lane,
    message_id: m.MessageId,
    receive_count: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    sent_at: m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)).toISOString() : null,
  };
  let json: unknown;
  try {
    json = JSON.parse(m.Body ?? '');
  } catch {
    return { ...base, kind: 'unparseable', body_bytes: Buffer.byteLength(m.Body ?? '') };
  }
  const parsed = queueMessageSchema.safeParse(json);
  if (!parsed.success) return { ...base, kind: 'unparseable', body_bytes: Buffer.byteLength(m.Body ?? '') };
  const message = parsed.data;
  if (message.kind === 'record') {
    return { ...base, kind: 'record', webhook_id: message.attempt.webhook_id, event_id: message.attempt.event_id, attempt_number: message.attempt.attempt_number };
  }
  if (message.kind === 'recover') {
    const { task } = message;
    return { ...base, kind: 'recover', partner_id: task.partner_id, webhook_id: task.webhook_id, since: task.since, until: task.until };
  }
  const { job } = message;
  return {
    ...base,
    kind: 'deliver',
    partner_id: job.partner_id,
    webhook_id: job.webhook_id,
    event_id: job.event_id,
    event_type: job.event_type,
    attempts: job.attempts,
    version: job.version,
  };
}

/**
 * Receives up to `max` messages, ten at a time, until the queue answers empty twice. `waitSeconds`:
 * 1 on AWS (short polls sample a subset of servers and may answer empty); 0 on fauxqs, where a
 * long poll that timed out can still take a message that becomes visible later, and lose it.
 */
async function* receiveAll(sqs: SQSClient, queueUrl: string, max: number, hideSeconds: number, waitSeconds: number): AsyncGenerator<Message[]> {
  let got = 0;
  let empty = 0;
  while (got < max && empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - got),
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: hideSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    empty = Messages.length === 0 ? empty + 1 : 0;
    // Without a long poll, wait as one would: a message a listing just hid (1 s) shows again meanwhile.
    if (empty === 1 && waitSeconds === 0) await new Promise((resolve) => setTimeout(resolve, 1200));
    got += Messages.length;
    if (Messages.length > 0) yield Messages;
  }
}

async function list(sqs: SQSClient, lane: Lane, dlqUrl: string, max: number, waitSeconds: number) {
  const seen = new Map<string, ReturnType<typeof describeMessage>>();
  const handles: string[] = [];
  for await (const batch of receiveAll(sqs, dlqUrl, max, LIST_HIDE_SECONDS, waitSeconds)) {
    for (const m of batch) {
      if (!seen.has(m.MessageId!)) seen.set(m.MessageId!, describeMessage(lane, m));
      handles.push(m.ReceiptHandle!);
    }
  }
  // Visible again a second later: listing leaves the DLQ as it was (receive counts aside). Not 0:
  // fauxqs 2.4's SQLite persistence fails on a visibility of 0 after taking the message out of
  // flight, and the message is lost.
  for (let i = 0; i < handles.length; i += 10) {
    const shown = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: dlqUrl,
        Entries: handles.slice(i, i + 10).map((h, n) => ({ Id: String(n), ReceiptHandle: h, VisibilityTimeout: 1 })),
      }),
    );
    if (shown.Failed?.length) process.stderr.write(`dlq: ${shown.Failed.length} listed messages stay hidden for up to ${LIST_HIDE_SECONDS} s (${shown.Failed[0]!.Code})\n`);
  }
  return [...seen.values()];
}

async function redrive(sqs: SQSClient, queueUrl: string, dlqUrl: string, max: number, waitSeconds: number): Promise<{ redriven: number; failed: number }> {
  let redriven = 0;
  let failed = 0;
  for await (const batch of receiveAll(sqs, dlqUrl, max, 60, waitSeconds)) {
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, n) => ({ Id: String(n), MessageBody: m.Body! })) }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
    failed += batch.length - ok.size;
    const toDelete = batch.filter((_, n) => ok.has(n));
    if (toDelete.length > 0) {
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: toDelete.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })) }),
      );
      if (deleted.Failed?.length) process.stderr.write(`dlq: ${deleted.Failed.length} redriven messages stay in the DLQ too (delete failed)\n`);
    }
    redriven += toDelete.length;
  }
  return { redriven, failed };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { lane: { type: 'string' }, max: { type: 'string' }, stack: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if ((command !== 'list' && command !== 'redrive') || rest.length > 0) fail(USAGE);
  if (values.lane !== undefined && !(LANES as readonly string[]).includes(values.lane)) fail(`--lane: fast or slow\n${USAGE}`);
  const max = values.max === undefined ? Number.POSITIVE_INFINITY : Number(values.max);
  if (!(max === Number.POSITIVE_INFINITY || (Number.isInteger(max) && max > 0))) fail(`--max: a whole number above 0\n${USAGE}`);
  const lanes = values.lane === undefined ? [...LANES] : [values.lane as Lane];
  const target = values.stack ? await stackQueueTarget(values.stack) : localQueueTarget(values['data-dir']);
  const sqs = new SQSClient({ region: target.region, endpoint: target.sqsEndpoint, credentials: target.credentials });
  const waitSeconds = target.sqsEndpoint ? 0 : 1;
  try {
    // The lanes are independent queues: both at once (each ends with a pause of its own, above).
    if (command === 'list') {
      const messages = await Promise.all(lanes.map((lane) => list(sqs, lane, target.lanes[lane].deadLetterQueueUrl, max, waitSeconds)));
      printJson(messages.flat());
    } else {
      const results = await Promise.all(
        lanes.map(async (lane) => ({ lane, ...(await redrive(sqs, target.lanes[lane].queueUrl, target.lanes[lane].deadLetterQueueUrl, max, waitSeconds)) })),
      );
      printJson(results);
      if (results.some((r) => r.failed > 0)) process.exitCode = 1;
    }
  } finally {
    sqs.destroy();
  }
}

main().catch((error: unknown) => fail(`dlq: ${error instanceof Error ? error.message : String(error)}`));
