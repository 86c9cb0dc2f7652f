// The event catalog: the schema of each event type's `data`, defined once (events.md); the names
// are in event-types.ts, and `satisfies` below keeps the two in step. Only the fan-out needs the
// schemas, so functions that only handle names do not build them at start-up.
// Validation is strict on required fields and types, lenient on extra fields (z.looseObject):
// a producer may add a field before the catalog documents it.
import * as z from 'zod';
import type { EventType } from './event-types.js';

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

