// GET /v1/webhooks/{webhookId}/deliveries → 200, the delivery attempts, newest first.
import { apiHandler } from './http/api-handler.js';
import { webhookIdParam } from './http/params.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.listDeliveries, {}, async (req, d) => {
  await d.webhooks.get(req.principal.partnerId, webhookIdParam(req.pathParameters));
  return json(200, []);
});
