// The event types (SPEC §3): those a webhook can subscribe to, plus webhook.test, defined once.
// Their `data` schemas are in event-catalog.ts.

export const EVENT_TYPES = [
  'account.kyc_approved',
  'account.kyc_rejected',
  'account.closed',
  'funding.ach_relationship_created',
  'funding.ach_relationship_removed',
  'funding.deposit_completed',
  'funding.deposit_returned',
  'funding.withdrawal_completed',
  'funding.withdrawal_returned',
  'order.submitted',
  'order.filled',
  'order.rejected',
  'order.cancelled',
  /** Sent only by POST /v1/webhooks/{id}/test; not subscribable. */
  'webhook.test',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export const TEST_EVENT_TYPE = 'webhook.test' satisfies EventType;
export type SubscribableEventType = Exclude<EventType, typeof TEST_EVENT_TYPE>;

export const ALL_EVENT_TYPES: readonly EventType[] = EVENT_TYPES;
/** The event types a webhook can subscribe to (all but webhook.test). */
export const SUBSCRIBABLE_EVENT_TYPES = EVENT_TYPES.filter((t): t is SubscribableEventType => t !== TEST_EVENT_TYPE);

const known = new Set<string>(EVENT_TYPES);

export function isEventType(value: string): value is EventType {
  return known.has(value);
}

export function isSubscribableEventType(value: string): value is SubscribableEventType {
  return isEventType(value) && value !== TEST_EVENT_TYPE;
}

/** Does a webhook subscribed to `events` (`[]` = all) receive `type`? The test event reaches it either way. */
export function isSubscribedTo(events: readonly string[], type: EventType): boolean {
  return type === TEST_EVENT_TYPE || events.length === 0 || events.includes(type);
}
