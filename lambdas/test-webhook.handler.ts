// POST /v1/webhooks/{webhookId}/test → 202; queues a webhook.test delivery to this webhook,
// whatever it subscribes to. A disabled webhook answers 409 WEBHOOK_DISABLED.
import { randomUUID } from 'node:crypto';
import { ApiError } from './domain/errors.js';
import { TEST_EVENT_TYPE } from './domain/event-types.js';
import { apiHandler } from './http/api-handler.js';
import { json } from './http/responses.js';
import { ROUTES } from './routes.js';

export const handler = apiHandler(ROUTES.testWebhook, {}, async (req, d) => {
  const webhook = await d.webhooks.require(req.principal.partnerId, req.webhookId);
  if (webhook.status !== 'active') throw new ApiError('WEBHOOK_DISABLED', 'This webhook is disabled; enable it to send a test event.');
  const eventId = randomUUID();
  await d.fanOut.sendTest(webhook, eventId, d.config.environment);
  return json(202, { event_id: eventId, event_type: TEST_EVENT_TYPE });
});
