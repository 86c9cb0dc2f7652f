// The response shapes of the API and the delivered envelope, defined once in zod for the OpenAPI
// document (lambdas/openapi/document.ts). Request bodies and query strings are not here: the
// document takes them from the schemas the handlers parse with. The type checks at the end fail
// to compile when a response type changes and its schema here does not.
import * as z from 'zod';
import type { toPublicAttempt } from '../domain/delivery.js';
import { API_VERSION, type Envelope } from '../domain/envelope.js';
import { ERROR_STATUS, type ErrorCode } from '../domain/errors.js';
import { EVENT_DATA_SCHEMAS, EVENT_TYPES, type EventType, type EventTypeInfo, SUBSCRIBABLE_EVENT_TYPES } from '../domain/event-catalog.js';
import { MASKED_HEADER_VALUE, MAX_CUSTOM_HEADERS, ORDERINGS, RATE_LIMIT_MAX, RATE_LIMIT_MIN } from '../domain/delivery-controls.js';
import type { EgressAddresses } from '../domain/egress.js';
import { DISABLED_REASONS, type PublicWebhook } from '../domain/webhook.js';

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

const timestamp = z.iso.datetime().meta({ description: 'ISO 8601, UTC.' });
const eventType = z.enum(EVENT_TYPES);
const environment = z.enum(['sandbox', 'live']);

export const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string().meta({ description: 'The endpoint deliveries are POSTed to.' }),
  events: z.array(z.string()).meta({ description: 'Subscribed event types; `[]` means every event.' }),
  status: z.enum(['active', 'disabled']),
  disabled_reason: z
    .enum(DISABLED_REASONS)
    .nullable()
    .meta({ description: 'Why the webhook is disabled: `failing` (no success for AUTO_DISABLE_AFTER_SECONDS, 5 days by default), `gone` (the endpoint answered 410), `manual` (a PATCH); null while active.' }),
  disabled_at: timestamp.nullable().meta({ description: 'When it was disabled; null while active.' }),
  created_at: timestamp,
  updated_at: timestamp,
  rate_limit_per_second: z
    .number()
    .int()
    .min(RATE_LIMIT_MIN)
    .max(RATE_LIMIT_MAX)
    .nullable()
    .meta({ description: 'Deliveries per second to this webhook at most; null: no limit.' }),
  headers: z
    .record(z.string(), z.literal(MASKED_HEADER_VALUE))
    .meta({ description: `The custom request headers sent with every delivery (at most ${MAX_CUSTOM_HEADERS}), by name; each value is shown as "${MASKED_HEADER_VALUE}", never in clear. {} when there are none.` }),
  ordering: z.enum(ORDERINGS).meta({ description: '`per_entity`: events about one entity reach this webhook in publish order; `none`: no order kept.' }),
  health: z
    .object({
      state: z.enum(['healthy', 'failing', 'unknown']).meta({ description: '`unknown` until the first attempt; `failing` while the last attempt failed.' }),
      consecutive_failures: z.number().int().min(0),
      last_success_at: timestamp.nullable().meta({ description: 'Kept current to within HEALTH_SUCCESS_REFRESH_SECONDS (5 min by default).' }),
      last_failure_at: timestamp.nullable(),
    })
    .meta({ description: 'Read-only: how deliveries to the endpoint are going.' }),
});

export const createdWebhookSchema = webhookSchema.extend({
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+=*$/).meta({ description: 'The signing secret: shown in this response only, never again.' }),
});

export const deliveryAttemptSchema = z.object({
  id: z.uuid().meta({ description: 'The attempt (= envelope `id` and `X-TAPP-Delivery-Id` of that attempt).' }),
  event_id: z.uuid(),
  event_type: eventType,
  status: z.enum(['succeeded', 'failed']),
  http_status: z.number().int().nullable().meta({ description: 'The endpoint\'s status code; null when there was no HTTP answer.' }),
  response_time_ms: z.number().int().nullable(),
  attempt_number: z.number().int().min(1).meta({ description: '1 = the first attempt.' }),
  attempted_at: timestamp,
  next_retry_at: timestamp.nullable().meta({ description: 'null when the attempt succeeded or retries are exhausted.' }),
  error: z.string().nullable().meta({ description: 'Why an attempt without an HTTP status failed: timeout, connection_refused, …' }),
});

export const testEventQueuedSchema = z.object({ event_id: z.uuid(), event_type: z.literal('webhook.test') });

export const redeliveryQueuedSchema = z.object({ event_id: z.uuid(), event_type: eventType });

export const recoverQueuedSchema = z.object({
  events: z.number().int().min(0).meta({ description: 'How many events were queued for delivery again.' }),
});

export const rotatedSecretSchema = z.object({
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+=*$/).meta({ description: 'The new signing secret: shown in this response only, never again.' }),
  previous_secret_expires_at: timestamp.meta({ description: 'Until then deliveries are signed with both secrets.' }),
});

export const eventTypeInfoSchema = z.object({
  name: z.enum(SUBSCRIBABLE_EVENT_TYPES as [EventTypeInfo['name'], ...EventTypeInfo['name'][]]),
  description: z.string(),
  schema: z.record(z.string(), z.unknown()).meta({ description: 'JSON Schema (draft 2020-12) of the event\'s `data`.' }),
});

export const egressAddressesSchema = z.object({
  addresses: z
    .array(z.string())
    .meta({ description: 'The public IPv4 addresses deliveries are sent from, to allowlist; [] when this deployment has no fixed addresses.' }),
  note: z.string().meta({ description: 'What the addresses are (or why there are none).' }),
});

export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    field: z.string().optional().meta({ description: 'The request field at fault, when there is one.' }),
    request_id: z.string().meta({ description: 'Also in the X-Request-Id header; quote it to support.' }),
  }),
});

export const openApiDocumentSchema = z.record(z.string(), z.unknown()).meta({ description: 'This OpenAPI 3.1 document.' });

const envelopeFields = {
  id: z.uuid().meta({ description: 'New for every attempt (= X-TAPP-Delivery-Id).' }),
  event_id: z.uuid().meta({ description: 'Stable across retries: deduplicate on it.' }),
  api_version: z.literal(API_VERSION),
  created_at: timestamp,
  environment,
  partner_id: z.string(),
};

/** The envelope POSTed to a webhook for one event type (SPEC §3). */
export function envelopeSchema<T extends EventType>(type: T) {
  return z.object({ ...envelopeFields, event_type: z.literal(type), data: EVENT_DATA_SCHEMAS[type] });
}
const anyEnvelopeSchema = z.object({ ...envelopeFields, event_type: eventType, data: z.record(z.string(), z.unknown()) });

// Compile-time: each schema's type is exactly the type the code returns.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<z.output<typeof webhookSchema>, PublicWebhook>,
  Same<z.output<typeof deliveryAttemptSchema>, ReturnType<typeof toPublicAttempt>>,
  Same<z.output<typeof eventTypeInfoSchema>, EventTypeInfo>,
  Same<z.output<typeof anyEnvelopeSchema>, Envelope>,
  Same<z.output<typeof egressAddressesSchema>, EgressAddresses>,
] = [true, true, true, true, true];
void sameTypes;
