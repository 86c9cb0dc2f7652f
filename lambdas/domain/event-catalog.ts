// The event catalog: the schema of each event type's `data`, defined once (events.md); the names
// are in event-types.ts, and `satisfies` below keeps the two in step. Only the fan-out needs the
// schemas, so functions that only handle names do not build them at start-up.
// Validation is strict on required fields and types, lenient on extra fields (z.looseObject):
// a producer may add a field before the catalog documents it.
import * as z from 'zod';
import { type EventType, SUBSCRIBABLE_EVENT_TYPES, type SubscribableEventType } from './event-types.js';

export * from './event-types.js';

const uuid = z.uuid();
const timestamp = z.iso.datetime();
/** Money and quantities travel as decimal strings, never JSON numbers. */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number as a string');
const side = z.enum(['buy', 'sell']);

const orderBase = {
  account_id: uuid,
  order_id: z.string().min(1),
  symbol: z.string().min(1),
  side,
  order_type: z.string().min(1),
  quantity: decimal,
};

const fundingActivity = {
  account_id: uuid,
  activity_id: uuid,
  ach_relationship_id: uuid,
  amount: decimal,
};

export const EVENT_DATA_SCHEMAS = {
  'account.kyc_approved': z.looseObject({ account_id: uuid, status: z.literal('ACTIVE'), approved_at: timestamp }),
  'account.kyc_rejected': z.looseObject({
    account_id: uuid,
    status: z.literal('ACTION_REQUIRED'),
    rejection_reason: z.string(),
    rejected_at: timestamp,
  }),
  'account.closed': z.looseObject({ account_id: uuid, status: z.literal('CLOSED'), closed_at: timestamp }),
  'funding.ach_relationship_created': z.looseObject({
    account_id: uuid,
    ach_relationship_id: uuid,
    status: z.literal('APPROVED'),
    bank_account_number: z.string(),
    bank_routing_number: z.string().regex(/^\d{9}$/, 'expected 9 digits'),
    bank_account_type: z.enum(['CHECKING', 'SAVINGS']),
  }),
  'funding.ach_relationship_removed': z.looseObject({
    account_id: uuid,
    ach_relationship_id: uuid,
    status: z.literal('CANCELLED'),
  }),
  'funding.deposit_completed': z.looseObject({
    ...fundingActivity,
    type: z.literal('deposit'),
    status: z.literal('completed'),
  }),
  'funding.deposit_returned': z.looseObject({
    ...fundingActivity,
    type: z.literal('deposit'),
    status: z.literal('returned'),
    nacha_return_code: z.string(),
    nacha_return_reason: z.string(),
  }),
  'funding.withdrawal_completed': z.looseObject({
    ...fundingActivity,
    type: z.literal('withdrawal'),
    status: z.literal('completed'),
  }),
  // As documented publicly: no `type`, upper-case status, `return_code` (not nacha_…).
  'funding.withdrawal_returned': z.looseObject({
    ...fundingActivity,
    status: z.literal('RETURNED'),
    return_code: z.string(),
    return_reason: z.string(),
  }),
  'order.submitted': z.looseObject({
    ...orderBase,
    status: z.enum(['new', 'pending_new']),
    submitted_at: timestamp,
  }),
  'order.filled': z.looseObject({
    ...orderBase,
    status: z.literal('filled'),
    filled_quantity: decimal,
    average_fill_price: decimal,
    filled_at: timestamp,
  }),
  'order.rejected': z.looseObject({
    ...orderBase,
    status: z.literal('rejected'),
    rejection_reason: z.string(),
    rejected_at: timestamp,
  }),
  'order.cancelled': z.looseObject({
    ...orderBase,
    filled_quantity: decimal,
    status: z.literal('cancelled'),
    cancel_reason: z.string(),
    cancelled_at: timestamp,
  }),
  /** Sent only by POST /v1/webhooks/{id}/test; not subscribable. */
  'webhook.test': z.looseObject({ webhook_id: uuid, message: z.string() }),
} as const satisfies Record<EventType, z.ZodType>;


/** What each event means, for GET /v1/event-types, the OpenAPI `webhooks` and docs/events.md. */
export const EVENT_DESCRIPTIONS = {
  'account.kyc_approved': 'The account passed KYC and is now ACTIVE: it can fund and trade.',
  'account.kyc_rejected': 'KYC needs more from the account holder (ACTION_REQUIRED); rejection_reason says what.',
  'account.closed': 'The account is CLOSED.',
  'funding.ach_relationship_created': 'A bank account was linked (APPROVED) for ACH transfers; the account number is masked.',
  'funding.ach_relationship_removed': 'A linked bank account was removed (CANCELLED).',
  'funding.deposit_completed': 'An ACH deposit completed; amount is a decimal string.',
  'funding.deposit_returned': 'An ACH deposit was returned by the bank, with its NACHA return code and reason.',
  'funding.withdrawal_completed': 'An ACH withdrawal completed; amount is a decimal string.',
  'funding.withdrawal_returned': 'An ACH withdrawal was returned (status RETURNED, return_code and return_reason; no type field).',
  'order.submitted': 'An order was accepted for execution (status new or pending_new).',
  'order.filled': 'An order was filled: filled_quantity at average_fill_price.',
  'order.rejected': 'An order was rejected; rejection_reason says why.',
  'order.cancelled': 'An order was cancelled, possibly after a partial fill (filled_quantity).',
  'webhook.test': 'Sent only by POST /v1/webhooks/{webhookId}/test to check an endpoint; cannot be subscribed to.',
} as const satisfies Record<EventType, string>;

/** The JSON Schema (draft 2020-12) of an event type's `data`, generated from the zod schema the fan-out validates with. */
export function eventDataJsonSchema(type: EventType): Record<string, unknown> {
  return z.toJSONSchema(EVENT_DATA_SCHEMAS[type], { target: 'draft-2020-12' }) as Record<string, unknown>;
}

export type EventTypeInfo = { name: SubscribableEventType; description: string; schema: Record<string, unknown> };

let catalog: readonly EventTypeInfo[] | undefined;

/** The subscribable event types with their descriptions and `data` schemas (SPEC §8), built once. */
export function eventTypeCatalog(): readonly EventTypeInfo[] {
  return (catalog ??= SUBSCRIBABLE_EVENT_TYPES.map((name) => ({
    name,
    description: EVENT_DESCRIPTIONS[name],
    schema: eventDataJsonSchema(name),
  })));
}
