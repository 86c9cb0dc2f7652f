// POST /v1/webhooks/{webhookId}/test → 202 and a webhook.test delivery.
import { apiHandler } from './http/api-handler.js';
import { webhookIdParam } from './http/params.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.testWebhook, {}, async (req, d) => {
  const webhook = await d.webhooks.get(req.principal.partnerId, webhookIdParam(req.pathParameters));
  return json(202, { webhook_id: webhook.id });
});
