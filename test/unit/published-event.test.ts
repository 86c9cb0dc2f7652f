// The edge of the pipeline (SPEC §3 "Publishing"): an EventBridge event parsed into a
// PublishedEvent, or refused with a reason that says what is wrong.
import { randomUUID } from 'node:crypto';
import { type BusEvent, parsePublishedEvent } from '../../lambdas/domain/published-event.js';
import { exampleData } from '../support/examples.js';

const NOW = new Date('2026-06-02T10:00:00.000Z');
const defaults = { environment: 'sandbox' as const, now: NOW };

function busEvent(overrides: Partial<BusEvent> = {}, detail: Record<string, unknown> = {}): BusEvent {
  return {
    id: randomUUID(),
    'detail-type': 'order.filled',
    source: 'buildmarkets.orders',
    time: '2026-06-01T13:30:05Z',
    detail: { partner_id: 'p1', data: exampleData('order.filled'), ...detail },
    ...overrides,
  };
}

function refused(event: BusEvent): string {
  const result = parsePublishedEvent(event, defaults);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.event)}`);
  return result.reason;
}

describe('parsePublishedEvent — accepted', () => {
  it('parses a valid event; event_id defaults to the EventBridge id, environment to the default, created_at to `time`', () => {
    const event = busEvent();
    const result = parsePublishedEvent(event, defaults);
    expect(result).toEqual({
      ok: true,
      event: {
        eventId: event.id,
        eventType: 'order.filled',
        partnerId: 'p1',
        data: exampleData('order.filled'),
        environment: 'sandbox',
        createdAt: '2026-06-01T13:30:05.000Z',
      },
    });
  });

  it('takes event_id and environment from the detail when given', () => {
    const eventId = randomUUID();
    const result = parsePublishedEvent(busEvent({}, { event_id: eventId, environment: 'live' }), defaults);
    expect(result.ok && result.event.eventId).toBe(eventId);
    expect(result.ok && result.event.environment).toBe('live');
  });

  it('uses the configured default environment', () => {
    const result = parsePublishedEvent(busEvent(), { environment: 'live', now: NOW });
    expect(result.ok && result.event.environment).toBe('live');
  });

  it('normalises an upper-case event_id to lower case (so duplicates are recognised)', () => {
    const eventId = randomUUID();
    const result = parsePublishedEvent(busEvent({}, { event_id: eventId.toUpperCase() }), defaults);
    expect(result.ok && result.event.eventId).toBe(eventId);
  });

  it('falls back to `now` when `time` is missing or not a date', () => {
    const missing = parsePublishedEvent(busEvent({ time: undefined }), defaults);
    expect(missing.ok && missing.event.createdAt).toBe(NOW.toISOString());
    const garbage = parsePublishedEvent(busEvent({ time: 'yesterday' }), defaults);
    expect(garbage.ok && garbage.event.createdAt).toBe(NOW.toISOString());
  });

  it('accepts extra fields in data (lenient catalog) and in detail', () => {
    const result = parsePublishedEvent(
      busEvent({}, { data: { ...exampleData('order.filled'), venue: 'XNAS' }, trace: 'abc' }),
      defaults,
    );
    expect(result.ok).toBe(true);
    expect(result.ok && result.event.data.venue).toBe('XNAS');
  });

  it.each(['account.closed', 'funding.deposit_completed', 'order.submitted'])('accepts the catalog example of %s', (type) => {
    const result = parsePublishedEvent(busEvent({ 'detail-type': type }, { data: exampleData(type) }), defaults);
    expect(result.ok && result.event.eventType).toBe(type);
  });
});

describe('parsePublishedEvent — refused', () => {
  it('refuses an unknown detail-type, naming it', () => {
    expect(refused(busEvent({ 'detail-type': 'order.exploded' }))).toMatch(/unknown event type.*order\.exploded/);
  });

  it('refuses webhook.test: only the test route sends it, it cannot be published', () => {
    const reason = refused(
      busEvent({ 'detail-type': 'webhook.test' }, { data: { webhook_id: randomUUID(), message: 'hello' } }),
    );
    expect(reason).toMatch(/webhook\.test/);
  });

  it('refuses a detail without partner_id, naming the field', () => {
    const event = busEvent();
    delete (event.detail as Record<string, unknown>).partner_id;
    expect(refused(event)).toMatch(/partner_id/);
  });

  it('refuses an empty partner_id', () => {
    expect(refused(busEvent({}, { partner_id: '' }))).toMatch(/partner_id/);
  });

  it.each([
    ['a string', 'hello'],
    ['an array', [1, 2]],
    ['null', null],
    ['a number', 42],
  ])('refuses data that is %s', (_what, data) => {
    expect(refused(busEvent({}, { data }))).toMatch(/data/);
  });

  it('refuses a missing data', () => {
    const event = busEvent();
    delete (event.detail as Record<string, unknown>).data;
    expect(refused(event)).toMatch(/data/);
  });

  it('refuses data that fails the catalog schema, naming the field', () => {
    expect(refused(busEvent({}, { data: { ...exampleData('order.filled'), quantity: 3 } }))).toMatch(/detail\.data\.quantity/);
    const { symbol: _omit, ...withoutSymbol } = exampleData('order.filled');
    expect(refused(busEvent({}, { data: withoutSymbol }))).toMatch(/detail\.data\.symbol/);
    expect(refused(busEvent({}, { data: { ...exampleData('order.filled'), status: 'rejected' } }))).toMatch(/status/);
  });

  it('refuses data of another event type', () => {
    expect(refused(busEvent({ 'detail-type': 'account.closed' }))).toMatch(/detail\.data\./);
  });

  it.each([['not-a-uuid'], [''], [42], ['6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4']])('refuses a bad event_id %j', (eventId) => {
    expect(refused(busEvent({}, { event_id: eventId }))).toMatch(/event_id/);
  });

  it('refuses an unknown environment', () => {
    expect(refused(busEvent({}, { environment: 'production' }))).toMatch(/environment/);
  });

  it.each([
    ['null', null],
    ['a string', '{"partner_id":"p1"}'],
    ['an array', []],
  ])('refuses a detail that is %s', (_what, detail) => {
    expect(parsePublishedEvent(busEvent({ detail }), defaults).ok).toBe(false);
  });
});
