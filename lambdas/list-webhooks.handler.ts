// GET /v1/webhooks → 200, a bare array, oldest first, with a Link header when more exist.
import * as z from 'zod';
import { apiHandler } from './http/api-handler.js';
import { listWebhooksQuery as query } from './http/list-queries.js';
import { decodeCursor, encodeCursor, nextLinkHeader } from './http/pagination.js';
import { json } from './http/responses.js';
import { parseOrThrow } from './http/validation.js';
import { ROUTES } from './routes.js';

const cursorShape = z.strictObject({ after: z.uuid() });

export const handler = apiHandler(ROUTES.listWebhooks, {}, async (req, d) => {
  const { limit, cursor } = parseOrThrow(query, req.query);
  const afterId = cursor === undefined ? undefined : decodeCursor(cursor, cursorShape).after;
  const page = await d.webhooks.list(req.principal.partnerId, { limit, afterId });
  const link = page.nextAfterId ? nextLinkHeader(req.path, { cursor: encodeCursor({ after: page.nextAfterId }), limit }) : {};
  return json(200, page.items, link);
});
