// Delivery signatures (SPEC §4) and secrets: X-TAPP-Signature checked against an HMAC computed
// here with node:crypto, Standard Webhooks headers checked by the `standardwebhooks` package.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { apiSecretMatches, generateApiSecret, generateWebhookSecret, hashApiSecret } from '../../lambdas/domain/secrets.js';
import { signatureHeaders, standardWebhooksSignature, tappSignature } from '../../lambdas/domain/signing.js';

const EVENT_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const body = JSON.stringify({
  id: '0b9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c',
  event_id: EVENT_ID,
  event_type: 'order.filled',
  api_version: 'v1',
  created_at: '2026-06-01T13:30:02.000Z',
  environment: 'sandbox',
  partner_id: 'p1',
  data: { symbol: 'MSFT', quantity: '3', note: 'ünïcödé ✓' },
});
const now = () => Math.floor(Date.now() / 1000);

/** The subset of headers the standardwebhooks verifier reads. */
const swHeaders = (h: Record<string, string>) => ({
  'webhook-id': h['webhook-id']!,
  'webhook-timestamp': h['webhook-timestamp']!,
  'webhook-signature': h['webhook-signature']!,
});

describe('signatureHeaders', () => {
  const secret = generateWebhookSecret();

  it('emits the four signature headers, webhook-id = event_id and webhook-timestamp = the given seconds', () => {
    const ts = now();
    const h = signatureHeaders(secret, EVENT_ID, ts, body);
    expect(Object.keys(h).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp', 'x-tapp-signature']);
    expect(h['webhook-id']).toBe(EVENT_ID);
    expect(h['webhook-timestamp']).toBe(String(ts));
    expect(h['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('is accepted by the standardwebhooks verifier, which returns the parsed body', () => {
    const h = signatureHeaders(secret, EVENT_ID, now(), body);
    expect(new Webhook(secret).verify(body, swHeaders(h))).toEqual(JSON.parse(body));
  });

  it('x-tapp-signature is sha256=<lowercase hex HMAC-SHA256 keyed with the whole secret string>', () => {
    const h = signatureHeaders(secret, EVENT_ID, now(), body);
    const expected = createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex');
    expect(h['x-tapp-signature']).toBe(`sha256=${expected}`);
    expect(h['x-tapp-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(tappSignature(secret, body)).toBe(h['x-tapp-signature']);
  });

  it('x-tapp-signature does not use the base64-decoded key (that is the Standard Webhooks key)', () => {
    const decodedKey = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const wrong = createHmac('sha256', decodedKey).update(body).digest('hex');
    expect(tappSignature(secret, body)).not.toBe(`sha256=${wrong}`);
  });

  it('webhook-signature matches an independently computed Standard Webhooks HMAC', () => {
    const ts = 1_780_000_000;
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`${EVENT_ID}.${ts}.${body}`).digest('base64');
    expect(standardWebhooksSignature(secret, EVENT_ID, ts, body)).toBe(`v1,${mac}`);
    expect(signatureHeaders(secret, EVENT_ID, ts, body)['webhook-signature']).toBe(`v1,${mac}`);
  });

  it('fails verification for a tampered body', () => {
    const h = signatureHeaders(secret, EVENT_ID, now(), body);
    const tampered = body.replace('MSFT', 'MSFX');
    expect(tampered).not.toBe(body);
    expect(() => new Webhook(secret).verify(tampered, swHeaders(h))).toThrow();
    expect(tappSignature(secret, tampered)).not.toBe(h['x-tapp-signature']);
  });

  it('fails verification with another secret', () => {
    const h = signatureHeaders(secret, EVENT_ID, now(), body);
    const other = generateWebhookSecret();
    expect(() => new Webhook(other).verify(body, swHeaders(h))).toThrow();
    expect(tappSignature(other, body)).not.toBe(h['x-tapp-signature']);
  });

  it('fails verification when webhook-id or webhook-timestamp is changed', () => {
    const ts = now();
    const h = signatureHeaders(secret, EVENT_ID, ts, body);
    expect(() => new Webhook(secret).verify(body, { ...swHeaders(h), 'webhook-id': 'another-id' })).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...swHeaders(h), 'webhook-timestamp': String(ts - 1) })).toThrow();
  });

  it('is refused by the verifier when the timestamp is too old (replay protection)', () => {
    const h = signatureHeaders(secret, EVENT_ID, now() - 60 * 60, body);
    expect(() => new Webhook(secret).verify(body, swHeaders(h))).toThrow();
  });
});

describe('generateWebhookSecret', () => {
  it('is whsec_ + base64 of 32 bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('gives a different value every time', () => {
    const secrets = Array.from({ length: 200 }, () => generateWebhookSecret());
    expect(new Set(secrets).size).toBe(200);
    for (const s of secrets) expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });
});

describe('hashApiSecret / apiSecretMatches', () => {
  it('round-trips: a secret matches its own hash', () => {
    const secret = generateApiSecret();
    const hash = hashApiSecret(secret);
    expect(apiSecretMatches(secret, hash)).toBe(true);
  });

  it('never stores the secret in clear: the hash is 64 hex chars and does not contain the secret', () => {
    const secret = generateApiSecret();
    const hash = hashApiSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret);
    expect(hash).not.toContain(secret.slice(4));
  });

  it('is deterministic, and different secrets hash differently', () => {
    const a = generateApiSecret();
    const b = generateApiSecret();
    expect(a).not.toBe(b);
    expect(hashApiSecret(a)).toBe(hashApiSecret(a));
    expect(hashApiSecret(a)).not.toBe(hashApiSecret(b));
  });

  it('rejects another secret, a near miss, and malformed stored hashes', () => {
    const secret = generateApiSecret();
    const hash = hashApiSecret(secret);
    expect(apiSecretMatches(generateApiSecret(), hash)).toBe(false);
    expect(apiSecretMatches(secret + 'x', hash)).toBe(false);
    expect(apiSecretMatches(secret.slice(0, -1), hash)).toBe(false);
    expect(apiSecretMatches('', hash)).toBe(false);
    expect(apiSecretMatches(secret, '')).toBe(false);
    expect(apiSecretMatches(secret, hash.slice(0, 32))).toBe(false);
    expect(apiSecretMatches(secret, 'not-hex')).toBe(false);
  });
});

describe('signatureHeaders during a secret rotation (SPEC §7)', () => {
  const current = generateWebhookSecret();
  const previous = generateWebhookSecret();
  const other = generateWebhookSecret();
  const hmacHex = (secret: string) => createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex');

  it('carries both v1 signatures (new first), X-TAPP-Signature with the new secret and X-TAPP-Signature-Previous with the old', () => {
    const ts = now();
    const h = signatureHeaders(current, EVENT_ID, ts, body, previous);
    expect(Object.keys(h).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp', 'x-tapp-signature', 'x-tapp-signature-previous']);
    expect(h['webhook-signature']).toBe(
      `${standardWebhooksSignature(current, EVENT_ID, ts, body)} ${standardWebhooksSignature(previous, EVENT_ID, ts, body)}`,
    );
    expect(h['x-tapp-signature']).toBe(`sha256=${hmacHex(current)}`);
    expect(h['x-tapp-signature-previous']).toBe(`sha256=${hmacHex(previous)}`);
  });

  it('verifies with standardwebhooks under either secret, and not under a third', () => {
    const h = signatureHeaders(current, EVENT_ID, now(), body, previous);
    expect(new Webhook(current).verify(body, swHeaders(h))).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, swHeaders(h))).toEqual(JSON.parse(body));
    expect(() => new Webhook(other).verify(body, swHeaders(h))).toThrow();
  });

  it('without a previous secret stays the single-secret form', () => {
    const ts = now();
    expect(signatureHeaders(current, EVENT_ID, ts, body, undefined)).toEqual(signatureHeaders(current, EVENT_ID, ts, body));
  });
});
