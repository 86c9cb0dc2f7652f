// EventBridge → fan-out. A valid event becomes one queued delivery job per subscribed, active
// webhook. An invalid one is never delivered and never silently dropped: it is stored with its
// reason (rejected-events table) and logged. Infrastructure errors throw, so EventBridge retries
// (and, past its retry policy, sends the event to the target's DLQ).
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { parsePublishedEvent } from './domain/published-event.js';
import { deps } from './shared/deps.js';

type BusEvent = EventBridgeEvent<string, unknown>;

export type FanOutResponse = { status: 'accepted'; event_id: string; matched: number; enqueued: number; duplicates: number } | { status: 'rejected'; reason: string };

export const core = async (event: BusEvent): Promise<FanOutResponse> => {
  const d = deps();
  const parsed = parsePublishedEvent(event, { environment: d.config.environment, now: new Date() });
  if (!parsed.ok) {
    await d.rejectedEvents.put({
      id: event.id,
      source: String(event.source),
      detailType: String(event['detail-type']),
      detail: JSON.stringify(event.detail ?? null),
      reason: parsed.reason,
      receivedAt: new Date().toISOString(),
    });
    d.logger.error('event rejected', { eventbridge_id: event.id, detail_type: event['detail-type'], reason: parsed.reason });
    return { status: 'rejected', reason: parsed.reason };
  }
  const result = await d.fanOut.publish(parsed.event);
  d.logger.info('event fanned out', { event_id: parsed.event.eventId, event_type: parsed.event.eventType, ...result });
  return { status: 'accepted', event_id: parsed.event.eventId, ...result };
};

export const handler = middy<BusEvent, FanOutResponse, Error, Context>().handler(core);
