// The SecretCipher of the AWS deployment: webhook secrets are encrypted with the stack's KMS key
// (Encrypt/Decrypt — a secret is far below KMS's 4 KB plaintext limit, so no data keys), with
// the secret's context bound as the KMS encryption context. The key policy only lets the
// create-webhook function encrypt and the delivery function decrypt, and only with that context.
//
// Decrypting costs a KMS call (latency, price, the account's KMS request quota), and a delivery
// batch often holds several events for the same webhook, so decrypted secrets are cached
// briefly: a few minutes, a bounded number of entries, keyed by ciphertext *and* context.
import { DecryptCommand, type DecryptCommandOutput, EncryptCommand, type EncryptCommandOutput } from '@aws-sdk/client-kms';
import type { Clock } from '../domain/clock.js';
import type { SecretCipher } from '../domain/secret-cipher.js';
import { PromiseCache } from '../shared/promise-cache.js';

/** The slice of KMSClient this cipher uses: the seam a unit test fakes. */
export interface KmsClientLike {
  send(command: EncryptCommand | DecryptCommand): Promise<EncryptCommandOutput | DecryptCommandOutput>;
}

export type DecryptCacheOptions = {
  /** How long a decrypted secret is reused (default 5 minutes; 0: only overlapping decrypts share a call). */
  ttlMs?: number;
  /** At most this many secrets are held; the oldest entry goes first (default 500). */
  maxEntries?: number;
  now?: Clock;
};

/** The encryption context key the key policy requires; its value is the secret's context. */
export const KMS_CONTEXT_KEY = 'context';

const VERSION = 'kms1';

export class KmsSecretCipher implements SecretCipher {
  /** Concurrent deliveries to one webhook share a single KMS call; a failure is never cached. */
  private readonly cache: PromiseCache<string>;

  constructor(
    private readonly kms: KmsClientLike,
    private readonly keyId: string,
    options: DecryptCacheOptions = {},
  ) {
    this.cache = new PromiseCache({ ttlMs: options.ttlMs ?? 5 * 60_000, maxEntries: options.maxEntries ?? 500, ...(options.now ? { clock: options.now } : {}) });
  }

  async encrypt(plaintext: string, context: string): Promise<string> {
    const output = (await this.kms.send(
      new EncryptCommand({
        KeyId: this.keyId,
        Plaintext: Buffer.from(plaintext, 'utf8'),
        EncryptionContext: { [KMS_CONTEXT_KEY]: context },
      }),
    )) as EncryptCommandOutput;
    if (!output.CiphertextBlob) throw new Error('KMS Encrypt returned no ciphertext');
    return `${VERSION}:${Buffer.from(output.CiphertextBlob).toString('base64')}`;
  }

  decrypt(ciphertext: string, context: string): Promise<string> {
    return this.cache.get(`${context}\u0000${ciphertext}`, () => this.decryptWithKms(ciphertext, context));
  }

  /** Number of cached secrets (for tests and metrics). */
  get cachedEntries(): number {
    return this.cache.size;
  }

  private async decryptWithKms(ciphertext: string, context: string): Promise<string> {
    const [version, payload] = ciphertext.split(':');
    if (version !== VERSION || !payload) throw new Error('Unknown secret ciphertext format');
    const output = (await this.kms.send(
      new DecryptCommand({
        // Naming the key makes KMS refuse a ciphertext made under any other key.
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(payload, 'base64'),
        EncryptionContext: { [KMS_CONTEXT_KEY]: context },
      }),
    )) as DecryptCommandOutput;
    if (!output.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return Buffer.from(output.Plaintext).toString('utf8');
  }
}
