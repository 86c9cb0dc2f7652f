// The retry schedule (SPEC §4): 6 attempts at most — at once, then 5 min, 30 min, 2 h, 5 h, 10 h
// after each failure; RETRY_SCHEDULE_SECONDS configures it, SQS caps one delay at 12 h.
import { DEFAULT_RETRY_SCHEDULE_SECONDS, MAX_RETRY_DELAY_SECONDS, RetryPolicy } from '../../lambdas/domain/retry-policy.js';

describe('RetryPolicy — default schedule', () => {
  const policy = new RetryPolicy();

  it('is 300, 1800, 7200, 18000, 36000 seconds', () => {
    expect([...DEFAULT_RETRY_SCHEDULE_SECONDS]).toEqual([300, 1800, 7200, 18000, 36000]);
    expect([...policy.scheduleSeconds]).toEqual([300, 1800, 7200, 18000, 36000]);
  });

  it('allows 6 attempts', () => {
    expect(policy.maxAttempts).toBe(6);
  });

  it('waits 5 min, 30 min, 2 h, 5 h, 10 h after failed attempts 1 to 5', () => {
    expect([1, 2, 3, 4, 5].map((n) => policy.delayAfterFailure(n))).toEqual([5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600]);
  });

  it('has no further delay after the 6th (last) failed attempt', () => {
    expect(policy.delayAfterFailure(6)).toBeUndefined();
    expect(policy.delayAfterFailure(7)).toBeUndefined();
  });

  it('caps one delay at 12 hours (the SQS visibility timeout limit)', () => {
    expect(MAX_RETRY_DELAY_SECONDS).toBe(43200);
  });
});

describe('RetryPolicy.parse', () => {
  it('reads a comma-separated list of whole seconds', () => {
    const policy = RetryPolicy.parse('1,2,3');
    expect([...policy.scheduleSeconds]).toEqual([1, 2, 3]);
    expect(policy.maxAttempts).toBe(4);
    expect(policy.delayAfterFailure(1)).toBe(1);
    expect(policy.delayAfterFailure(3)).toBe(3);
    expect(policy.delayAfterFailure(4)).toBeUndefined();
  });

  it('ignores whitespace around the entries', () => {
    expect([...RetryPolicy.parse(' 1 , 2,\t3 ').scheduleSeconds]).toEqual([1, 2, 3]);
  });

  it('parses the default schedule string to the default policy', () => {
    const policy = RetryPolicy.parse('300,1800,7200,18000,36000');
    expect([...policy.scheduleSeconds]).toEqual([...DEFAULT_RETRY_SCHEDULE_SECONDS]);
    expect(policy.maxAttempts).toBe(6);
  });

  it('accepts exactly the 12 h maximum', () => {
    expect(RetryPolicy.parse('43200').delayAfterFailure(1)).toBe(43200);
  });

  it.each([
    ['a non-number', 'a,1'],
    ['a negative delay', '-1,5'],
    ['a fraction', '1.5,2'],
    ['a delay over 12 h', '43201'],
    ['a delay far over 12 h', '1,100000'],
    ['a hex number', '0x10'],
  ])('rejects %s (%j)', (_what, value) => {
    expect(() => RetryPolicy.parse(value)).toThrow();
  });

  it('the constructor rejects delays outside 0..43200 whole seconds', () => {
    expect(() => new RetryPolicy([-1])).toThrow();
    expect(() => new RetryPolicy([43201])).toThrow();
    expect(() => new RetryPolicy([1.5])).toThrow();
    expect(() => new RetryPolicy([Number.NaN])).toThrow();
    expect(new RetryPolicy([0, 43200]).maxAttempts).toBe(3);
  });
});
