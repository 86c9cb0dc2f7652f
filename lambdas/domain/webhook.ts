// The webhook resource: its stored shape, its public shape, and the API bodies that change it.
import * as z from 'zod';
import { type EndpointHealth, type PublicHealth, toPublicHealth } from './endpoint-health.js';
import { isSubscribableEventType } from './event-types.js';
import { customHeadersSchema, MASKED_HEADER_VALUE, maskedHeaders, type Ordering, orderingSchema, rateLimitSchema } from './delivery-controls.js';

export type WebhookStatus = 'active' | 'disabled';
/** Why a disabled webhook is disabled (SPEC §7): no success for too long, 410 Gone, or a PATCH. */
export const DISABLED_REASONS = ['failing', 'gone', 'manual'] as const;
export type DisabledReason = (typeof DISABLED_REASONS)[number];

export type Webhook = {
  id: string;
  partnerId: string;
  url: string;
  /** `[]` means every event. */
  events: string[];
  status: WebhookStatus;
  createdAt: string;
  updatedAt: string;
  /** When the webhook last became active: jobs older than this were made before a disable and are dropped. */
  activeSince: string;
  /** Set while disabled; absent while active. */
  disabledReason?: DisabledReason;
  disabledAt?: string;
  /** Never leaves the service in clear except in the create response. */
  secretCiphertext: string;
  /** After a rotation (SPEC §7): the previous secret, encrypted like the current one, valid until `expiresAt`. */
  previousSecret?: { ciphertext: string; expiresAt: string };
  /** SPEC §11: at most this many attempts in any rolling second; absent: no limit. */
  rateLimitPerSecond?: number;
  /** SPEC §11; absent: `none`. */
  ordering?: Ordering;
  /**
   * SPEC §11 custom request headers: the names in clear (responses show them, values masked, with
   * no decrypt), the name → value map as one ciphertext (headersContext). Absent: none.
   */
  customHeaders?: { names: string[]; ciphertext: string };
};

/** The previous secret's ciphertext while it is still valid at `at`; an expired one is ignored. */
export function validPreviousSecret(w: Pick<Webhook, 'previousSecret'>, at: Date): string | undefined {
  return w.previousSecret && Date.parse(w.previousSecret.expiresAt) > at.getTime() ? w.previousSecret.ciphertext : undefined;
}

export type PublicWebhook = {
  id: string;
  url: string;
  events: string[];
  status: WebhookStatus;
  disabled_reason: DisabledReason | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  rate_limit_per_second: number | null;
  /** Names → `"****"`: a value is never shown again once set. */
  headers: Record<string, typeof MASKED_HEADER_VALUE>;
  ordering: Ordering;
  health: PublicHealth;
};

/** `health` is the endpoint's (undefined: never attempted). */
export function toPublicWebhook(w: Webhook, health: EndpointHealth | undefined): PublicWebhook {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    status: w.status,
    disabled_reason: w.status === 'disabled' ? (w.disabledReason ?? null) : null,
    disabled_at: w.status === 'disabled' ? (w.disabledAt ?? null) : null,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
    rate_limit_per_second: w.rateLimitPerSecond ?? null,
    headers: maskedHeaders(w.customHeaders?.names ?? []),
    ordering: w.ordering ?? 'none',
    health: toPublicHealth(health),
  };
}

/** Issues carrying params.code pick their error code; see lambdas/http/validation.ts. */
const eventList = z
  .array(z.string({ error: 'events must be an array of strings' }), { error: 'events must be an array of event names' })
  .max(64, 'too many events')
  .superRefine((events, ctx) => {
    const unknown = events.find((e) => !isSubscribableEventType(e));
    if (unknown !== undefined) {
      ctx.addIssue({ code: 'custom', message: `Unknown event type: ${JSON.stringify(unknown).slice(0, 80)}`, params: { code: 'INVALID_EVENT' } });
    }
  })
  .transform((events) => [...new Set(events)]);

/** Shape only; the URL rules (scheme, length, address) are the UrlGuard's. */
const url = z.string({ error: 'url must be a string' });

/** SPEC §11 delivery controls, optional on create and PATCH; `null` means none (no limit, no headers). */
const controls = {
  rate_limit_per_second: rateLimitSchema.optional(),
  headers: customHeadersSchema.nullable().optional(),
  ordering: orderingSchema.optional(),
};

export const createWebhookBody = z.strictObject({ url, events: eventList, ...controls });
export type CreateWebhookInput = z.infer<typeof createWebhookBody>;

const UPDATABLE = ['url', 'events', 'status', 'rate_limit_per_second', 'headers', 'ordering'] as const;

export const updateWebhookBody = z
  .strictObject({ url: url.optional(), events: eventList.optional(), status: z.enum(['active', 'disabled']).optional(), ...controls })
  .refine((b) => UPDATABLE.some((key) => b[key] !== undefined), {
    message: `Provide at least one of ${UPDATABLE.join(', ')}.`,
  })
  // The refine above, as JSON Schema says it (the OpenAPI document is generated from this schema).
  .meta({ minProperties: 1 });
export type UpdateWebhookInput = z.infer<typeof updateWebhookBody>;

/** SPEC §7: how long the previous secret stays valid after a rotation. */
export const MAX_PREVIOUS_SECRET_SECONDS = 86_400;
/** The body is optional: none is `{}`. */
export const rotateSecretBody = z
  .strictObject({
    expire_previous_in_seconds: z.number().int().min(0).max(MAX_PREVIOUS_SECRET_SECONDS).default(MAX_PREVIOUS_SECRET_SECONDS),
  })
  .prefault({});
export type RotateSecretInput = z.infer<typeof rotateSecretBody>;
