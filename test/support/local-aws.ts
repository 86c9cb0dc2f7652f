// AWS SDK clients pointed at a running local runtime, as a platform service or an operator
// would use them: PutEvents on the bus, and direct reads of the tables for assertions.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { jobIdFor } from '../../lambdas/domain/delivery.js';
import type { LocalState } from '../../local/state-file.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localAws(state: LocalState) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: state.region, endpoint: state.dynamodb_endpoint, credentials }));
  const events = new EventBridgeClient({ region: state.region, endpoint: state.events_url, credentials });

  return {
    /** PutEvents one event on the bus; returns its event_id. */
    async publish(
      eventType: string,
      data: unknown,
      options: { partnerId?: string; eventId?: string; source?: string; detail?: Record<string, unknown> } = {},
    ) {
      const eventId = options.eventId ?? randomUUID();
      const detail = options.detail ?? { partner_id: options.partnerId ?? 'dev', data, event_id: eventId };
      const result = await events.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: state.event_bus_name, Source: options.source ?? 'buildmarkets.test', DetailType: eventType, Detail: JSON.stringify(detail) },
          ],
        }),
      );
      return { eventId, result };
    },
    async job(webhookId: string, eventId: string) {
      const { Item } = await db.send(new GetCommand({ TableName: state.tables.jobs, Key: { job_id: jobIdFor(webhookId, eventId) } }));
      return Item;
    },
    async rejectedEvents() {
      return (await db.send(new ScanCommand({ TableName: state.tables.rejectedEvents }))).Items ?? [];
    },
    destroy() {
      db.destroy();
      events.destroy();
    },
  };
}
