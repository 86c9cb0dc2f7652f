// SPEC §11 `ordering: "per_entity"`: which entity an event is about, and the keys that put a
// webhook's jobs about one entity in a line (stores/ordered-job-store.ts). Pure.

/**
 * The entity an event is about: `order:<order_id>` for `order.*`, `account:<account_id>` for
 * `account.*` and `funding.*`; undefined for any other event (it is never held for another).
 */
export function entityOf(eventType: string, data: Record<string, unknown>): string | undefined {
  const [family] = eventType.split('.', 1);
  const id = family === 'order' ? data.order_id : family === 'account' || family === 'funding' ? data.account_id : undefined;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  return `${family === 'order' ? 'order' : 'account'}:${id}`;
}

/** A webhook's line for one entity (the ordered jobs' partition key). */
export const entityKeyFor = (webhookId: string, entity: string) => `${webhookId}#${entity}`;

/**
 * A job's place in its line (the sort key): when the fan-out accepted the event (microseconds
 * since the epoch, zero-padded so the text sorts as the number), then the event id.
 */
export const seqKeyFor = (acceptedAtMicros: number, eventId: string) => `${String(acceptedAtMicros).padStart(17, '0')}#${eventId}`;

/** When the fan-out accepted the job's event (epoch ms), from its place in the line. */
export const acceptedAtMsOf = (seqKey: string) => Number(seqKey.slice(0, seqKey.indexOf('#'))) / 1000;
