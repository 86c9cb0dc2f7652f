// The one promise cache of the delivery path (webhooks, endpoint health, decrypted secrets), with a
// fake clock: overlapping calls share a load, a value lives ttlMs from when it was started, a
// failure is never kept, and the oldest entry goes first when full.
import { PromiseCache } from '../../lambdas/shared/promise-cache.js';

function counter() {
  const calls: string[] = [];
  let release: (() => void) | undefined;
  const load = (key: string, fail = false) => () => {
    calls.push(key);
    return new Promise<string>((resolve, reject) => {
      release = () => (fail ? reject(new Error(`no ${key}`)) : resolve(`${key}#${calls.length}`));
    });
  };
  return { calls, load, release: () => release?.() };
}

describe('PromiseCache', () => {
  it('shares one pending load among overlapping calls', async () => {
    const cache = new PromiseCache<string>({ ttlMs: 0, maxEntries: 10 });
    const c = counter();
    const both = Promise.all([cache.get('a', c.load('a')), cache.get('a', c.load('a'))]);
    c.release();
    expect(await both).toEqual(['a#1', 'a#1']);
    expect(c.calls).toEqual(['a']);
    // TTL 0: once settled it is gone, so a later call loads again.
    await Promise.resolve();
    expect(cache.size).toBe(0);
  });

  it('serves a value until ttlMs after its load started, then loads again', async () => {
    let now = 1_000;
    const cache = new PromiseCache<string>({ ttlMs: 500, maxEntries: 10, clock: () => new Date(now) });
    const c = counter();
    const first = cache.get('a', c.load('a'));
    c.release();
    await first;
    now += 499;
    const second = cache.get('a', c.load('a'));
    expect(second).toBe(first);
    now += 1;
    const third = cache.get('a', c.load('a'));
    c.release();
    expect(await third).toBe('a#2');
  });

  it('forgets a failed load at once', async () => {
    const cache = new PromiseCache<string>({ ttlMs: 60_000, maxEntries: 10 });
    const c = counter();
    const failed = cache.get('a', c.load('a', true));
    c.release();
    await expect(failed).rejects.toThrow('no a');
    expect(cache.size).toBe(0);
    const again = cache.get('a', c.load('a'));
    c.release();
    expect(await again).toBe('a#2');
  });

  it('drops the oldest entry when full, and set() replaces a value as the newest', async () => {
    const cache = new PromiseCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    await cache.set('a', Promise.resolve('A'));
    await cache.set('b', Promise.resolve('B'));
    await cache.set('a', Promise.resolve('A2')); // a is now the newest
    await cache.set('c', Promise.resolve('C')); // b goes
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 'loaded')).toBe('A2');
    expect(await cache.get('b', async () => 'loaded')).toBe('loaded');
  });
});
