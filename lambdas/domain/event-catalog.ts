// The event catalog: every event type and the schema of its `data`, defined once (events.md).
// Validation is strict on required fields and types, lenient on extra fields (z.looseObject):
// a producer may add a field before the catalog documents it.
import * as z from 'zod';

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
} as const;

export type EventType = keyof typeof EVENT_DATA_SCHEMAS;
export const TEST_EVENT_TYPE = 'webhook.test' satisfies EventType;
export type SubscribableEventType = Exclude<EventType, typeof TEST_EVENT_TYPE>;

export const ALL_EVENT_TYPES = Object.keys(EVENT_DATA_SCHEMAS) as EventType[];
/** The 13 event types a webhook can subscribe to. */
export const SUBSCRIBABLE_EVENT_TYPES = ALL_EVENT_TYPES.filter(
  (t): t is SubscribableEventType => t !== TEST_EVENT_TYPE,
);

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(EVENT_DATA_SCHEMAS, value);
}

export function isSubscribableEventType(value: string): value is SubscribableEventType {
  return isEventType(value) && value !== TEST_EVENT_TYPE;
}

/** Does a webhook subscribed to `events` (`[]` = all) receive `type`? The test event reaches it either way. */
export function isSubscribedTo(events: readonly string[], type: EventType): boolean {
  return type === TEST_EVENT_TYPE || events.length === 0 || events.includes(type);
}
