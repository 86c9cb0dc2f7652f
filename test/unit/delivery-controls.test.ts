// SPEC §11 delivery controls as the API parses them: the custom header rules (names, reserved
// names in any case, values, count), the rate limit and ordering, the masking of every response,
// the encryption context of the headers, and what WebhookService stores and shows.
import {
  customHeadersSchema,
  headersContext,
  isReservedHeaderName,
  MASKED_HEADER_VALUE,
  maskedHeaders,
} from '../../lambdas/domain/delivery-controls.js';
import { healthyEndpoint } from '../../lambdas/domain/endpoint-health.js';
import { ApiError } from '../../lambdas/domain/errors.js';
import type { SecretCipher } from '../../lambdas/domain/secret-cipher.js';
import { LocalKeyFileCipher } from '../../lambdas/stores/file-secret-cipher.js';
import { UrlGuard } from '../../lambdas/domain/url-guard.js';
import { createWebhookBody, toPublicWebhook, updateWebhookBody, type Webhook } from '../../lambdas/domain/webhook.js';
import { secretContext } from '../../lambdas/domain/secrets.js';
import { WebhookService } from '../../lambdas/domain/webhook-service.js';
import { parseOrThrow } from '../../lambdas/http/validation.js';
import { FakeWebhooks } from '../support/webhook-fakes.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const URL = 'https://example.com/h';

/** The ApiError a create body with these fields gets (undefined: accepted). */
function refusal(fields: Record<string, unknown>): ApiError | undefined {
  try {
    parseOrThrow(createWebhookBody, { url: URL, events: [], ...fields });
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
}

describe('custom header names', () => {
  it.each([
    'X-TAPP-Signature', 'x-tapp-anything', 'X-Tapp-Event-Id', 'webhook-id', 'Webhook-Signature', 'WEBHOOK-TIMESTAMP', 'webhook-future',
    'Content-Type', 'content-length', 'HOST', 'User-Agent',
    'Connection', 'Keep-Alive', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Connection', 'TE', 'Trailer', 'Trailers', 'Transfer-Encoding', 'Upgrade', 'Expect',
  ])('reserves %s', (name) => {
    expect(isReservedHeaderName(name)).toBe(true);
    expect(refusal({ headers: { [name]: 'v' } })).toMatchObject({ code: 'VALIDATION_ERROR', field: `headers.${name}`, message: expect.stringContaining(name) });
  });

  it.each(['Authorization', 'X-Api-Key', 'X-Tapper', 'Webhooks-Token', 'X-Webhook-Id', 'Cookie', 'x_custom', "a!#$%&'*+-.^_`|~9"])('accepts %s', (name) => {
    expect(isReservedHeaderName(name)).toBe(false);
    expect(refusal({ headers: { [name]: 'value' } })).toBeUndefined();
  });

  it.each(['X Space', 'X:Colon', 'X(paren)', 'X/slash', 'X"quote', 'Ünicode', `X-${'a'.repeat(63)}`])('refuses the name %p, naming it', (name) => {
    expect(refusal({ headers: { [name]: 'v' } })).toMatchObject({ code: 'VALIDATION_ERROR', field: `headers.${name}` });
  });

  it('refuses the empty name', () => {
    expect(refusal({ headers: { '': 'v' } })).toMatchObject({ code: 'VALIDATION_ERROR', field: 'headers.' });
  });

  it('takes names of exactly 64 characters', () => {
    expect(refusal({ headers: { [`X-${'a'.repeat(62)}`]: 'v' } })).toBeUndefined();
  });

  it('refuses a name given twice in different cases (HTTP names are case-insensitive)', () => {
    expect(refusal({ headers: { 'X-Dup': 'a', 'X-DUP': 'b' } })).toMatchObject({ field: 'headers.X-DUP' });
  });

  it('takes 10 headers and refuses 11', () => {
    const headers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, 'v']));
    expect(refusal({ headers: headers(10) })).toBeUndefined();
    expect(refusal({ headers: headers(11) })).toMatchObject({ code: 'VALIDATION_ERROR', field: 'headers', message: expect.stringContaining('10') });
  });
});

describe('custom header values', () => {
  it('takes printable ASCII up to 1,000 characters, the empty value and spaces included', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    for (const value of [printable, 'v'.repeat(1000), '', 'Bearer a b c']) {
      expect(refusal({ headers: { 'X-Value': value } })).toBeUndefined();
    }
  });

  it.each([
    ['1,001 characters', 'v'.repeat(1001)],
    ['CR LF (header injection)', 'a\r\nX-Injected: 1'],
    ['a tab', 'a\tb'],
    ['DEL', 'a\x7f'],
    ['NUL', 'a\x00'],
    ['non-ASCII', 'café'],
    ['a number', 5],
    ['null', null],
    ['an object', { a: 1 }],
  ])('refuses %s, naming the header but not the value', (_what, value) => {
    const error = refusal({ headers: { 'X-Value': value } });
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'headers.X-Value', message: expect.stringContaining('X-Value') });
    if (typeof value === 'string' && value.length > 3) expect(error!.message).not.toContain(value);
  });

  it('refuses headers that are not an object', () => {
    for (const headers of [['X-A'], 'X-A: v', 5]) expect(refusal({ headers })).toMatchObject({ code: 'VALIDATION_ERROR', field: 'headers' });
  });

  it('keeps a strange name printable and short in the message', () => {
    const error = refusal({ headers: { [`X\u0007${'n'.repeat(200)}`]: 'v' } })!;
    expect(error.message).not.toMatch(/[\x00-\x1f]/);
    expect(error.message).toContain('X\\u0007nnn');
    expect(error.message.length).toBeLessThan(250);
  });
});

describe('rate_limit_per_second and ordering', () => {
  it('takes integers 1–1000 and null', () => {
    for (const rate of [1, 500, 1000, null]) expect(refusal({ rate_limit_per_second: rate })).toBeUndefined();
  });

  it.each([0, -1, 1001, 2.5, '5', true, Number.MAX_SAFE_INTEGER + 2])('refuses %p with the field', (rate) => {
    expect(refusal({ rate_limit_per_second: rate })).toMatchObject({ code: 'VALIDATION_ERROR', field: 'rate_limit_per_second' });
  });

  it('takes none and per_entity, and refuses anything else', () => {
    expect(refusal({ ordering: 'none' })).toBeUndefined();
    expect(refusal({ ordering: 'per_entity' })).toBeUndefined();
    for (const ordering of ['per-entity', 'PER_ENTITY', null, 1]) expect(refusal({ ordering })).toMatchObject({ code: 'VALIDATION_ERROR', field: 'ordering' });
  });

  it('counts a PATCH of only a delivery control as a non-empty PATCH, and {} as empty', () => {
    for (const body of [{ rate_limit_per_second: null }, { headers: null }, { headers: {} }, { ordering: 'none' }]) {
      expect(() => parseOrThrow(updateWebhookBody, body)).not.toThrow();
    }
    expect(() => parseOrThrow(updateWebhookBody, {})).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
  });
});

describe('masking', () => {
  it('shows the names with "****" for every value', () => {
    expect(MASKED_HEADER_VALUE).toBe('****');
    expect(maskedHeaders(['Authorization', 'X-B'])).toEqual({ Authorization: '****', 'X-B': '****' });
    expect(maskedHeaders([])).toEqual({});
  });

  it('builds the public webhook from the names alone: the ciphertext never leaves', () => {
    const webhook: Webhook = {
      id: 'w1', partnerId: 'p1', url: URL, events: [], status: 'active', createdAt: 'c', updatedAt: 'u', activeSince: 'c', secretCiphertext: 's',
      rateLimitPerSecond: 3, ordering: 'per_entity', customHeaders: { names: ['Authorization'], ciphertext: 'HEADERS-CIPHERTEXT' },
    };
    const shown = toPublicWebhook(webhook, undefined);
    expect(shown).toMatchObject({ rate_limit_per_second: 3, ordering: 'per_entity', headers: { Authorization: '****' } });
    expect(JSON.stringify(shown)).not.toContain('HEADERS-CIPHERTEXT');
  });
});

describe('the headers\' encryption context', () => {
  it('differs from the secret\'s, so neither ciphertext decrypts in the other\'s place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bm-headers-'));
    try {
      const cipher = new LocalKeyFileCipher(join(dir, 'key'));
      expect(headersContext('p1', 'w1')).not.toBe(secretContext('p1', 'w1'));
      const headers = await cipher.encrypt('{"Authorization":"x"}', headersContext('p1', 'w1'));
      await expect(cipher.decrypt(headers, secretContext('p1', 'w1'))).rejects.toThrow();
      await expect(cipher.decrypt(headers, headersContext('p1', 'w2'))).rejects.toThrow();
      const secret = await cipher.encrypt('whsec_x', secretContext('p1', 'w1'));
      await expect(cipher.decrypt(secret, headersContext('p1', 'w1'))).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WebhookService with delivery controls', () => {
  function setup() {
    const store = new FakeWebhooks();
    const cipher: SecretCipher = { encrypt: async (p, c) => `enc(${c}:${p})`, decrypt: async (c) => c };
    const service = new WebhookService({
      store,
      health: { get: async () => undefined, getMany: async () => new Map(), change: async (id: string) => healthyEndpoint(id) },
      cipher,
      urlGuard: new UrlGuard({ allowLoopback: false, resolver: async () => ['93.184.216.34'] }),
      maxWebhooksPerPartner: 10,
    });
    return { items: store.items, service };
  }

  it('stores the header map as one ciphertext under the headers context, the names in clear, and shows them masked', async () => {
    const { items, service } = setup();
    const created = await service.create('p1', { url: URL, events: [], headers: { Authorization: 'Bearer t', 'X-B': 'b' }, rate_limit_per_second: 9, ordering: 'none' });
    expect(created).toMatchObject({ headers: { Authorization: '****', 'X-B': '****' }, rate_limit_per_second: 9, ordering: 'none' });
    expect(items.get(created.id)!.customHeaders).toEqual({
      names: ['Authorization', 'X-B'],
      ciphertext: `enc(${headersContext('p1', created.id)}:{"Authorization":"Bearer t","X-B":"b"})`,
    });
  });

  it('stores nothing for no headers, {} or null, and replaces or removes them on update', async () => {
    const { items, service } = setup();
    for (const headers of [undefined, {}, null]) {
      const created = await service.create('p1', { url: URL, events: [], ...(headers === undefined ? {} : { headers }) });
      expect(items.get(created.id)!.customHeaders).toBeUndefined();
      expect(created.headers).toEqual({});
    }
    const { id } = await service.create('p1', { url: URL, events: [], headers: { 'X-A': 'a' }, rate_limit_per_second: 4 });
    expect((await service.update('p1', id, { headers: { 'X-B': 'b' } })).headers).toEqual({ 'X-B': '****' });
    expect(items.get(id)!.customHeaders!.names).toEqual(['X-B']);
    expect(items.get(id)!.rateLimitPerSecond).toBe(4);
    const cleared = await service.update('p1', id, { headers: null, rate_limit_per_second: null });
    expect(cleared).toMatchObject({ headers: {}, rate_limit_per_second: null, ordering: 'none' });
    expect(items.get(id)!.customHeaders).toBeUndefined();
  });
});
