// EventBridge pattern matching in the local bus, with the rule the stack deploys.
import { FAN_OUT_RULE_PATTERN } from '../../lambdas/domain/event-rule.js';
import { type EventPattern, matchesPattern } from '../../local/event-pattern.js';

const rule = FAN_OUT_RULE_PATTERN as unknown as EventPattern;
const event = (fields: Record<string, unknown>) => ({ 'detail-type': 'order.filled', detail: {}, ...fields });

describe('FAN_OUT_RULE_PATTERN', () => {
  it('is a prefix match on source "buildmarkets."', () => {
    expect(FAN_OUT_RULE_PATTERN).toEqual({ source: [{ prefix: 'buildmarkets.' }] });
  });

  it.each(['buildmarkets.orders', 'buildmarkets.cli', 'buildmarkets.'])('matches source %j', (source) => {
    expect(matchesPattern(rule, event({ source }))).toBe(true);
  });

  it.each(['other.x', 'buildmarkets', 'Buildmarkets.orders', 'xbuildmarkets.orders', ' buildmarkets.orders', ''])(
    'does not match source %j',
    (source) => {
      expect(matchesPattern(rule, event({ source }))).toBe(false);
    },
  );

  it('does not match an event without a source, or with a non-string source', () => {
    expect(matchesPattern(rule, event({}))).toBe(false);
    expect(matchesPattern(rule, event({ source: null }))).toBe(false);
    expect(matchesPattern(rule, event({ source: 42 }))).toBe(false);
    expect(matchesPattern(rule, event({ source: { prefix: 'buildmarkets.' } }))).toBe(false);
  });
});

describe('matchesPattern', () => {
  it('matches exact values from a list', () => {
    const pattern: EventPattern = { 'detail-type': ['order.filled', 'order.rejected'] };
    expect(matchesPattern(pattern, { 'detail-type': 'order.filled' })).toBe(true);
    expect(matchesPattern(pattern, { 'detail-type': 'order.rejected' })).toBe(true);
    expect(matchesPattern(pattern, { 'detail-type': 'order.cancelled' })).toBe(false);
    expect(matchesPattern(pattern, { 'detail-type': 'order.filledx' })).toBe(false);
    expect(matchesPattern(pattern, {})).toBe(false);
  });

  it('compares exact values strictly (no type coercion)', () => {
    expect(matchesPattern({ n: [1] }, { n: 1 })).toBe(true);
    expect(matchesPattern({ n: [1] }, { n: '1' })).toBe(false);
    expect(matchesPattern({ b: [true] }, { b: 'true' })).toBe(false);
    expect(matchesPattern({ b: [true] }, { b: true })).toBe(true);
  });

  it('requires every key of the pattern to match', () => {
    const pattern: EventPattern = { source: [{ prefix: 'buildmarkets.' }], 'detail-type': ['order.filled'] };
    expect(matchesPattern(pattern, { source: 'buildmarkets.orders', 'detail-type': 'order.filled' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'buildmarkets.orders', 'detail-type': 'account.closed' })).toBe(false);
    expect(matchesPattern(pattern, { source: 'other.orders', 'detail-type': 'order.filled' })).toBe(false);
  });

  it('an array value in the event matches when any element matches', () => {
    expect(matchesPattern({ resources: ['arn:a'] }, { resources: ['arn:b', 'arn:a'] })).toBe(true);
    expect(matchesPattern({ resources: ['arn:a'] }, { resources: ['arn:b'] })).toBe(false);
  });

  it('recurses into nested objects', () => {
    const pattern: EventPattern = { detail: { partner_id: ['p1'], data: { status: ['filled'] } } };
    expect(matchesPattern(pattern, { detail: { partner_id: 'p1', data: { status: 'filled', extra: 1 } } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { partner_id: 'p2', data: { status: 'filled' } } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { partner_id: 'p1', data: { status: 'new' } } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { partner_id: 'p1' } })).toBe(false);
    expect(matchesPattern(pattern, { detail: 'p1' })).toBe(false);
    expect(matchesPattern(pattern, { detail: null })).toBe(false);
    expect(matchesPattern(pattern, {})).toBe(false);
  });

  it('the empty pattern matches everything', () => {
    expect(matchesPattern({}, {})).toBe(true);
    expect(matchesPattern({}, { source: 'anything' })).toBe(true);
  });
});
