// SPEC §5's delivery history of one webhook: the partner's own webhook (else 404), then one page
// of its attempts, newest first, with the route's filters.
import type { WebhookService } from '../domain/webhook-service.js';
import type { DeliveryFilter, DeliveryPage, DeliveryStore } from '../stores/delivery-store.js';

export type DeliveryHistoryDeps = {
  webhooks: Pick<WebhookService, 'require'>;
  history: Pick<DeliveryStore, 'list'>;
};

export type HistoryPage = { limit: number; beforeId?: string } & DeliveryFilter;

/**
 * `readPage` (the query's validation) runs only once the webhook is found, so an unknown webhook
 * is a 404 before any 400; its result comes back with the page, for the next link.
 */
export async function listAttempts<P extends HistoryPage>(
  deps: DeliveryHistoryDeps,
  partnerId: string,
  webhookId: string,
  readPage: () => P,
): Promise<{ page: DeliveryPage; input: P }> {
  const webhook = await deps.webhooks.require(partnerId, webhookId);
  const input = readPage();
  const { limit, beforeId, status, eventId } = input;
  return { page: await deps.history.list(webhook.id, { limit, beforeId, status, eventId }), input };
}
