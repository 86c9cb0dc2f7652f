// SPEC §11 delivery controls of a webhook: its rate limit, its custom request headers and its
// ordering. The rules a request body must follow (zod, so the OpenAPI document says the same) and
// how the headers are masked in responses and bound to their webhook when encrypted.
import * as z from 'zod';

/** `none`: no order kept (the default); `per_entity`: events about one entity in publish order. */
export const ORDERINGS = ['none', 'per_entity'] as const;
export type Ordering = (typeof ORDERINGS)[number];

export const RATE_LIMIT_MIN = 1;
export const RATE_LIMIT_MAX = 1000;

export const MAX_CUSTOM_HEADERS = 10;
export const MAX_HEADER_NAME_LENGTH = 64;
export const MAX_HEADER_VALUE_LENGTH = 1000;
/** What every response shows for a header's value: the names are shown, the values never. */
export const MASKED_HEADER_VALUE = '****';

/** RFC 9110 `token`: the characters a header name may have. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Printable ASCII, space included (0x20–0x7E): no control characters, no CR/LF, nothing a header cannot carry. */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

/**
 * Names a partner may not set (compared without case): the headers we set on every delivery
 * (SPEC §4: signatures, ids, content type, user agent), those the HTTP client owns (length,
 * host, the connection's own hop-by-hop headers, `Expect`, which would change how the body is
 * sent).
 */
const RESERVED_NAMES = new Set([
  'content-type',
  'content-length',
  'host',
  'user-agent',
  // Hop-by-hop (RFC 9110 §7.6.1), and the old Proxy-Connection.
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'expect',
]);
const RESERVED_PREFIXES = ['x-tapp-', 'webhook-'];

/** True when the name is one we set or the HTTP client owns (any case). */
export function isReservedHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_NAMES.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** A header name as it may appear in a message: printable and short, even when the name itself is neither. */
const shown = (name: string) => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name).replace(/[^\x20-\x7E]/g, '?');

/**
 * The `headers` of a create or PATCH body: up to 10 name → value, `null` clears them (PATCH).
 * Each issue's path is `headers.<name>`, and its message names the header but never repeats its
 * value (the value may be a credential, and messages can reach logs).
 */
export const customHeadersSchema = z
  .record(z.string(), z.unknown(), { error: 'headers must be an object of header names to string values' })
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > MAX_CUSTOM_HEADERS) {
      ctx.addIssue({ code: 'custom', message: `At most ${MAX_CUSTOM_HEADERS} custom headers (got ${names.length}).`, path: [] });
      return;
    }
    const seen = new Set<string>();
    for (const name of names) {
      const issue = headerIssue(name, headers[name], seen);
      if (issue) {
        ctx.addIssue({ code: 'custom', message: issue, path: [name] });
        return;
      }
      seen.add(name.toLowerCase());
    }
  })
  .transform((headers) => headers as Record<string, string>)
  .meta({
    description:
      `Custom request headers sent with every delivery (at most ${MAX_CUSTOM_HEADERS}): names are HTTP tokens of at most ${MAX_HEADER_NAME_LENGTH} characters, ` +
      `not one we set (X-TAPP-*, webhook-*, Content-Type, Content-Length, Host, User-Agent, Expect, hop-by-hop headers); values are at most ${MAX_HEADER_VALUE_LENGTH} printable ASCII characters. ` +
      'Stored encrypted; responses show each value as "****". On PATCH the map replaces the stored one whole, and null (or {}) removes them.',
    propertyNames: { type: 'string', minLength: 1, maxLength: MAX_HEADER_NAME_LENGTH, pattern: HTTP_TOKEN.source },
    additionalProperties: { type: 'string', maxLength: MAX_HEADER_VALUE_LENGTH, pattern: PRINTABLE_ASCII.source },
    maxProperties: MAX_CUSTOM_HEADERS,
  });

/** Why one header is refused (undefined: accepted). `seen`: the lower-cased names before it. */
function headerIssue(name: string, value: unknown, seen: ReadonlySet<string>): string | undefined {
  if (name.length === 0 || name.length > MAX_HEADER_NAME_LENGTH || !HTTP_TOKEN.test(name)) {
    return `Header name ${shown(name)} must be an HTTP token of 1–${MAX_HEADER_NAME_LENGTH} characters (letters, digits and !#$%&'*+-.^_\`|~).`;
  }
  if (isReservedHeaderName(name)) return `Header ${shown(name)} is set by the service and cannot be a custom header.`;
  if (seen.has(name.toLowerCase())) return `Header ${shown(name)} is given twice (header names are case-insensitive).`;
  if (typeof value !== 'string') return `The value of header ${shown(name)} must be a string.`;
  if (value.length > MAX_HEADER_VALUE_LENGTH) return `The value of header ${shown(name)} is longer than ${MAX_HEADER_VALUE_LENGTH} characters.`;
  if (!PRINTABLE_ASCII.test(value)) return `The value of header ${shown(name)} must be printable ASCII (no control or non-ASCII characters).`;
  return undefined;
}

export const rateLimitSchema = z
  .number({ error: `rate_limit_per_second must be an integer from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX}, or null` })
  .int({ error: `rate_limit_per_second must be an integer from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX}, or null` })
  .min(RATE_LIMIT_MIN, { error: `rate_limit_per_second must be at least ${RATE_LIMIT_MIN} (null for no limit)` })
  .max(RATE_LIMIT_MAX, { error: `rate_limit_per_second must be at most ${RATE_LIMIT_MAX}` })
  .nullable()
  .meta({ description: `Deliveries per second to this webhook at most, across all instances (${RATE_LIMIT_MIN}–${RATE_LIMIT_MAX}); null: no limit.` });

export const orderingSchema = z
  .enum(ORDERINGS, { error: `ordering must be one of ${ORDERINGS.join(', ')}` })
  .meta({
    description:
      '`none` (default): no order kept. `per_entity`: events about the same entity — `data.order_id` for order.*, `data.account_id` for account.* and funding.* — reach the webhook in publish order (the order the service accepted them); the next is not attempted until the previous one succeeded or ended failed. Other entities never wait, and redeliveries and recovers you ask for are not held.',
  });

/** The headers as every response shows them: the names, each value masked. */
export function maskedHeaders(names: readonly string[]): Record<string, typeof MASKED_HEADER_VALUE> {
  return Object.fromEntries(names.map((name) => [name, MASKED_HEADER_VALUE]));
}

/**
 * Binds a webhook's encrypted headers to it, apart from its secret: the secret's context is
 * `partner/webhook` (ending in the webhook's UUID), this one ends in `/headers`, so neither
 * ciphertext decrypts in the other's place, nor on another webhook.
 */
export const headersContext = (partnerId: string, webhookId: string) => `${partnerId}/${webhookId}/headers`;
