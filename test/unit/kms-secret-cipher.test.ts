// KmsSecretCipher against a fake KMS: KMS cannot run here, so the fake plays its contract —
// a ciphertext decrypts only under the key and the exact encryption context it was made with.
import { randomBytes } from 'node:crypto';
import { DecryptCommand, EncryptCommand, InvalidCiphertextException } from '@aws-sdk/client-kms';
import { KMS_CONTEXT_KEY, type KmsClientLike, KmsSecretCipher } from '../../lambdas/stores/kms-secret-cipher.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

class FakeKms implements KmsClientLike {
  readonly calls: { op: 'Encrypt' | 'Decrypt'; keyId?: string; context?: Record<string, string> }[] = [];
  private readonly blobs = new Map<string, { keyId: string; context: string; plaintext: Buffer }>();
  /** Set to make the next Decrypt calls wait until released. */
  gate?: Promise<void>;

  async send(command: EncryptCommand | DecryptCommand) {
    if (command instanceof EncryptCommand) {
      const { KeyId, Plaintext, EncryptionContext } = command.input;
      this.calls.push({ op: 'Encrypt', keyId: KeyId, context: EncryptionContext });
      const blob = randomBytes(24);
      this.blobs.set(blob.toString('hex'), { keyId: KeyId!, context: JSON.stringify(EncryptionContext ?? {}), plaintext: Buffer.from(Plaintext!) });
      return { CiphertextBlob: blob, KeyId, $metadata: {} };
    }
    const { KeyId, CiphertextBlob, EncryptionContext } = command.input;
    this.calls.push({ op: 'Decrypt', keyId: KeyId, context: EncryptionContext });
    await this.gate;
    const stored = this.blobs.get(Buffer.from(CiphertextBlob!).toString('hex'));
    if (!stored || stored.keyId !== KeyId || stored.context !== JSON.stringify(EncryptionContext ?? {})) {
      throw new InvalidCiphertextException({ message: 'invalid ciphertext', $metadata: {} });
    }
    return { Plaintext: new Uint8Array(stored.plaintext), KeyId, $metadata: {} };
  }

  count(op: 'Encrypt' | 'Decrypt') {
    return this.calls.filter((c) => c.op === op).length;
  }
}

const SECRET = 'whsec_' + randomBytes(32).toString('base64');

describe('KMS secret cipher', () => {
  it('round-trips a secret through KMS with the context as encryption context', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    const ciphertext = await cipher.encrypt(SECRET, 'partner-1/webhook-1');

    expect(ciphertext).toMatch(/^kms1:[A-Za-z0-9+/=]+$/);
    expect(ciphertext).not.toContain(SECRET);
    await expect(cipher.decrypt(ciphertext, 'partner-1/webhook-1')).resolves.toBe(SECRET);
    expect(kms.calls).toEqual([
      { op: 'Encrypt', keyId: KEY_ARN, context: { [KMS_CONTEXT_KEY]: 'partner-1/webhook-1' } },
      { op: 'Decrypt', keyId: KEY_ARN, context: { [KMS_CONTEXT_KEY]: 'partner-1/webhook-1' } },
    ]);
  });

  it('refuses a ciphertext presented with another context (a secret copied to another webhook)', async () => {
    const cipher = new KmsSecretCipher(new FakeKms(), KEY_ARN);
    const ciphertext = await cipher.encrypt(SECRET, 'partner-1/webhook-1');
    await expect(cipher.decrypt(ciphertext, 'partner-2/webhook-1')).rejects.toThrow(InvalidCiphertextException);
  });

  it('refuses ciphertexts of another format without calling KMS', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    await expect(cipher.decrypt('lk1:AAAA', 'p/w')).rejects.toThrow('Unknown secret ciphertext format');
    await expect(cipher.decrypt('kms1:', 'p/w')).rejects.toThrow('Unknown secret ciphertext format');
    expect(kms.count('Decrypt')).toBe(0);
  });

  describe('decrypt cache', () => {
    it('reuses a decrypted secret within the TTL and asks KMS again after it', async () => {
      let now = 1_000_000;
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN, { ttlMs: 5 * 60_000, now: () => new Date(now) });
      const ciphertext = await cipher.encrypt(SECRET, 'p/w');

      await cipher.decrypt(ciphertext, 'p/w');
      now += 5 * 60_000 - 1;
      await expect(cipher.decrypt(ciphertext, 'p/w')).resolves.toBe(SECRET);
      expect(kms.count('Decrypt')).toBe(1);

      now += 1;
      await expect(cipher.decrypt(ciphertext, 'p/w')).resolves.toBe(SECRET);
      expect(kms.count('Decrypt')).toBe(2);
    });

    it('shares one KMS call between concurrent decrypts of the same secret', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN);
      const ciphertext = await cipher.encrypt(SECRET, 'p/w');
      let release!: () => void;
      kms.gate = new Promise((r) => (release = r));

      const pending = Array.from({ length: 10 }, () => cipher.decrypt(ciphertext, 'p/w'));
      release();
      await expect(Promise.all(pending)).resolves.toEqual(Array(10).fill(SECRET));
      expect(kms.count('Decrypt')).toBe(1);
    });

    it('never answers from the cache for another context', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN);
      const ciphertext = await cipher.encrypt(SECRET, 'p/w');
      await cipher.decrypt(ciphertext, 'p/w');
      await expect(cipher.decrypt(ciphertext, 'other/w')).rejects.toThrow(InvalidCiphertextException);
      expect(kms.count('Decrypt')).toBe(2);
    });

    it('does not cache failures', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN);
      const ciphertext = await cipher.encrypt(SECRET, 'p/w');
      await expect(cipher.decrypt(ciphertext, 'wrong')).rejects.toThrow(InvalidCiphertextException);
      await expect(cipher.decrypt(ciphertext, 'wrong')).rejects.toThrow(InvalidCiphertextException);
      expect(kms.count('Decrypt')).toBe(2);
      expect(cipher.cachedEntries).toBe(0);
    });

    it('holds at most maxEntries secrets, dropping the oldest first', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN, { maxEntries: 2 });
      const texts = await Promise.all(['a', 'b', 'c'].map((w) => cipher.encrypt(`${SECRET}${w}`, `p/${w}`)));
      for (const [i, w] of ['a', 'b', 'c'].entries()) await cipher.decrypt(texts[i]!, `p/${w}`);
      expect(cipher.cachedEntries).toBe(2);

      await cipher.decrypt(texts[2]!, 'p/c'); // newest: cached
      expect(kms.count('Decrypt')).toBe(3);
      await expect(cipher.decrypt(texts[0]!, 'p/a')).resolves.toBe(`${SECRET}a`); // oldest: evicted
      expect(kms.count('Decrypt')).toBe(4);
    });

    it('can be switched off', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN, { ttlMs: 0 });
      const ciphertext = await cipher.encrypt(SECRET, 'p/w');
      await cipher.decrypt(ciphertext, 'p/w');
      await cipher.decrypt(ciphertext, 'p/w');
      expect(kms.count('Decrypt')).toBe(2);
      expect(cipher.cachedEntries).toBe(0);
    });
  });
});
