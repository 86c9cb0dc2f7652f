// The event catalog (SPEC §3, events.md): the types, their schemas and the published examples.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ALL_EVENT_TYPES,
  EVENT_DATA_SCHEMAS,
  isEventType,
  isSubscribableEventType,
  isSubscribedTo,
  SUBSCRIBABLE_EVENT_TYPES,
  TEST_EVENT_TYPE,
  type EventType,
  type SubscribableEventType,
} from '../../lambdas/domain/event-catalog.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../../events/examples/', import.meta.url));

/** The subscribable types as published, one example each (events/examples/): a source independent of the code's list. */
const SUBSCRIBABLE = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, '') as SubscribableEventType)
  .sort();

const example = (type: string): Record<string, unknown> => JSON.parse(readFileSync(`${EXAMPLES_DIR}${type}.json`, 'utf8'));
const parse = (type: EventType, data: unknown) => EVENT_DATA_SCHEMAS[type].safeParse(data);

/** Fields that hold decimals as strings, per events.md. */
const DECIMAL_FIELDS: Partial<Record<EventType, string[]>> = {
  'funding.deposit_completed': ['amount'],
  'funding.deposit_returned': ['amount'],
  'funding.withdrawal_completed': ['amount'],
  'funding.withdrawal_returned': ['amount'],
  'order.submitted': ['quantity'],
  'order.filled': ['quantity', 'filled_quantity', 'average_fill_price'],
  'order.rejected': ['quantity'],
  'order.cancelled': ['quantity', 'filled_quantity'],
};

/** Required fields per events.md (every field is required; none is marked optional). */
const REQUIRED: Record<SubscribableEventType, string[]> = {
  'account.kyc_approved': ['account_id', 'status', 'approved_at'],
  'account.kyc_rejected': ['account_id', 'status', 'rejection_reason', 'rejected_at'],
  'account.closed': ['account_id', 'status', 'closed_at'],
  'funding.ach_relationship_created': [
    'account_id', 'ach_relationship_id', 'status', 'bank_account_number', 'bank_routing_number', 'bank_account_type',
  ],
  'funding.ach_relationship_removed': ['account_id', 'ach_relationship_id', 'status'],
  'funding.deposit_completed': ['account_id', 'activity_id', 'ach_relationship_id', 'type', 'amount', 'status'],
  'funding.deposit_returned': [
    'account_id', 'activity_id', 'ach_relationship_id', 'type', 'amount', 'status', 'nacha_return_code', 'nacha_return_reason',
  ],
  'funding.withdrawal_completed': ['account_id', 'activity_id', 'ach_relationship_id', 'type', 'amount', 'status'],
  'funding.withdrawal_returned': ['account_id', 'activity_id', 'ach_relationship_id', 'amount', 'status', 'return_code', 'return_reason'],
  'order.submitted': ['account_id', 'order_id', 'symbol', 'side', 'order_type', 'quantity', 'status', 'submitted_at'],
  'order.filled': [
    'account_id', 'order_id', 'symbol', 'side', 'order_type', 'quantity', 'status', 'filled_quantity', 'average_fill_price', 'filled_at',
  ],
  'order.rejected': ['account_id', 'order_id', 'symbol', 'side', 'order_type', 'quantity', 'status', 'rejection_reason', 'rejected_at'],
  'order.cancelled': [
    'account_id', 'order_id', 'symbol', 'side', 'order_type', 'quantity', 'filled_quantity', 'status', 'cancel_reason', 'cancelled_at',
  ],
};

/** A status value each type must refuse (wrong case or another event's literal). */
const WRONG_STATUS: Record<SubscribableEventType, string> = {
  'account.kyc_approved': 'active',
  'account.kyc_rejected': 'REJECTED',
  'account.closed': 'closed',
  'funding.ach_relationship_created': 'approved',
  'funding.ach_relationship_removed': 'APPROVED',
  'funding.deposit_completed': 'COMPLETED',
  'funding.deposit_returned': 'RETURNED',
  'funding.withdrawal_completed': 'returned',
  'funding.withdrawal_returned': 'returned',
  'order.submitted': 'filled',
  'order.filled': 'partially_filled',
  'order.rejected': 'cancelled',
  'order.cancelled': 'canceled',
};

describe('event catalog', () => {
  it('has exactly the subscribable types with a published example (one each), plus webhook.test', () => {
    expect(SUBSCRIBABLE.length).toBeGreaterThan(0);
    expect([...SUBSCRIBABLE_EVENT_TYPES].sort()).toEqual(SUBSCRIBABLE);
    expect(TEST_EVENT_TYPE).toBe('webhook.test');
    expect([...ALL_EVENT_TYPES].sort()).toEqual([...SUBSCRIBABLE, 'webhook.test'].sort());
  });

  it('webhook.test is an event type but not subscribable', () => {
    expect(isEventType('webhook.test')).toBe(true);
    expect(isSubscribableEventType('webhook.test')).toBe(false);
    for (const t of SUBSCRIBABLE) expect(isSubscribableEventType(t)).toBe(true);
  });

  it.each(['order.exploded', 'ORDER.FILLED', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty'])(
    'rejects %j as an event type',
    (name) => {
      expect(isEventType(name)).toBe(false);
      expect(isSubscribableEventType(name)).toBe(false);
    },
  );

  it('isSubscribedTo: [] means all; a list means those; webhook.test reaches every webhook', () => {
    expect(isSubscribedTo([], 'order.filled')).toBe(true);
    expect(isSubscribedTo(['order.filled'], 'order.filled')).toBe(true);
    expect(isSubscribedTo(['order.filled'], 'order.rejected')).toBe(false);
    expect(isSubscribedTo(['order.filled'], 'webhook.test')).toBe(true);
  });

  describe.each(SUBSCRIBABLE.map((t) => [t]))('%s', (type) => {
    const data = example(type);

    it('its example parses with its schema', () => {
      const result = parse(type, data);
      expect(result.error?.issues).toBeUndefined();
      expect(result.success).toBe(true);
    });

    it('the example carries exactly the documented fields', () => {
      expect(Object.keys(data).sort()).toEqual([...REQUIRED[type]].sort());
    });

    it.each(REQUIRED[type].map((f) => [f]))('is rejected without %s', (field) => {
      const { [field]: _removed, ...rest } = data;
      expect(parse(type, rest).success).toBe(false);
    });

    it('rejects a wrong status literal', () => {
      expect(parse(type, { ...data, status: WRONG_STATUS[type] }).success).toBe(false);
      expect(parse(type, { ...data, status: 42 }).success).toBe(false);
    });

    it('accepts extra fields and keeps them', () => {
      const result = parse(type, { ...data, added_later: 'x', nested: { a: 1 } });
      expect(result.success).toBe(true);
      expect(result.data).toMatchObject({ added_later: 'x', nested: { a: 1 } });
    });

    it('rejects a bad account_id uuid and a non-object', () => {
      expect(parse(type, { ...data, account_id: 'not-a-uuid' }).success).toBe(false);
      expect(parse(type, null).success).toBe(false);
      expect(parse(type, [data]).success).toBe(false);
      expect(parse(type, JSON.stringify(data)).success).toBe(false);
    });

    const decimals = DECIMAL_FIELDS[type] ?? [];
    if (decimals.length > 0) {
      it.each(decimals.map((f) => [f]))('%s must be a decimal string, not a number or junk', (field) => {
        const asNumber = Number(data[field]);
        expect(Number.isFinite(asNumber)).toBe(true);
        expect(parse(type, { ...data, [field]: asNumber }).success).toBe(false);
        expect(parse(type, { ...data, [field]: 'ten' }).success).toBe(false);
        expect(parse(type, { ...data, [field]: '' }).success).toBe(false);
        expect(parse(type, { ...data, [field]: '12.50' }).success).toBe(true);
      });
    }
  });

  it('timestamps must be ISO 8601', () => {
    const data = example('order.filled');
    expect(parse('order.filled', { ...data, filled_at: 'yesterday' }).success).toBe(false);
    expect(parse('order.filled', { ...data, filled_at: 1717248602 }).success).toBe(false);
    expect(parse('order.filled', { ...data, filled_at: '2026-06-01T13:30:02.123Z' }).success).toBe(true);
  });

  it('enumerations: side, bank_account_type, order.submitted status', () => {
    const order = example('order.submitted');
    expect(parse('order.submitted', { ...order, side: 'hold' }).success).toBe(false);
    expect(parse('order.submitted', { ...order, status: 'new' }).success).toBe(true);
    expect(parse('order.submitted', { ...order, status: 'pending_new' }).success).toBe(true);
    const ach = example('funding.ach_relationship_created');
    expect(parse('funding.ach_relationship_created', { ...ach, bank_account_type: 'SAVINGS' }).success).toBe(true);
    expect(parse('funding.ach_relationship_created', { ...ach, bank_account_type: 'BROKERAGE' }).success).toBe(false);
    expect(parse('funding.ach_relationship_created', { ...ach, bank_routing_number: '12345' }).success).toBe(false);
  });

  it('funding.withdrawal_returned has no type field (as documented) and uses return_code', () => {
    const data = example('funding.withdrawal_returned');
    expect(data).not.toHaveProperty('type');
    const { return_code: _code, ...rest } = data;
    expect(parse('funding.withdrawal_returned', { ...rest, nacha_return_code: 'R02' }).success).toBe(false);
  });

  it('webhook.test data: webhook_id uuid and message', () => {
    const ok = { webhook_id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', message: 'hello' };
    expect(parse('webhook.test', ok).success).toBe(true);
    expect(parse('webhook.test', { ...ok, webhook_id: 'abc' }).success).toBe(false);
    expect(parse('webhook.test', { webhook_id: ok.webhook_id }).success).toBe(false);
  });
});
