// Authentication with failed authentication limited per client address, with a fake clock, an
// in-memory counter and a keys repository that record every call (so the tests can show what a
// request cost the keys table and the shared counter).
import { randomBytes } from 'node:crypto';
import { type ApiKeyRecord, type ApiKeyRepository, issueApiKey } from '../../lambdas/domain/api-keys.js';
import { AuthFailureLimiter, clientKey, type FailureCounter } from '../../lambdas/domain/auth-failure-limiter.js';
import { memoryFailureCounter } from '../support/failure-counter.js';

const T = 1_800_000_000_000; // a whole minute

/** An in-memory keys table that counts its reads (one turn of the event loop each, as a table). */
function memoryKeys(): Pick<ApiKeyRepository, 'get' | 'put'> & { reads: string[]; revoke(apiKey: string): void } {
  const records = new Map<string, ApiKeyRecord>();
  return {
    reads: [],
    async put(record) {
      records.set(record.apiKey, record);
    },
    async get(apiKey) {
      this.reads.push(apiKey);
      await new Promise<void>((resolve) => setImmediate(resolve));
      return records.get(apiKey);
    },
    revoke(apiKey) {
      records.set(apiKey, { ...records.get(apiKey)!, revokedAt: new Date(T).toISOString() });
    },
  };
}

const randomKey = () => ({ apiKey: `bmk_${randomBytes(12).toString('hex')}`, apiSecret: randomBytes(24).toString('hex') });

function setUp(options: { max?: number; now?: () => number } = {}) {
  const counter = memoryFailureCounter();
  const keys = memoryKeys();
  const make = (c: FailureCounter = counter) =>
    new AuthFailureLimiter({ counter: c, keys, maxPerMinute: options.max ?? 3, clock: () => new Date(options.now?.() ?? T) });
  return { counter, keys, limiter: make(), make };
}

async function partnerKey(keys: Pick<ApiKeyRepository, 'put'>) {
  const issued = await issueApiKey(keys, { partnerId: 'p1', scopes: ['webhooks:read'] });
  return { apiKey: issued.api_key, apiSecret: issued.api_secret };
}

describe('auth failure limiter', () => {
  it('refuses an address after the limit of failures in a minute, with Retry-After to the minute end', async () => {
    let now = T + 15_000;
    const { limiter } = setUp({ now: () => now });
    for (let i = 0; i < 3; i++) expect(await limiter.authenticate('203.0.113.9', randomKey())).toEqual({ ok: false });
    expect(await limiter.authenticate('203.0.113.9', randomKey())).toEqual({ ok: false, retryAfterSeconds: 45 });
    expect(await limiter.authenticate('203.0.113.9', undefined)).toEqual({ ok: false, retryAfterSeconds: 45 });
    expect(await limiter.authenticate('203.0.113.10', randomKey())).toEqual({ ok: false });
    now = T + 60_000;
    expect(await limiter.authenticate('203.0.113.9', randomKey())).toEqual({ ok: false });
  });

  it('counts missing credentials as failures without reading the keys table', async () => {
    const { limiter, keys } = setUp();
    for (let i = 0; i < 3; i++) expect(await limiter.authenticate('203.0.113.9', undefined)).toEqual({ ok: false });
    expect((await limiter.authenticate('203.0.113.9', undefined)).ok).toBe(false);
    expect(await limiter.authenticate('203.0.113.9', randomKey())).toMatchObject({ retryAfterSeconds: 60 });
    expect(keys.reads).toEqual([]);
  });

  it('once an address is blocked, refuses unknown keys from memory without touching the counter or the keys table', async () => {
    const { limiter, counter, keys } = setUp({ max: 2 });
    for (let i = 0; i < 3; i++) await limiter.authenticate('198.51.100.1', randomKey());
    const before = { calls: counter.calls, reads: keys.reads.length };
    const answers = await Promise.all(Array.from({ length: 100 }, () => limiter.authenticate('198.51.100.1', randomKey())));
    expect(answers.every((a) => !a.ok && a.retryAfterSeconds !== undefined)).toBe(true);
    expect({ calls: counter.calls, reads: keys.reads.length }).toEqual(before);
  });

  it('holds the limit of keys-table reads for unknown keys under a concurrent flood, across instances', async () => {
    const { counter, keys, make } = setUp({ max: 30 });
    const instances = [make(), make(), make()];
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => instances[i % 3]!.authenticate('198.51.100.2', randomKey())));
    expect(keys.reads).toHaveLength(30);
    expect(answers.filter((a) => !a.ok && a.retryAfterSeconds === undefined)).toHaveLength(30);
    expect(answers.filter((a) => !a.ok && a.retryAfterSeconds !== undefined)).toHaveLength(270);
    expect(counter.calls).toBeGreaterThan(0);
  });

  it('keeps authenticating a valid key from a blocked address, reading the keys table only for it', async () => {
    const { limiter, keys } = setUp();
    const partner = await partnerKey(keys);
    expect(await limiter.authenticate('192.0.2.50', partner)).toEqual({ ok: true, principal: { apiKey: partner.apiKey, partnerId: 'p1', scopes: ['webhooks:read'] } });
    const answers = await Promise.all(Array.from({ length: 60 }, () => limiter.authenticate('192.0.2.50', randomKey())));
    expect(answers.filter((a) => !a.ok && a.retryAfterSeconds !== undefined).length).toBeGreaterThan(50);
    keys.reads.length = 0;
    for (let i = 0; i < 10; i++) expect((await limiter.authenticate('192.0.2.50', partner)).ok).toBe(true);
    expect(keys.reads).toEqual(Array(10).fill(partner.apiKey));
    // The partner's key with a wrong secret is a failure like any other, and costs no read.
    expect(await limiter.authenticate('192.0.2.50', { ...partner, apiSecret: 'wrong' })).toMatchObject({ ok: false, retryAfterSeconds: 60 });
    expect(keys.reads).toHaveLength(10);
  });

  it('valid requests give their place back: a partner never uses up its own address', async () => {
    const { limiter, keys } = setUp({ max: 2 });
    const partners = [await partnerKey(keys), await partnerKey(keys), await partnerKey(keys)];
    for (const partner of partners) expect((await limiter.authenticate('192.0.2.51', partner)).ok).toBe(true);
    expect(await limiter.authenticate('192.0.2.51', randomKey())).toEqual({ ok: false });
    expect(await limiter.authenticate('192.0.2.51', randomKey())).toEqual({ ok: false });
    expect(await limiter.authenticate('192.0.2.51', randomKey())).toMatchObject({ retryAfterSeconds: 60 });
  });

  it('shares one read among concurrent requests of a key this instance has not seen', async () => {
    const { limiter, keys } = setUp({ max: 2 });
    const partner = await partnerKey(keys);
    const answers = await Promise.all(Array.from({ length: 50 }, () => limiter.authenticate('192.0.2.52', partner)));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(keys.reads).toEqual([partner.apiKey]);
  });

  it('on a fresh instance, lets through a key that authenticated from the blocked address before, and only that', async () => {
    const { keys, make } = setUp();
    const [first, fresh] = [make(), make()];
    const partner = await partnerKey(keys);
    const stranger = await partnerKey(keys);
    expect((await first.authenticate('192.0.2.53', partner)).ok).toBe(true);
    for (let i = 0; i < 5; i++) await first.authenticate('192.0.2.53', randomKey());
    keys.reads.length = 0;
    expect((await fresh.authenticate('192.0.2.53', randomKey())).ok).toBe(false);
    expect((await fresh.authenticate('192.0.2.53', partner)).ok).toBe(true);
    expect(await fresh.authenticate('192.0.2.53', { ...partner, apiSecret: 'wrong' })).toMatchObject({ retryAfterSeconds: 60 });
    // A key never seen from this address waits for the block to end (its validity is not known without a read).
    expect(await fresh.authenticate('192.0.2.53', stranger)).toMatchObject({ retryAfterSeconds: 60 });
    expect(keys.reads).toEqual([partner.apiKey]);
  });

  it('refuses a revoked key at once, even one the instance knows', async () => {
    const { limiter, keys } = setUp();
    const partner = await partnerKey(keys);
    expect((await limiter.authenticate('192.0.2.54', partner)).ok).toBe(true);
    keys.revoke(partner.apiKey);
    expect(await limiter.authenticate('192.0.2.54', partner)).toEqual({ ok: false });
  });

  it('learns from the shared count that another instance blocked an address', async () => {
    const { make } = setUp({ max: 2 });
    const [a, b] = [make(), make()];
    for (let i = 0; i < 2; i++) await a.authenticate('198.51.100.7', randomKey());
    expect(await b.authenticate('198.51.100.7', randomKey())).toMatchObject({ ok: false, retryAfterSeconds: 60 });
  });

  it('counts IPv6 clients per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb::2'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('not an ip')).toBe('unknown');
  });
});
