// The SecretCipher of the AWS deployment: envelope encryption under the stack's secrets key.
//
// A secret (or a webhook's custom headers, SPEC §11) is encrypted locally with AES-256-GCM under
// a data key that KMS generated (GenerateDataKey); the context (partner and webhook) is the GCM
// associated data, so a ciphertext copied to another webhook does not decrypt. Each ciphertext
// carries its data key wrapped by KMS:
//
//   kms2:<base64 KMS-wrapped data key>:<base64 iv(12) | tag(16) | ciphertext>
//
// so decrypting needs no other store: an instance unwraps a data key once (KMS Decrypt) and keeps
// it for `dataKeyCacheMs`, and every secret encrypted under it is then decrypted without KMS.
// Encrypting instances share the current data key through a DataKeyStore (one item in the
// webhooks table): an instance adopts the stored key (one KMS Decrypt) or, once it is
// `rotateDataKeyAfterMs` old (or this instance used it `rotateDataKeyAfterEncryptions` times),
// generates the next one and stores it. Old data keys stay usable because every ciphertext
// carries its own. The wrapped data key is bound to the
// encryption context { purpose: webhook-secrets }, which the key policy requires.
//
// Ciphertexts of the earlier format (`kms1:<blob>`, a direct KMS Encrypt with the secret's
// context as encryption context) still decrypt: a KMS Decrypt per secret, cached briefly.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import {
  DecryptCommand,
  type DecryptCommandOutput,
  type EncryptCommand,
  type EncryptCommandOutput,
  GenerateDataKeyCommand,
  type GenerateDataKeyCommandOutput,
} from '@aws-sdk/client-kms';
import { type Clock, systemClock } from '../domain/clock.js';
import type { SecretCipher } from '../domain/secret-cipher.js';
import { PromiseCache } from '../shared/promise-cache.js';

/** The slice of KMSClient this cipher uses: the seam a unit test (and the bench) fakes. */
export interface KmsClientLike {
  send(
    command: EncryptCommand | DecryptCommand | GenerateDataKeyCommand,
  ): Promise<EncryptCommandOutput | DecryptCommandOutput | GenerateDataKeyCommandOutput>;
}

/** The current data key, shared by the encrypting instances (lambdas/stores/data-key-store.ts). */
export type StoredDataKey = { wrapped: string; createdAt: number };
export interface DataKeyStore {
  current(): Promise<StoredDataKey | undefined>;
  /** Makes `next` current unless another instance replaced `previous` first; returns what is current afterwards. */
  replace(next: StoredDataKey, previous: StoredDataKey | undefined): Promise<StoredDataKey>;
}

export type KmsCipherOptions = {
  /**
   * Where encrypting instances share the current data key. Without one, each instance makes its
   * own, so every Lambda container that encrypted a secret leaves one more data key for the
   * delivery functions to unwrap; with one, there is one data key per rotation period.
   */
  dataKeyStore?: DataKeyStore;
  /** kms1 (legacy) ciphertexts: how long a decrypted secret is reused (default 5 minutes; 0: only overlapping decrypts share a call). */
  ttlMs?: number;
  /** kms1 (legacy) ciphertexts: at most this many secrets are held; the oldest entry goes first (default 500). */
  maxEntries?: number;
  /** How long an unwrapped data key is kept (default 1 hour; 0: only overlapping decrypts share a call). */
  dataKeyCacheMs?: number;
  /** At most this many unwrapped data keys are kept (default 1,000: ~19 years of weekly keys). */
  dataKeyMaxEntries?: number;
  /** The data key is replaced after this long (default 7 days)… */
  rotateDataKeyAfterMs?: number;
  /** …or after this many encryptions under one data key (default 100,000), whichever comes first. */
  rotateDataKeyAfterEncryptions?: number;
  now?: Clock;
};

/** The encryption context key of kms1 ciphertexts; its value is the secret's context. */
export const KMS_CONTEXT_KEY = 'context';

/** The encryption context of every data key (kms2): the key policy requires exactly this. */
export const DATA_KEY_CONTEXT_KEY = 'purpose';
export const DATA_KEY_PURPOSE = 'webhook-secrets';
const DATA_KEY_CONTEXT = { [DATA_KEY_CONTEXT_KEY]: DATA_KEY_PURPOSE };

const LEGACY_VERSION = 'kms1';
const VERSION = 'kms2';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const DATA_KEY_DEFAULTS = {
  dataKeyCacheMs: 60 * 60_000,
  dataKeyMaxEntries: 1000,
  rotateDataKeyAfterMs: 7 * 24 * 60 * 60_000,
  rotateDataKeyAfterEncryptions: 100_000,
} as const;

/** `plaintext` as a KeyObject: Node 24's ciphers check a Buffer key for being one at a cost on every call. */
type DataKey = { plaintext: KeyObject; wrapped: string };
type CurrentDataKey = { key: Promise<DataKey & { createdAt: number }>; createdAt: number; encryptions: number };

export class KmsSecretCipher implements SecretCipher {
  /** kms1: concurrent deliveries to one webhook share a single KMS call; a failure is never cached. */
  private readonly legacySecrets: PromiseCache<string>;
  /** kms2: unwrapped data keys by their wrapped form. */
  private readonly dataKeys: PromiseCache<KeyObject>;
  private current?: CurrentDataKey;
  private readonly clock: Clock;
  private readonly rotateAfterMs: number;
  private readonly rotateAfterEncryptions: number;

  constructor(
    private readonly kms: KmsClientLike,
    private readonly keyId: string,
    private readonly options: KmsCipherOptions = {},
  ) {
    this.clock = options.now ?? systemClock;
    this.legacySecrets = new PromiseCache({ ttlMs: options.ttlMs ?? 5 * 60_000, maxEntries: options.maxEntries ?? 500, clock: this.clock });
    this.dataKeys = new PromiseCache({
      ttlMs: options.dataKeyCacheMs ?? DATA_KEY_DEFAULTS.dataKeyCacheMs,
      maxEntries: options.dataKeyMaxEntries ?? DATA_KEY_DEFAULTS.dataKeyMaxEntries,
      clock: this.clock,
    });
    this.rotateAfterMs = options.rotateDataKeyAfterMs ?? DATA_KEY_DEFAULTS.rotateDataKeyAfterMs;
    this.rotateAfterEncryptions = options.rotateDataKeyAfterEncryptions ?? DATA_KEY_DEFAULTS.rotateDataKeyAfterEncryptions;
  }

  async encrypt(plaintext: string, context: string): Promise<string> {
    const { plaintext: key, wrapped } = await this.dataKeyForEncryption();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${wrapped}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  decrypt(ciphertext: string, context: string): Promise<string> {
    const parts = ciphertext.split(':');
    if (parts[0] === VERSION && parts.length === 3 && parts[1] && parts[2]) return this.decryptEnvelope(parts[1], parts[2], context);
    if (parts[0] === LEGACY_VERSION && parts.length === 2 && parts[1]) {
      return this.legacySecrets.get(`${context}\u0000${ciphertext}`, () => this.decryptLegacy(parts[1]!, context));
    }
    return Promise.reject(new Error('Unknown secret ciphertext format'));
  }

  /** Number of cached kms1 secrets (for tests and metrics). */
  get cachedEntries(): number {
    return this.legacySecrets.size;
  }

  /** Number of unwrapped data keys held (for tests and metrics). */
  get cachedDataKeys(): number {
    return this.dataKeys.size;
  }

  /** The data key new ciphertexts use: shared by concurrent encryptions until it is due for rotation. */
  private async dataKeyForEncryption(): Promise<DataKey> {
    const now = this.clock().getTime();
    const current = this.current;
    if (current && now - current.createdAt < this.rotateAfterMs && current.encryptions < this.rotateAfterEncryptions) {
      current.encryptions++;
      return current.key;
    }
    const exhausted = current && current.encryptions >= this.rotateAfterEncryptions ? await current.key.catch(() => undefined) : undefined;
    const next: CurrentDataKey = { key: this.nextDataKey(now, exhausted?.wrapped), createdAt: now, encryptions: 1 };
    this.current = next;
    try {
      // The key's own creation time (an adopted key may be older): every instance rotates together.
      next.createdAt = (await next.key).createdAt;
      return await next.key;
    } catch (error) {
      // A failed KMS or store call is not kept: the next encryption asks again.
      if (this.current === next) this.current = undefined;
      throw error;
    }
  }

  /** The stored data key if still fresh (and not the one this instance exhausted), else a new one, stored. */
  private async nextDataKey(now: number, exhausted: string | undefined): Promise<DataKey & { createdAt: number }> {
    const store = this.options.dataKeyStore;
    const stored = await store?.current();
    if (stored && stored.wrapped !== exhausted && now - stored.createdAt < this.rotateAfterMs) return this.adopt(stored);
    const fresh = await this.generateDataKey();
    if (!store) return { ...fresh, createdAt: now };
    const winner = await store.replace({ wrapped: fresh.wrapped, createdAt: now }, stored);
    // Another instance stored its key first: use that one, so that one data key serves the period.
    return winner.wrapped === fresh.wrapped ? { ...fresh, createdAt: now } : this.adopt(winner);
  }

  private async adopt(stored: StoredDataKey): Promise<DataKey & { createdAt: number }> {
    const plaintext = await this.dataKeys.get(stored.wrapped, () => this.unwrapDataKey(stored.wrapped));
    return { plaintext, wrapped: stored.wrapped, createdAt: stored.createdAt };
  }

  private async generateDataKey(): Promise<DataKey> {
    const output = (await this.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: DATA_KEY_CONTEXT }),
    )) as GenerateDataKeyCommandOutput;
    if (!output.Plaintext || !output.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no data key');
    const key: DataKey = { plaintext: createSecretKey(Buffer.from(output.Plaintext)), wrapped: Buffer.from(output.CiphertextBlob).toString('base64') };
    // This instance decrypts what it encrypted without asking KMS again.
    this.dataKeys.set(key.wrapped, Promise.resolve(key.plaintext));
    return key;
  }

  private async decryptEnvelope(wrapped: string, payload: string, context: string): Promise<string> {
    const key = await this.dataKeys.get(wrapped, () => this.unwrapDataKey(wrapped));
    const raw = Buffer.from(payload, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('Unknown secret ciphertext format');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretContextMismatchError();
    }
  }

  private async unwrapDataKey(wrapped: string): Promise<KeyObject> {
    const output = (await this.kms.send(
      new DecryptCommand({
        // Naming the key makes KMS refuse a data key wrapped under any other key.
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(wrapped, 'base64'),
        EncryptionContext: DATA_KEY_CONTEXT,
      }),
    )) as DecryptCommandOutput;
    if (!output.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return createSecretKey(Buffer.from(output.Plaintext));
  }

  private async decryptLegacy(payload: string, context: string): Promise<string> {
    const output = (await this.kms.send(
      new DecryptCommand({
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(payload, 'base64'),
        EncryptionContext: { [KMS_CONTEXT_KEY]: context },
      }),
    )) as DecryptCommandOutput;
    if (!output.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return Buffer.from(output.Plaintext).toString('utf8');
  }
}

/** A kms2 ciphertext that does not authenticate with the context given (another webhook's, or altered). */
export class SecretContextMismatchError extends Error {
  constructor() {
    super('Secret ciphertext does not match its context');
    this.name = 'SecretContextMismatchError';
  }
}
