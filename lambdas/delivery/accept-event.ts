// What the fan-out function does with one bus event: a valid event is fanned out (FanOut); an
// invalid one is never delivered and never silently dropped — it is stored with its reason
// (rejected-events table) and logged. Infrastructure errors throw, so EventBridge retries the
// same event (same id, so the fan-out recognises its own earlier try).
import { type BusEvent, parsePublishedEvent } from '../domain/published-event.js';
import type { Environment } from '../domain/environments.js';
import type { Logger } from '../shared/logger.js';
import type { RejectedEventStore } from '../stores/rejected-event-store.js';
import type { FanOut, FanOutResult } from './fan-out.js';

export type FanOutResponse = ({ status: 'accepted'; event_id: string } & FanOutResult) | { status: 'rejected'; reason: string };

export async function acceptEvent(
  deps: { fanOut: Pick<FanOut, 'fanOut'>; rejectedEvents: Pick<RejectedEventStore, 'put'>; logger: Logger },
  event: BusEvent,
  options: { environment: Environment; now: Date },
): Promise<FanOutResponse> {
  const parsed = parsePublishedEvent(event, options);
  if (!parsed.ok) {
    await deps.rejectedEvents.put({
      id: event.id,
      source: String(event.source),
      detailType: String(event['detail-type']),
      detail: JSON.stringify(event.detail ?? null),
      reason: parsed.reason,
      receivedAt: options.now.toISOString(),
    });
    deps.logger.error('event rejected', { eventbridge_id: event.id, detail_type: event['detail-type'], reason: parsed.reason });
    return { status: 'rejected', reason: parsed.reason };
  }
  const result = await deps.fanOut.fanOut(parsed.event, event.id);
  deps.logger.info('event fanned out', { event_id: parsed.event.eventId, event_type: parsed.event.eventType, ...result });
  return { status: 'accepted', event_id: parsed.event.eventId, ...result };
}
