// zod issues → the SPEC §2 error codes. An issue may carry its code in params.code (e.g.
// INVALID_EVENT); anything about `url` is INVALID_URL; the rest is VALIDATION_ERROR.
import type { z } from 'zod';
import { ApiError, type ErrorCode } from '../domain/errors.js';

export function toApiError(error: z.ZodError): ApiError {
  const issue = error.issues[0]!;
  const field =
    issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
  const explicit = (issue as { params?: { code?: ErrorCode } }).params?.code;
  const code: ErrorCode = explicit ?? (issue.path[0] === 'url' && issue.code !== 'unrecognized_keys' ? 'INVALID_URL' : 'VALIDATION_ERROR');
  const message =
    issue.code === 'unrecognized_keys'
      ? `Unknown field: ${String(field).slice(0, 100)}`
      : issue.path[0] === 'url' && issue.code === 'invalid_type'
        ? 'url is required and must be an absolute https:// URL.'
        : issue.message;
  return new ApiError(code, message, field);
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw toApiError(result.error);
  return result.data;
}
