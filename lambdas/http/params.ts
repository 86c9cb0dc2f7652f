// Path and query parameters shared by several routes, validated before any store access.
import * as z from 'zod';
import { webhookNotFound } from '../domain/errors.js';

const uuid = z.uuid();

/** The `{webhookId}` path parameter; a malformed id is simply a webhook that does not exist. */
export function webhookIdParam(pathParameters: Record<string, string | undefined>): string {
  const parsed = uuid.safeParse(pathParameters.webhookId);
  if (!parsed.success) throw webhookNotFound();
  return parsed.data.toLowerCase();
}
