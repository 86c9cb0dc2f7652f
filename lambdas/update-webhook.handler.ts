// PATCH /v1/webhooks/{webhookId} → 200, the updated webhook (url, events and/or status).
import { updateWebhookBody } from './domain/webhook.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.updateWebhook, { body: updateWebhookBody }, async (req, d) =>
  json(200, await d.webhooks.update(req.principal.partnerId, req.webhookId, req.body)),
);
