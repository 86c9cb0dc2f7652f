// POST /v1/webhooks/{webhookId}/test → 202; queues a webhook.test delivery to this webhook
// (delivery/test-event.ts).
import { sendTestEvent } from './delivery/test-event.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';
import { deliveryActionsGraph } from './wiring/delivery-actions.js';

export const handler = apiHandler(ROUTES.testWebhook, {}, async (req) => {
  const graph = deliveryActionsGraph();
  return json(202, await sendTestEvent(graph, req.principal.partnerId, req.webhookId, graph.environment));
});
