// Webhook signing secrets and API key credentials: generation, hashing, and the context a stored
// secret is encrypted under. No I/O.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Binds a stored webhook secret to its webhook, so a ciphertext copied to another item fails to decrypt. */
export const secretContext = (partnerId: string, webhookId: string) => `${partnerId}/${webhookId}`;

/** `whsec_` + base64 of 32 CSPRNG bytes (SPEC §4). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function generateApiKeyId(): string {
  return `bmk_${randomBytes(12).toString('hex')}`;
}

export function generateApiSecret(): string {
  return `bms_${randomBytes(32).toString('base64url')}`;
}

/**
 * API secrets are 256-bit random values, so a plain SHA-256 is a sufficient at-rest hash
 * (a slow KDF protects low-entropy passwords and would cost every request tens of ms).
 */
export function hashApiSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function apiSecretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
