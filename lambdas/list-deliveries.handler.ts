// GET /v1/webhooks/{webhookId}/deliveries → 200, the attempts newest first; `status` and
// `event_id` filters, cursor pagination with a Link header. A filtered page may hold fewer than
// `limit` attempts (even none) while a next link exists: each request reads a bounded part of the history.
import * as z from 'zod';
import { listAttempts } from './delivery/delivery-history.js';
import { toPublicAttempt } from './domain/delivery.js';
import { apiHandler } from './http/api-handler.js';
import { listDeliveriesQuery as query } from './http/list-queries.js';
import { decodeCursor, encodeCursor, nextLinkHeader } from './http/pagination.js';
import { json } from './http/responses.js';
import { parseOrThrow } from './http/validation.js';
import { ROUTES } from './routes.js';

const cursorShape = z.strictObject({ before: z.uuid() });

export const handler = apiHandler(ROUTES.listDeliveries, {}, async (req, d) => {
  const { page, input } = await listAttempts(d, req.principal.partnerId, req.webhookId, () => {
    const { limit, cursor, status, event_id } = parseOrThrow(query, req.query);
    const beforeId = cursor === undefined ? undefined : decodeCursor(cursor, cursorShape).before;
    return { limit, beforeId, status, event_id, eventId: event_id?.toLowerCase() };
  });
  const { limit, status, event_id } = input;
  const link = page.nextBeforeId
    ? nextLinkHeader(req.path, { cursor: encodeCursor({ before: page.nextBeforeId }), limit, status, event_id })
    : {};
  return json(200, page.items.map(toPublicAttempt), link);
});
