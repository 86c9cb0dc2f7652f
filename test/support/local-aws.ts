// AWS SDK clients pointed at a running local runtime, as a platform service or an operator
// would use them: PutEvents on the bus, and direct reads of the tables for assertions.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { jobIdFor } from '../../lambdas/domain/delivery.js';
import { DeliveryStore } from '../../lambdas/stores/delivery-store.js';
import type { LocalState } from '../../local/state-file.js';
import { waitFor } from '../../local/wait-for.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localAws(state: LocalState) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: state.region, endpoint: state.dynamodb_endpoint, credentials }));
  const events = new EventBridgeClient({ region: state.region, endpoint: state.events_url, credentials });
  const sqs = new SQSClient({ region: state.region, endpoint: state.sqs_endpoint, credentials });

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
    /** The stored webhook item as it is in the table (secrets encrypted). */
    async webhookItem(partnerId: string, webhookId: string) {
      const { Item } = await db.send(new GetCommand({ TableName: state.tables.webhooks, Key: { partner_id: partnerId, sk: `webhook#${webhookId}` }, ConsistentRead: true }));
      return Item;
    },
    async job(webhookId: string, eventId: string) {
      const { Item } = await db.send(new GetCommand({ TableName: state.tables.jobs, Key: { job_id: jobIdFor(webhookId, eventId) } }));
      return Item;
    },
    /**
     * Where a delivery stands: the stored job's status, or 'succeeded' for a job that succeeded
     * on its first attempt (such a job is never stored: only its history item is written).
     */
    async outcome(webhookId: string, eventId: string): Promise<string | undefined> {
      const job = await this.job(webhookId, eventId);
      if (job) return job.status as string;
      const history = new DeliveryStore(db, state.tables.deliveries);
      let beforeId: string | undefined;
      do {
        const page = await history.list(webhookId, { limit: 1, eventId, status: 'succeeded', beforeId });
        if (page.items.length) return 'succeeded';
        beforeId = page.nextBeforeId;
      } while (beforeId);
      return undefined;
    },
    /**
     * Waits until each event's delivery to the webhook stands at `status`. An event is read again
     * only until it gets there (succeeded, failed and dropped stay put), every 100 ms: a read of an unstored
     * job lists the history's shards, and a tight loop of those would load the runtime it waits on.
     */
    async untilOutcome(webhookId: string, eventIds: string[], status: 'succeeded' | 'failed' | 'dropped', options: { timeoutMs?: number; what?: string } = {}) {
      const pending = new Set(eventIds);
      await waitFor(
        async () => {
          const outcomes = await Promise.all([...pending].map(async (e) => [e, await this.outcome(webhookId, e)] as const));
          for (const [e, outcome] of outcomes) if (outcome === status) pending.delete(e);
          return pending.size === 0 ? true : undefined;
        },
        { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, what: () => `${options.what ?? 'deliveries'}: ${pending.size} of ${eventIds.length} not yet ${status}` },
      );
    },
    /** Whether the fan-out queued the event for this webhook (the event store lists its webhooks). */
    async queuedFor(webhookId: string, eventId: string, partnerId = 'dev'): Promise<boolean> {
      const { Item } = await db.send(new GetCommand({ TableName: state.tables.events, Key: { event_key: `${partnerId}/${eventId}` }, ConsistentRead: true }));
      return ((Item?.webhook_ids as string[] | undefined) ?? []).includes(webhookId);
    },
    async rejectedEvents() {
      return (await db.send(new ScanCommand({ TableName: state.tables.rejectedEvents }))).Items ?? [];
    },
    /** True when neither delivery lane holds a message (visible, in flight or delayed): every queued attempt was made. */
    async queuesIdle(): Promise<boolean> {
      const counts = await Promise.all(
        [state.delivery_queue_url, state.slow_delivery_queue_url].map(async (QueueUrl) => {
          const { Attributes = {} } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
            }),
          );
          return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
        }),
      );
      return counts.every((n) => n === 0);
    },
    destroy() {
      db.destroy();
      events.destroy();
      sqs.destroy();
    },
  };
}
