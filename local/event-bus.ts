// The local stand-in for EventBridge: a PutEvents endpoint (AWS JSON 1.1, what
// @aws-sdk/client-eventbridge speaks) for the `buildmarkets-events` bus. Entries that match the
// fan-out rule (FAN_OUT_RULE_PATTERN, the one the stack deploys) are passed to the fan-out
// handler before PutEvents answers, so an accepted event is already durable in DynamoDB.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { EventBridgeEvent } from 'aws-lambda';
import { FAN_OUT_RULE_PATTERN } from '../lambdas/domain/event-rule.js';
import type { Logger } from '../lambdas/shared/logger.js';
import { http } from '../lambdas/shared/node-http.js';
import { type EventPattern, matchesPattern } from './event-pattern.js';
import { lambdaContext } from './lambda-context.js';
import { listenOnLoopback, readBody } from './loopback-server.js';
import { Semaphore } from './semaphore.js';
import type { LambdaHandler } from './handler-loader.js';

type PutEventsEntry = { Source?: string; DetailType?: string; Detail?: string; EventBusName?: string; Time?: string | number; Resources?: string[] };
type EntryError = { ErrorCode: string; ErrorMessage: string };
type EntryResult = { EventId: string } | EntryError;

const MAX_ENTRIES = 10;
/** EventBridge's entry limit since 2026 (it was 256 KB). */
const MAX_ENTRY_BYTES = 1024 * 1024;
/** Ten entries of the largest size, plus the request's own JSON. */
const MAX_REQUEST_BYTES = MAX_ENTRIES * MAX_ENTRY_BYTES + 64 * 1024;
/** EventBridge retries a failing target; locally a few quick tries, then the error is logged. */
const TARGET_ATTEMPTS = 3;

export type EventBusOptions = {
  port: number;
  busName: string;
  region: string;
  fanOut: () => Promise<LambdaHandler<EventBridgeEvent<string, unknown>, unknown>>;
  logger: Logger;
  fanOutConcurrency: number;
};

export async function startEventBus(options: EventBusOptions): Promise<{ url: string; stop(): Promise<void> }> {
  // Like the fan-out function's concurrency in AWS: a burst of PutEvents waits its turn instead
  // of starving the delivery function of DynamoDB connections.
  const fanOutSlots = new Semaphore(options.fanOutConcurrency);
  const busNames = new Set([options.busName, `arn:aws:events:${options.region}:000000000000:event-bus/${options.busName}`]);

  async function putEntry(entry: PutEventsEntry): Promise<EntryResult> {
    const event = eventOf(entry, busNames, options);
    if (!('id' in event)) return event;
    if (matchesPattern(FAN_OUT_RULE_PATTERN as unknown as EventPattern, event as unknown as Record<string, unknown>)) {
      // Not accepted unless the fan-out stored it: the publisher sees a failed entry and retries,
      // as it must for any PutEvents entry failure, instead of the event living only in a log.
      if (!(await fanOutSlots.run(() => invokeWithRetries(options, event)))) {
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'The event could not be processed; retry it.' };
      }
    } else {
      options.logger.info('event matched no rule', { source: entry.Source, detail_type: entry.DetailType });
    }
    return { EventId: event.id };
  }

  const server = http.createServer((req, res) => {
    void readBody(req, MAX_REQUEST_BYTES).then((raw) => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      const entries = requestEntries(req, raw);
      if (!Array.isArray(entries)) {
        reply(entries.status, entries.body);
        return;
      }
      Promise.all(entries.map(putEntry)).then(
        (results) => reply(200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results }),
        () => reply(500, { __type: 'InternalException', message: 'Internal error.' }),
      );
    }, () => res.destroy());
  });
  return listenOnLoopback(server, options.port);
}

/** The entry as the event a rule's target receives, or why EventBridge refuses the entry. */
function eventOf(entry: PutEventsEntry, busNames: Set<string>, options: EventBusOptions): EntryError | EventBridgeEvent<string, unknown> {
  if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required.' };
  }
  if (!busNames.has(entry.EventBusName ?? 'default')) {
    return {
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: `Event bus ${entry.EventBusName ?? 'default'} does not exist here; publish to ${options.busName}.`,
    };
  }
  if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Entry exceeds 1 MB.' };
  }
  const parsed = parseDetail(entry.Detail);
  if ('error' in parsed) return parsed.error;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '000000000000',
    time: eventTime(entry.Time),
    region: options.region,
    resources: entry.Resources ?? [],
    detail: parsed.detail,
  };
}

/** An entry's Detail: a JSON object, as EventBridge requires. */
function parseDetail(text: string): { detail: object } | { error: EntryError } {
  let detail: unknown;
  try {
    detail = JSON.parse(text);
  } catch {
    return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail must be a JSON object.' } };
  }
  return { detail };
}

/** The event's time, to the second: the entry's Time (epoch seconds or a date string), else now. */
function eventTime(entryTime: PutEventsEntry['Time']): string {
  const time = entryTime === undefined ? new Date() : new Date(typeof entryTime === 'number' ? entryTime * 1000 : entryTime);
  return (Number.isNaN(time.getTime()) ? new Date() : time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** true once the fan-out handled the event (stored its jobs, or stored it as rejected). */
async function invokeWithRetries(options: EventBusOptions, event: EventBridgeEvent<string, unknown>): Promise<boolean> {
  const handler = await options.fanOut();
  for (let attempt = 1; ; attempt++) {
    try {
      await handler(event, lambdaContext('fan-out'));
      return true;
    } catch (error) {
      if (attempt >= TARGET_ATTEMPTS) {
        options.logger.error('fan-out failed; PutEvents reports the entry as failed', { event_id: event.id, error });
        return false;
      }
    }
  }
}

type Refusal = { status: number; body: { __type: string; message: string } };
const refusal = (status: number, type: string, message: string): Refusal => ({ status, body: { __type: type, message } });

/** The entries of a PutEvents request, or the answer EventBridge gives a request it refuses. */
function requestEntries(req: IncomingMessage, raw: Buffer | undefined): PutEventsEntry[] | Refusal {
  if (raw === undefined) {
    return refusal(413, 'RequestEntityTooLargeException', `A PutEvents request is at most ${MAX_REQUEST_BYTES} bytes.`);
  }
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
    return refusal(400, 'UnknownOperationException', `Only AWSEvents.PutEvents is served here (got ${String(target)}).`);
  }
  let entries: PutEventsEntry[];
  try {
    const body = JSON.parse(raw.toString('utf8')) as { Entries?: PutEventsEntry[] };
    entries = Array.isArray(body.Entries) ? body.Entries : [];
  } catch {
    return refusal(400, 'SerializationException', 'Request body is not JSON.');
  }
  if (entries.length === 0 || entries.length > MAX_ENTRIES) {
    return refusal(400, 'ValidationException', `Entries must hold 1 to ${MAX_ENTRIES} events.`);
  }
  return entries;
}
