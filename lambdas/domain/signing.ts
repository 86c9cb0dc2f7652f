// Delivery signatures (SPEC §4), computed over the exact bytes sent:
//  - X-TAPP-Signature: sha256=<hex HMAC-SHA256(key = the whole secret string, body)>
//  - Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256(
//    key = base64-decoded secret after "whsec_", "{id}.{timestamp}.{body}")>
import { createHmac } from 'node:crypto';

const WHSEC_PREFIX = 'whsec_';

export function tappSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex')}`;
}

export function standardWebhooksSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(WHSEC_PREFIX) ? secret.slice(WHSEC_PREFIX.length) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
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
