// POST /v1/webhooks/{webhookId}/recover {since, until?} → 202 {events}: the failed and dropped
// deliveries of that window queued again, oldest first, once each (SPEC §7; delivery/recover.ts).
import { recoverBody, recoverEvents } from './delivery/recover.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';
import { deliveryActionsGraph } from './wiring/delivery-actions.js';

export const handler = apiHandler(ROUTES.recoverEvents, { body: recoverBody }, async (req) =>
  json(202, await recoverEvents(deliveryActionsGraph(), req.principal.partnerId, req.webhookId, req.body)),
);
