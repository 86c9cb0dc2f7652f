// The JSON envelope delivered to integrators (SPEC §3). A new `id` for every attempt; `event_id`
// stays the same across retries and is what integrators deduplicate on.
import type { Environment } from './environments.js';
import type { EventType } from './event-types.js';

export const API_VERSION = 'v1';

export type Envelope = {
  id: string;
  event_id: string;
  event_type: EventType;
  api_version: typeof API_VERSION;
  created_at: string;
  environment: Environment;
  partner_id: string;
  data: Record<string, unknown>;
};

export function buildEnvelope(input: {
  deliveryId: string;
  eventId: string;
  eventType: EventType;
  eventCreatedAt: string;
  environment: Environment;
  partnerId: string;
  data: Record<string, unknown>;
}): Envelope {
  return {
    id: input.deliveryId,
    event_id: input.eventId,
    event_type: input.eventType,
    api_version: API_VERSION,
    created_at: input.eventCreatedAt,
    environment: input.environment,
    partner_id: input.partnerId,
    data: input.data,
  };
}
