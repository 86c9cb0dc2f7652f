// Delivery signatures (SPEC §4), computed over the exact bytes sent:
//  - X-TAPP-Signature: sha256=<hex HMAC-SHA256(key = the whole secret string, body)>
//  - Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256(
//    key = base64-decoded secret after "whsec_", "{id}.{timestamp}.{body}")>
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

const WHSEC_PREFIX = 'whsec_';

/**
 * HMAC keys as KeyObjects, made once per secret: on Node 24 `createHmac` with a Buffer key spends
 * ~17 µs checking whether the Buffer is a key object (a KeyObject: ~3 µs), three times per delivery.
 * Bounded; cleared when full (a webhook's next delivery makes its keys again).
 */
const hmacKeys = new Map<string, KeyObject>();
const HMAC_KEYS_MAX = 2000;

function hmacKey(kind: 'tapp' | 'standard', secret: string): KeyObject {
  const id = `${kind}:${secret}`;
  let key = hmacKeys.get(id);
  if (!key) {
    if (hmacKeys.size >= HMAC_KEYS_MAX) hmacKeys.clear();
    const bytes = kind === 'tapp' ? Buffer.from(secret, 'utf8') : Buffer.from(secret.startsWith(WHSEC_PREFIX) ? secret.slice(WHSEC_PREFIX.length) : secret, 'base64');
    key = createSecretKey(bytes);
    hmacKeys.set(id, key);
  }
  return key;
}

export function tappSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', hmacKey('tapp', secret)).update(body, 'utf8').digest('hex')}`;
}

export function standardWebhooksSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', hmacKey('standard', secret)).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

export type SignedHeaders = Record<string, string>;

/**
 * Every signature header of one delivery; webhook-id is the event_id (stable across retries).
 * During a secret rotation (SPEC §7) `previousSecret` is the one still valid: `webhook-signature`
 * carries both `v1,` signatures (new first, space-separated), `X-TAPP-Signature` the new one and
 * `X-TAPP-Signature-Previous` the previous one.
 */
export function signatureHeaders(secret: string, eventId: string, timestampSeconds: number, body: string, previousSecret?: string): SignedHeaders {
  const standard = standardWebhooksSignature(secret, eventId, timestampSeconds, body);
  return {
    'x-tapp-signature': tappSignature(secret, body),
    'webhook-id': eventId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': previousSecret === undefined ? standard : `${standard} ${standardWebhooksSignature(previousSecret, eventId, timestampSeconds, body)}`,
    ...(previousSecret === undefined ? {} : { 'x-tapp-signature-previous': tappSignature(previousSecret, body) }),
  };
}
