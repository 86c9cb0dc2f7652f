import { PartnerWebhooks, WebhookLookup } from '../../lambdas/delivery/webhook-lookup.js';
import type { Webhook } from '../../lambdas/domain/webhook.js';

const webhook = (id: string, status: Webhook['status'] = 'active'): Webhook => ({
  id,
  partnerId: 'p',
  url: 'https://example.com',
  events: [],
  status,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  activeSince: '2026-01-01T00:00:00.000Z',
  secretCiphertext: 'x',
});

function fakeStore(answers: (Webhook | undefined | Error)[]) {
  const calls: string[] = [];
  return {
    calls,
    get: async (partnerId: string, id: string) => {
      calls.push(`${partnerId}/${id}`);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe('webhook cache', () => {
  it('serves a read for the TTL and reads again after it', async () => {
    let now = 1000;
    const store = fakeStore([webhook('a'), webhook('a', 'disabled')]);
    const cache = new WebhookLookup(store, 1000, () => new Date(now));
    expect((await cache.get('p', 'a'))?.status).toBe('active');
    now += 999;
    expect((await cache.get('p', 'a'))?.status).toBe('active');
    expect(store.calls).toHaveLength(1);
    now += 1;
    expect((await cache.get('p', 'a'))?.status).toBe('disabled');
    expect(store.calls).toHaveLength(2);
  });

  it('shares one read among concurrent lookups and keeps webhooks apart', async () => {
    const store = fakeStore([webhook('a'), webhook('b')]);
    const cache = new WebhookLookup(store, 1000);
    const [a1, a2, b] = await Promise.all([cache.get('p', 'a'), cache.get('p', 'a'), cache.get('p', 'b')]);
    expect([a1?.id, a2?.id, b?.id]).toEqual(['a', 'a', 'b']);
    expect(store.calls).toEqual(['p/a', 'p/b']);
  });

  it('remembers a deleted webhook (undefined) but not a failed read', async () => {
    const store = fakeStore([new Error('throttled'), undefined]);
    const cache = new WebhookLookup(store, 1000);
    await expect(cache.get('p', 'a')).rejects.toThrow('throttled');
    expect(await cache.get('p', 'a')).toBeUndefined();
    expect(await cache.get('p', 'a')).toBeUndefined();
    expect(store.calls).toHaveLength(2);
  });

  it('reads every time with a TTL of 0', async () => {
    const store = fakeStore([webhook('a'), webhook('a')]);
    const cache = new WebhookLookup(store, 0);
    await cache.get('p', 'a');
    await cache.get('p', 'a');
    expect(store.calls).toHaveLength(2);
  });
});

describe('webhook cache with the default TTL of 0', () => {
  it('shares a read between overlapping lookups only', async () => {
    const store = fakeStore([webhook('a'), webhook('a', 'disabled')]);
    const cache = new WebhookLookup(store, 0);
    const [first, second] = await Promise.all([cache.get('p', 'a'), cache.get('p', 'a')]);
    expect([first?.status, second?.status]).toEqual(['active', 'active']);
    expect(store.calls).toHaveLength(1);
    // A lookup that starts after the read finished sees the change at once.
    expect((await cache.get('p', 'a'))?.status).toBe('disabled');
    expect(store.calls).toHaveLength(2);
  });
});

describe('PartnerWebhooks (the fan-out\'s list of a partner\'s webhooks)', () => {
  const listing = () => {
    const calls: string[] = [];
    let answer = [webhook('a')];
    return {
      calls,
      change: (next: Webhook[]) => (answer = next),
      listAll: async (partnerId: string) => {
        calls.push(partnerId);
        await new Promise((resolve) => setImmediate(resolve));
        return answer;
      },
    };
  };

  it('makes one Query for fan-outs of one partner that overlap, and reads again afterwards with a TTL of 0', async () => {
    const store = listing();
    const lists = new PartnerWebhooks(store, 0);
    const [one, two] = await Promise.all([lists.listAll('p'), lists.listAll('p'), lists.listAll('q')]);
    expect(one).toBe(two);
    expect(store.calls).toEqual(['p', 'q']);
    store.change([webhook('a'), webhook('b')]);
    expect((await lists.listAll('p')).map((w) => w.id)).toEqual(['a', 'b']);
    expect(store.calls).toEqual(['p', 'q', 'p']);
  });

  it('keeps a list for its TTL, then sees the change', async () => {
    const store = listing();
    let now = 0;
    const lists = new PartnerWebhooks(store, 1000, () => new Date(now));
    await lists.listAll('p');
    store.change([]);
    now = 999;
    expect(await lists.listAll('p')).toHaveLength(1);
    now = 1000;
    expect(await lists.listAll('p')).toEqual([]);
    expect(store.calls).toEqual(['p', 'p']);
  });
});
