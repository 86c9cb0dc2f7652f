// What the OpenAPI document says about each route, one entry per route name of lambdas/routes.ts.
// Authentication, rate limiting, the body errors, the `{webhookId}` 404 and the 500 are added by
// the builder from the route itself; an entry names what is particular to its route. A route
// without an entry fails the OpenAPI test (test/unit/openapi.test.ts), so a new route needs one
// entry here and nothing else.
import type { z } from 'zod';
import { createWebhookBody, rotateSecretBody, updateWebhookBody } from '../domain/webhook.js';
import { recoverBody } from '../delivery/recover.js';
import type { ErrorCode } from '../domain/errors.js';
import { SUBSCRIBABLE_EVENT_TYPES } from '../domain/event-types.js';
import { listDeliveriesQuery, listWebhooksQuery } from '../http/list-queries.js';
import {
  createdWebhookSchema,
  deliveryAttemptSchema,
  egressAddressesSchema,
  errorEnvelopeSchema,
  eventTypeInfoSchema,
  openApiDocumentSchema,
  recoverQueuedSchema,
  redeliveryQueuedSchema,
  rotatedSecretSchema,
  testEventQueuedSchema,
  webhookSchema,
} from './schemas.js';

/** Named schemas (components.schemas). Request bodies are described as the handlers parse them (zod input). */
export const REQUEST_SCHEMAS = {
  CreateWebhookRequest: createWebhookBody,
  UpdateWebhookRequest: updateWebhookBody,
  RecoverRequest: recoverBody,
  RotateSecretRequest: rotateSecretBody,
} satisfies Record<string, z.ZodType>;

export const RESPONSE_SCHEMAS = {
  Webhook: webhookSchema,
  CreatedWebhook: createdWebhookSchema,
  DeliveryAttempt: deliveryAttemptSchema,
  TestEventQueued: testEventQueuedSchema,
  RedeliveryQueued: redeliveryQueuedSchema,
  RecoverQueued: recoverQueuedSchema,
  RotatedSecret: rotatedSecretSchema,
  EventType: eventTypeInfoSchema,
  EgressAddresses: egressAddressesSchema,
  OpenApiDocument: openApiDocumentSchema,
  Error: errorEnvelopeSchema,
} satisfies Record<string, z.ZodType>;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;
export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;

export type OperationDoc = {
  summary: string;
  description?: string;
  tag: 'Webhooks' | 'Deliveries' | 'Discovery' | 'Portal';
  body?: RequestSchemaName;
  /** A z.object of the query string, as the handler parses it; descriptions by parameter name. */
  query?: { schema: z.ZodObject; descriptions: Record<string, string> };
  success: {
    status: number;
    description: string;
    /** Absent: no body (204). */
    schema?: ResponseSchemaName;
    array?: boolean;
    /** Carries `Link: <…>; rel="next"` when another page exists. */
    paginated?: boolean;
    /** A body that is not JSON: its media types (the portal's page and assets). */
    mediaTypes?: string[];
  };
  /** Error codes particular to this route (the builder adds the common ones). */
  errors?: ErrorCode[];
};

/** `{name}` path parameters, described once. */
export const PATH_PARAMETERS: Record<string, string> = {
  webhookId: 'The webhook id (UUID). An id that is malformed or not yours is 404 WEBHOOK_NOT_FOUND.',
  eventId: 'The event id (UUID, the envelope `event_id`).',
  asset: 'A portal asset: a content-hashed file name.',
};

const pageDescriptions = {
  limit: 'Page size, 1–100 (default 50).',
  cursor: 'Opaque position from the `Link` header of the previous page.',
};

export const OPERATIONS: Record<string, OperationDoc> = {
  'create-webhook': {
    summary: 'Register a webhook',
    description:
      '`url` must be an absolute https:// URL of at most 2048 characters whose host is public (SPEC §5); `events` lists event types, `[]` for all, duplicates folded. Optional delivery controls (SPEC §11): `rate_limit_per_second`, `headers` (custom request headers, values write-only) and `ordering`. The response carries the signing `secret`, the only time it is shown.',
    tag: 'Webhooks',
    body: 'CreateWebhookRequest',
    success: { status: 201, description: 'The webhook, with its secret.', schema: 'CreatedWebhook' },
    errors: ['INVALID_URL', 'INVALID_EVENT', 'WEBHOOK_LIMIT_REACHED'],
  },
  'list-webhooks': {
    summary: 'List webhooks',
    description: 'Oldest first, without secrets.',
    tag: 'Webhooks',
    query: { schema: listWebhooksQuery, descriptions: pageDescriptions },
    success: { status: 200, description: 'A page of webhooks.', schema: 'Webhook', array: true, paginated: true },
    errors: ['VALIDATION_ERROR'],
  },
  'get-webhook': {
    summary: 'Get a webhook',
    tag: 'Webhooks',
    success: { status: 200, description: 'The webhook, without its secret.', schema: 'Webhook' },
  },
  'update-webhook': {
    summary: 'Update a webhook',
    description:
      'Any of `url`, `events` (replaces the list), `status`, `rate_limit_per_second` (null: no limit), `headers` (replaces the whole map; null or {} removes them) and `ordering`, at least one. A refused request changes nothing. Re-enabling starts a new active period: retries of events from before the disable are dropped.',
    tag: 'Webhooks',
    body: 'UpdateWebhookRequest',
    success: { status: 200, description: 'The updated webhook.', schema: 'Webhook' },
    errors: ['INVALID_URL', 'INVALID_EVENT'],
  },
  'delete-webhook': {
    summary: 'Delete a webhook',
    description: 'Delivery stops at its next attempt.',
    tag: 'Webhooks',
    success: { status: 204, description: 'Deleted; no body.' },
  },
  'test-webhook': {
    summary: 'Send a test event',
    description: 'Queues a `webhook.test` delivery to this webhook, whatever it subscribes to.',
    tag: 'Deliveries',
    success: { status: 202, description: 'The test event is queued.', schema: 'TestEventQueued' },
    errors: ['WEBHOOK_DISABLED'],
  },
  'list-deliveries': {
    summary: 'List delivery attempts',
    description: 'One record per attempt, newest first; kept 30 days.',
    tag: 'Deliveries',
    query: {
      schema: listDeliveriesQuery,
      descriptions: { ...pageDescriptions, status: 'Only attempts with this outcome.', event_id: 'Only attempts of this event.' },
    },
    success: { status: 200, description: 'A page of attempts.', schema: 'DeliveryAttempt', array: true, paginated: true },
    errors: ['VALIDATION_ERROR'],
  },
  'redeliver-event': {
    summary: 'Redeliver one event',
    description:
      'One new attempt of that event to this webhook, now, with a new envelope `id` and fresh signatures; it appears in the history with the next `attempt_number` and follows the retry schedule if it fails. Allowed for an event that already succeeded.',
    tag: 'Deliveries',
    success: { status: 202, description: 'The redelivery is queued.', schema: 'RedeliveryQueued' },
    errors: ['EVENT_NOT_FOUND', 'WEBHOOK_DISABLED'],
  },
  'recover-events': {
    summary: 'Recover failed deliveries',
    description:
      'Every event whose delivery to this webhook ended permanently failed (or was dropped while the webhook was disabled) between `since` (at most 14 days ago) and `until` (default now) is delivered again, oldest first, once each; running it again does not queue again what is already queued.',
    tag: 'Deliveries',
    body: 'RecoverRequest',
    success: { status: 202, description: 'How many events were queued.', schema: 'RecoverQueued' },
    errors: ['WEBHOOK_DISABLED'],
  },
  'rotate-secret': {
    summary: 'Rotate the signing secret',
    description:
      'A new secret, shown this once. The previous one stays valid for `expire_previous_in_seconds` (0–86400, default 86400): meanwhile `webhook-signature` carries both `v1,` signatures (new first), `X-TAPP-Signature` the new one and `X-TAPP-Signature-Previous` the previous one. The body may be omitted.',
    tag: 'Webhooks',
    body: 'RotateSecretRequest',
    success: { status: 200, description: 'The new secret.', schema: 'RotatedSecret' },
  },
  'list-event-types': {
    summary: 'List the event types',
    description: `The ${SUBSCRIBABLE_EVENT_TYPES.length} subscribable events with the JSON Schema (draft 2020-12) of their \`data\`. Any valid key, whatever its scope.`,
    tag: 'Discovery',
    success: { status: 200, description: 'The event catalog.', schema: 'EventType', array: true },
  },
  'get-egress-ips': {
    summary: 'List the egress addresses',
    description:
      'The public IPv4 addresses deliveries are sent from, for a partner to allowlist: a deployment with static egress lists its NAT gateways\' Elastic IPs (one per availability zone); without it the list is empty. Any valid key, whatever its scope.',
    tag: 'Discovery',
    success: { status: 200, description: 'The addresses and what they are.', schema: 'EgressAddresses' },
  },
  'get-openapi': {
    summary: 'This OpenAPI document',
    description: 'Public: no credentials needed.',
    tag: 'Discovery',
    success: { status: 200, description: 'OpenAPI 3.1.', schema: 'OpenApiDocument' },
  },
  // One function serves both portal routes (SPEC §10); `{asset}` is a content-hashed file name.
  portal: {
    summary: 'The integrator portal (a web page) and its hashed assets',
    description: 'Public: the page signs in through this API with a key and secret kept in the tab. HTML at /portal; JavaScript and CSS at /portal/{asset}, cached for a year.',
    tag: 'Portal',
    success: { status: 200, description: 'The page or the asset.', mediaTypes: ['text/html', 'text/javascript', 'text/css'] },
    errors: ['NOT_FOUND'],
  },
};
