// GET /v1/webhooks/{webhookId} → 200, the webhook without its secret.
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.getWebhook, {}, async (req, d) =>
  json(200, await d.webhooks.get(req.principal.partnerId, req.webhookId)),
);
