// A KMS fake behind KmsSecretCipher's client seam (KmsClientLike), playing the contract of the
// real service: a ciphertext (or wrapped data key) decrypts only under the key and the exact
// encryption context it was made with, and every call is counted. The unit tests and the bench's
// `kms` section count KMS requests through it.
import { randomBytes } from 'node:crypto';
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, InvalidCiphertextException } from '@aws-sdk/client-kms';
import type { KmsClientLike } from '../../lambdas/stores/kms-secret-cipher.js';

export type KmsOperation = 'Encrypt' | 'Decrypt' | 'GenerateDataKey';

export class FakeKms implements KmsClientLike {
  /** Every call, in order (kept only when `recordCalls`; counts are always kept). */
  readonly calls: { op: KmsOperation; keyId?: string; context?: Record<string, string> }[] = [];
  readonly counts: Record<KmsOperation, number> = { Encrypt: 0, Decrypt: 0, GenerateDataKey: 0 };
  private readonly blobs = new Map<string, { keyId: string; context: string; plaintext: Buffer }>();
  /** Set to make the next Decrypt calls wait until released. */
  gate?: Promise<void>;

  constructor(private readonly options: { recordCalls?: boolean } = { recordCalls: true }) {}

  async send(command: EncryptCommand | DecryptCommand | GenerateDataKeyCommand) {
    if (command instanceof EncryptCommand) {
      const { KeyId, Plaintext, EncryptionContext } = command.input;
      this.record('Encrypt', KeyId, EncryptionContext);
      return { CiphertextBlob: this.wrap(KeyId!, EncryptionContext, Buffer.from(Plaintext!)), KeyId, $metadata: {} };
    }
    if (command instanceof GenerateDataKeyCommand) {
      const { KeyId, KeySpec, EncryptionContext } = command.input;
      this.record('GenerateDataKey', KeyId, EncryptionContext);
      if (KeySpec !== 'AES_256') throw new Error(`FakeKms: KeySpec ${KeySpec} not supported`);
      const plaintext = randomBytes(32);
      return { Plaintext: new Uint8Array(plaintext), CiphertextBlob: this.wrap(KeyId!, EncryptionContext, plaintext), KeyId, $metadata: {} };
    }
    const { KeyId, CiphertextBlob, EncryptionContext } = command.input;
    this.record('Decrypt', KeyId, EncryptionContext);
    await this.gate;
    const stored = this.blobs.get(Buffer.from(CiphertextBlob!).toString('hex'));
    if (!stored || stored.keyId !== KeyId || stored.context !== JSON.stringify(EncryptionContext ?? {})) {
      throw new InvalidCiphertextException({ message: 'invalid ciphertext', $metadata: {} });
    }
    return { Plaintext: new Uint8Array(stored.plaintext), KeyId, $metadata: {} };
  }

  count(op?: KmsOperation): number {
    return op ? this.counts[op] : this.counts.Encrypt + this.counts.Decrypt + this.counts.GenerateDataKey;
  }

  /** A KMS ciphertext blob (the real ones are ~180 bytes for a 32-byte plaintext). */
  private wrap(keyId: string, context: Record<string, string> | undefined, plaintext: Buffer): Uint8Array {
    const blob = randomBytes(184);
    this.blobs.set(blob.toString('hex'), { keyId, context: JSON.stringify(context ?? {}), plaintext });
    return new Uint8Array(blob);
  }

  private record(op: KmsOperation, keyId?: string, context?: Record<string, string>): void {
    this.counts[op]++;
    if (this.options.recordCalls) this.calls.push({ op, ...(keyId ? { keyId } : {}), ...(context ? { context } : {}) });
  }
}
