// The test route's rule (SPEC §2): a webhook.test delivery to one active webhook, whatever it
// subscribes to; a disabled webhook is a 409 WEBHOOK_DISABLED.
import { randomUUID } from 'node:crypto';
import type { Environment } from '../domain/environments.js';
import { TEST_EVENT_TYPE } from '../domain/event-types.js';
import { requireActiveWebhook, type WebhookService } from '../domain/webhook-service.js';
import type { RequestedJobs } from './requested-jobs.js';

export async function sendTestEvent(
  deps: { webhooks: Pick<WebhookService, 'require' | 'endpointBack'>; requestedJobs: Pick<RequestedJobs, 'sendTest'> },
  partnerId: string,
  webhookId: string,
  environment: Environment,
): Promise<{ event_id: string; event_type: typeof TEST_EVENT_TYPE }> {
  const webhook = await requireActiveWebhook(deps.webhooks, partnerId, webhookId, 'send a test event');
  await deps.webhooks.endpointBack(webhook.id); // SPEC §9: a partner action half-opens the circuit
  const eventId = randomUUID();
  await deps.requestedJobs.sendTest(webhook, eventId, environment);
  return { event_id: eventId, event_type: TEST_EVENT_TYPE };
}
