// POST /v1/webhooks/{webhookId}/test → 202; queues a webhook.test delivery to this webhook
// (delivery/test-event.ts).
import { requestedJobs } from './delivery/delivery-deps.js';
import { sendTestEvent } from './delivery/test-event.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.testWebhook, {}, async (req, d) =>
  json(202, await sendTestEvent({ webhooks: d.webhooks, requestedJobs: requestedJobs() }, req.principal.partnerId, req.webhookId, d.config.environment)),
);
