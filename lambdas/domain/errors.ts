// The error table of SPEC §2, defined once. Domain code throws ApiError; one place
// (lambdas/http/error-envelope.ts) turns it into the HTTP error envelope.

export const ERROR_STATUS = {
  INVALID_URL: 400,
  INVALID_EVENT: 400,
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  WEBHOOK_NOT_FOUND: 404,
  /** SPEC §7: redeliver of an event this webhook never had a delivery of (or whose history expired). */
  EVENT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  WEBHOOK_DISABLED: 409,
  WEBHOOK_LIMIT_REACHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** Refused by the HTTP server before any route: not parseable HTTP (e.g. an unknown method). */
  BAD_REQUEST: 400,
  /** Refused by the HTTP server before any route: the request's headers are too large. */
  REQUEST_HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    /** Extra response headers, e.g. Retry-After or Allow. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

export const webhookNotFound = () => new ApiError('WEBHOOK_NOT_FOUND', 'No webhook with that id.');
