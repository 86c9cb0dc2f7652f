// Cursor pagination shared by the list routes: `limit` (1–100, default 50), an opaque `cursor`,
// and a `Link: <…>; rel="next"` header when another page exists.
import * as z from 'zod';
import { ApiError } from '../domain/errors.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

export const limitParam = z
  .string()
  .regex(/^\d+$/, 'limit must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'limit must be at least 1').max(MAX_LIMIT, `limit must be at most ${MAX_LIMIT}`))
  .default(DEFAULT_LIMIT);

export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decodes a cursor into the fields `shape` expects; anything else is VALIDATION_ERROR. */
export function decodeCursor<S extends z.ZodType>(cursor: string, shape: S): z.output<S> {
  try {
    if (cursor.length > 1024) throw new Error('too long');
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw new ApiError('VALIDATION_ERROR', 'cursor is not valid.', 'cursor');
}

export function nextLinkHeader(path: string, params: Record<string, string | number | undefined>): Record<string, string> {
  const query = new URLSearchParams(
    Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])),
  );
  return { link: `<${path}?${query.toString()}>; rel="next"` };
}
