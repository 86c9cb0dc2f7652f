// The query strings of the list routes, defined once: the handlers parse with them and the
// OpenAPI document (lambdas/openapi/) describes its query parameters from them.
import * as z from 'zod';
import { limitParam } from './pagination.js';

export const listWebhooksQuery = z.object({ limit: limitParam, cursor: z.string().optional() });

export const listDeliveriesQuery = z.object({
  limit: limitParam,
  cursor: z.string().optional(),
  status: z.enum(['succeeded', 'failed']).optional(),
  event_id: z.uuid().optional(),
});
