// The edge of the pipeline: an EventBridge event as platform services publish it (SPEC §3
// "Publishing"), parsed once into a PublishedEvent or refused with a reason.
import * as z from 'zod';
import { EVENT_DATA_SCHEMAS, isSubscribableEventType, type SubscribableEventType } from './event-catalog.js';

import { ENVIRONMENTS, type Environment } from './environments.js';

export type { Environment };

export type PublishedEvent = {
  eventId: string;
  eventType: SubscribableEventType;
  partnerId: string;
  data: Record<string, unknown>;
  environment: Environment;
  createdAt: string;
};

export type BusEvent = { id: string; 'detail-type': string; source: string; time?: string; detail: unknown };

const detailSchema = z.looseObject({
  partner_id: z.string().min(1).max(128),
  data: z.record(z.string(), z.unknown()),
  event_id: z.uuid().optional(),
  environment: z.enum(ENVIRONMENTS).optional(),
});

export type ParseResult = { ok: true; event: PublishedEvent } | { ok: false; reason: string };

const describe = (error: z.ZodError, prefix: string) => {
  const issue = error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path}: ${issue.message}`;
};

export function parsePublishedEvent(event: BusEvent, defaults: { environment: Environment; now: Date }): ParseResult {
  const type = event['detail-type'];
  if (!isSubscribableEventType(type)) return { ok: false, reason: `unknown event type ${JSON.stringify(type).slice(0, 100)}` };
  const detail = detailSchema.safeParse(event.detail);
  if (!detail.success) return { ok: false, reason: describe(detail.error, 'detail') };
  const data = EVENT_DATA_SCHEMAS[type].safeParse(detail.data.data);
  if (!data.success) return { ok: false, reason: describe(data.error, 'detail.data') };
  const time = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : defaults.now;
  return {
    ok: true,
    event: {
      // Without an event_id, EventBridge's own id: it stays the same when EventBridge retries the target.
      eventId: (detail.data.event_id ?? event.id).toLowerCase(),
      eventType: type,
      partnerId: detail.data.partner_id,
      data: detail.data.data,
      environment: detail.data.environment ?? defaults.environment,
      createdAt: time.toISOString(),
    },
  };
}
