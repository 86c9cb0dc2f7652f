// WebhookService with the in-memory store (test/support/webhook-fakes.ts) and an identity-free cipher: the secret is returned once
// and stored only encrypted for its webhook, the per-partner limit, re-activation starting a new
// active period, and 404 for what the partner does not own.
import { healthyEndpoint } from '../../lambdas/domain/endpoint-health.js';
import { ApiError } from '../../lambdas/domain/errors.js';
import type { SecretCipher } from '../../lambdas/domain/secret-cipher.js';
import { UrlGuard } from '../../lambdas/domain/url-guard.js';
import { WebhookService } from '../../lambdas/domain/webhook-service.js';
import { FakeWebhooks } from '../support/webhook-fakes.js';

function setup(max = 2) {
  const store = new FakeWebhooks();
  const cipher: SecretCipher = { encrypt: async (p, c) => `enc(${c}:${p})`, decrypt: async (c) => c };
  let clock = Date.parse('2026-06-01T00:00:00.000Z');
  const service = new WebhookService({
    store,
    health: { get: async () => undefined, getMany: async () => new Map(), change: async (id: string) => healthyEndpoint(id) },
    cipher,
    urlGuard: new UrlGuard({ allowLoopback: false, resolver: async () => ['93.184.216.34'] }),
    maxWebhooksPerPartner: max,
    now: () => new Date((clock += 1000)),
  });
  return { items: store.items, service };
}

describe('WebhookService', () => {
  it('returns the secret once and stores it only encrypted, bound to the partner and webhook', async () => {
    const { items, service } = setup();
    const created = await service.create('p1', { url: 'https://example.com/h', events: [] });
    expect(created.secret).toMatch(/^whsec_/);
    expect(items.get(created.id)!.secretCiphertext).toBe(`enc(p1/${created.id}:${created.secret})`);
    expect(await service.get('p1', created.id)).not.toHaveProperty('secret');
  });

  it('refuses a create past the per-partner limit with WEBHOOK_LIMIT_REACHED', async () => {
    const { service } = setup(1);
    await service.create('p1', { url: 'https://example.com/a', events: [] });
    await expect(service.create('p1', { url: 'https://example.com/b', events: [] })).rejects.toMatchObject({ code: 'WEBHOOK_LIMIT_REACHED' });
    await expect(service.create('p2', { url: 'https://example.com/c', events: [] })).resolves.toHaveProperty('id');
  });

  it('starts a new active period on re-activation only', async () => {
    const { items, service } = setup();
    const { id } = await service.create('p1', { url: 'https://example.com/h', events: [] });
    const first = items.get(id)!.activeSince;
    await service.update('p1', id, { events: ['order.filled'] });
    expect(items.get(id)!.activeSince).toBe(first);
    await service.update('p1', id, { status: 'disabled' });
    await service.update('p1', id, { status: 'active' });
    expect(items.get(id)!.activeSince > first).toBe(true);
  });

  it('answers 404 WEBHOOK_NOT_FOUND for another partner’s webhook, whatever the operation', async () => {
    const { service } = setup();
    const { id } = await service.create('p1', { url: 'https://example.com/h', events: [] });
    for (const attempt of [() => service.get('p2', id), () => service.update('p2', id, { status: 'disabled' }), () => service.remove('p2', id)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: 'WEBHOOK_NOT_FOUND' });
    }
  });
});
