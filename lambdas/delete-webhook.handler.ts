// DELETE /v1/webhooks/{webhookId} → 204; deliveries to it stop at once.
import { apiHandler } from './http/api-handler.js';
import { noContent } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.deleteWebhook, {}, async (req, d) => {
  await d.webhooks.remove(req.principal.partnerId, req.webhookId);
  return noContent();
});
