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

/** Every signature header of one delivery; webhook-id is the event_id (stable across retries). */
export function signatureHeaders(secret: string, eventId: string, timestampSeconds: number, body: string): SignedHeaders {
  return {
    'x-tapp-signature': tappSignature(secret, body),
    'webhook-id': eventId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': standardWebhooksSignature(secret, eventId, timestampSeconds, body),
  };
}
