// `npm run publish -- <event_type> [--partner <id>] [--data <file|json>] [--event-id <uuid>] [--environment sandbox|live]`
// Publishes one event with EventBridge PutEvents, as a platform service would, to the running
// local runtime (or a stack). Without --data, the catalog's example payload is sent.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ENVIRONMENTS } from '../lambdas/domain/environments.js';
import { isSubscribableEventType, SUBSCRIBABLE_EVENT_TYPES } from '../lambdas/domain/event-types.js';
import { fail, printJson, resolveTarget } from './cli-target.js';

const EXAMPLES_DIR = join(import.meta.dirname, '..', 'events', 'examples');

function readData(value: string | undefined, eventType: string): unknown {
  const source = value ?? join(EXAMPLES_DIR, `${eventType}.json`);
  const text = source.trim().startsWith('{') ? source : existsSync(source) ? readFileSync(source, 'utf8') : fail(`--data: no such file ${source}`);
  try {
    return JSON.parse(text);
  } catch {
    return fail('--data is not valid JSON');
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      partner: { type: 'string', default: 'dev' },
      data: { type: 'string' },
      'event-id': { type: 'string' },
      environment: { type: 'string' },
      source: { type: 'string', default: 'buildmarkets.cli' },
      'data-dir': { type: 'string' },
      stack: { type: 'string' },
    },
  });
  const eventType = positionals[0];
  if (!eventType || !isSubscribableEventType(eventType)) {
    fail(`usage: npm run publish -- <event_type> [--partner <id>] [--data <file|json>] [--event-id <uuid>] [--stack <name>]\nevent types: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}`);
  }
  // The fan-out would refuse these (and keep the event as rejected): say so before publishing.
  if (values['event-id'] !== undefined && !z.uuid().safeParse(values['event-id']).success) fail('--event-id must be a UUID');
  if (values.environment !== undefined && !(ENVIRONMENTS as readonly string[]).includes(values.environment)) fail('--environment must be sandbox or live');
  const target = await resolveTarget({ stack: values.stack, dataDir: values['data-dir'] });
  const eventId = values['event-id'] ?? randomUUID();
  const detail = {
    partner_id: values.partner,
    data: readData(values.data, eventType),
    event_id: eventId,
    ...(values.environment ? { environment: values.environment } : {}),
  };
  const client = new EventBridgeClient({ region: target.region, endpoint: target.eventsEndpoint, credentials: target.credentials });
  try {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: target.eventBusName, Source: values.source, DetailType: eventType, Detail: JSON.stringify(detail) }],
      }),
    );
    const entry = result.Entries?.[0];
    if (result.FailedEntryCount || !entry?.EventId) fail(`PutEvents refused the event: ${entry?.ErrorCode ?? ''} ${entry?.ErrorMessage ?? ''}`);
    printJson({ event_id: eventId, event_type: eventType, partner_id: values.partner, eventbridge_id: entry.EventId });
  } finally {
    client.destroy();
  }
}

main().catch((error: unknown) => fail(`publish: ${error instanceof Error ? error.message : String(error)}`));
