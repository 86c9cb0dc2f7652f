// POST /v1/webhooks/{webhookId}/events/{eventId}/redeliver → 202 {event_id, event_type}: one new
// attempt of that event to that webhook (SPEC §7; delivery/redelivery.ts).
import { redeliverEvent } from './delivery/redelivery.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';
import { deliveryActionsGraph } from './wiring/delivery-actions.js';

export const handler = apiHandler(ROUTES.redeliverEvent, {}, async (req) =>
  json(202, await redeliverEvent(deliveryActionsGraph(), req.principal.partnerId, req.webhookId, req.params.eventId ?? '')),
);
