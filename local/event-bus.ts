// The local stand-in for EventBridge: a PutEvents endpoint (AWS JSON 1.1, what
// @aws-sdk/client-eventbridge speaks) for the `buildmarkets-events` bus. Entries that match the
// fan-out rule (FAN_OUT_RULE_PATTERN, the one the stack deploys) are passed to the fan-out
// handler before PutEvents answers, so an accepted event is already durable in DynamoDB.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { EventBridgeEvent } from 'aws-lambda';
import { FAN_OUT_RULE_PATTERN } from '../lambdas/domain/event-rule.js';
import type { Logger } from '../lambdas/shared/logger.js';
import { type EventPattern, matchesPattern } from './event-pattern.js';
import { lambdaContext } from './lambda-context.js';
import { listenOnLoopback, readBody } from './loopback-server.js';
import { Semaphore } from './semaphore.js';
import type { LambdaHandler } from './handler-loader.js';

type PutEventsEntry = { Source?: string; DetailType?: string; Detail?: string; EventBusName?: string; Time?: string | number; Resources?: string[] };
type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

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
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail must be a JSON object.' };
    }
    const time = entry.Time === undefined ? new Date() : new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time);
    const event: EventBridgeEvent<string, unknown> = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: options.region,
      resources: entry.Resources ?? [],
      detail,
    };
    if (matchesPattern(FAN_OUT_RULE_PATTERN as unknown as EventPattern, event as unknown as Record<string, unknown>)) {
      // Not accepted unless the fan-out stored it: the publisher sees a failed entry and retries,
      // as it must for any PutEvents entry failure, instead of the event living only in a log.
      if (!(await fanOutSlots.run(() => invokeWithRetries(event)))) {
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'The event could not be processed; retry it.' };
      }
    } else {
      options.logger.info('event matched no rule', { source: entry.Source, detail_type: entry.DetailType });
    }
    return { EventId: event.id };
  }

  /** true once the fan-out handled the event (stored its jobs, or stored it as rejected). */
  async function invokeWithRetries(event: EventBridgeEvent<string, unknown>): Promise<boolean> {
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

  const server = createServer((req, res) => {
    void readBody(req, MAX_REQUEST_BYTES).then((raw) => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (raw === undefined) {
        reply(413, { __type: 'RequestEntityTooLargeException', message: `A PutEvents request is at most ${MAX_REQUEST_BYTES} bytes.` });
        return;
      }
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        reply(400, { __type: 'UnknownOperationException', message: `Only AWSEvents.PutEvents is served here (got ${String(target)}).` });
        return;
      }
      let entries: PutEventsEntry[];
      try {
        const body = JSON.parse(raw.toString('utf8')) as { Entries?: PutEventsEntry[] };
        entries = Array.isArray(body.Entries) ? body.Entries : [];
      } catch {
        reply(400, { __type: 'SerializationException', message: 'Request body is not JSON.' });
        return;
      }
      if (entries.length === 0 || entries.length > MAX_ENTRIES) {
        reply(400, { __type: 'ValidationException', message: `Entries must hold 1 to ${MAX_ENTRIES} events.` });
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
