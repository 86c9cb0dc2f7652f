// KmsSecretCipher against a fake KMS (test/support/fake-kms.ts): KMS cannot run here, so the fake
// plays its contract — a ciphertext decrypts only under the key and the exact encryption context
// it was made with — and counts every call.
import { randomBytes } from 'node:crypto';
import { EncryptCommand, type EncryptCommandOutput, InvalidCiphertextException } from '@aws-sdk/client-kms';
import {
  DATA_KEY_CONTEXT_KEY,
  DATA_KEY_PURPOSE,
  KMS_CONTEXT_KEY,
  KmsSecretCipher,
  SecretContextMismatchError,
} from '../../lambdas/stores/kms-secret-cipher.js';
import { InMemoryDataKeyStore } from '../../lambdas/stores/data-key-store.js';
import { FakeKms } from '../support/fake-kms.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab';
const DATA_KEY_CONTEXT = { [DATA_KEY_CONTEXT_KEY]: DATA_KEY_PURPOSE };

const SECRET = 'whsec_' + randomBytes(32).toString('base64');

/** What KmsSecretCipher.encrypt wrote before data keys (format kms1), verbatim: the ciphertexts stored today. */
async function encryptKms1(kms: FakeKms, plaintext: string, context: string): Promise<string> {
  const output = (await kms.send(
    new EncryptCommand({ KeyId: KEY_ARN, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: { [KMS_CONTEXT_KEY]: context } }),
  )) as EncryptCommandOutput;
  return `kms1:${Buffer.from(output.CiphertextBlob!).toString('base64')}`;
}

describe('KMS secret cipher (envelope encryption)', () => {
  it('encrypts under a KMS data key bound to the secrets purpose, and decrypts on the same instance without KMS', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    const ciphertext = await cipher.encrypt(SECRET, 'partner-1/webhook-1');

    expect(ciphertext).toMatch(/^kms2:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(ciphertext).not.toContain(SECRET);
    await expect(cipher.decrypt(ciphertext, 'partner-1/webhook-1')).resolves.toBe(SECRET);
    expect(kms.calls).toEqual([{ op: 'GenerateDataKey', keyId: KEY_ARN, context: DATA_KEY_CONTEXT }]);
  });

  it('unwraps a data key once per instance: 1,000 secrets under it cost one KMS Decrypt', async () => {
    const kms = new FakeKms();
    const writer = new KmsSecretCipher(kms, KEY_ARN);
    const secrets = Array.from({ length: 1000 }, (_, i) => ({ context: `p/w${i}`, plaintext: `${SECRET}${i}` }));
    const stored = await Promise.all(secrets.map((s) => writer.encrypt(s.plaintext, s.context)));
    expect(kms.count('GenerateDataKey')).toBe(1);

    const reader = new KmsSecretCipher(kms, KEY_ARN);
    for (let round = 0; round < 3; round++) {
      for (const [i, s] of secrets.entries()) await expect(reader.decrypt(stored[i]!, s.context)).resolves.toBe(s.plaintext);
    }
    expect(kms.count('Decrypt')).toBe(1);
    expect(kms.calls.at(-1)).toEqual({ op: 'Decrypt', keyId: KEY_ARN, context: DATA_KEY_CONTEXT });
    expect(reader.cachedDataKeys).toBe(1);
  });

  it('refuses a ciphertext presented with another context (a secret copied to another webhook), on any instance', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    const ciphertext = await cipher.encrypt(SECRET, 'partner-1/webhook-1');
    await expect(cipher.decrypt(ciphertext, 'partner-2/webhook-1')).rejects.toThrow(SecretContextMismatchError);
    await expect(new KmsSecretCipher(kms, KEY_ARN).decrypt(ciphertext, 'partner-1/webhook-2')).rejects.toThrow(SecretContextMismatchError);
  });

  it('refuses an altered ciphertext and a data key wrapped under another KMS key', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    const ciphertext = await cipher.encrypt(SECRET, 'p/w');
    const [version, wrapped, payload] = ciphertext.split(':') as [string, string, string];
    const raw = Buffer.from(payload, 'base64');
    raw[raw.length - 1]! ^= 1;
    await expect(cipher.decrypt(`${version}:${wrapped}:${raw.toString('base64')}`, 'p/w')).rejects.toThrow(SecretContextMismatchError);

    const foreign = await new KmsSecretCipher(kms, OTHER_KEY_ARN).encrypt(SECRET, 'p/w');
    await expect(new KmsSecretCipher(kms, KEY_ARN).decrypt(foreign, 'p/w')).rejects.toThrow(InvalidCiphertextException);
  });

  it('refuses ciphertexts of another format without calling KMS', async () => {
    const kms = new FakeKms();
    const cipher = new KmsSecretCipher(kms, KEY_ARN);
    for (const text of ['lk1:AAAA', 'kms1:', 'kms2:AAAA', 'kms2::AAAA', 'kms2:AAAA:AAAA:AAAA', 'nope']) {
      await expect(cipher.decrypt(text, 'p/w')).rejects.toThrow('Unknown secret ciphertext format');
    }
    expect(kms.count()).toBe(0);
  });

  describe('data key rotation', () => {
    it('asks for a new data key after rotateDataKeyAfterEncryptions, and every older ciphertext still decrypts', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN, { rotateDataKeyAfterEncryptions: 3 });
      const stored: string[] = [];
      for (let i = 0; i < 7; i++) stored.push(await cipher.encrypt(`${SECRET}${i}`, `p/w${i}`));
      expect(kms.count('GenerateDataKey')).toBe(3);
      expect(new Set(stored.map((c) => c.split(':')[1])).size).toBe(3);

      const reader = new KmsSecretCipher(kms, KEY_ARN);
      for (const [i, c] of stored.entries()) await expect(reader.decrypt(c, `p/w${i}`)).resolves.toBe(`${SECRET}${i}`);
      expect(kms.count('Decrypt')).toBe(3);
    });

    it('asks for a new data key once rotateDataKeyAfterMs has passed', async () => {
      let now = 1_000_000;
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN, { rotateDataKeyAfterMs: 60_000, now: () => new Date(now) });
      const first = await cipher.encrypt(SECRET, 'p/w');
      now += 59_999;
      const second = await cipher.encrypt(SECRET, 'p/w');
      expect(second.split(':')[1]).toBe(first.split(':')[1]);
      now += 1;
      const third = await cipher.encrypt(SECRET, 'p/w');
      expect(third.split(':')[1]).not.toBe(first.split(':')[1]);
      expect(kms.count('GenerateDataKey')).toBe(2);
      await expect(cipher.decrypt(first, 'p/w')).resolves.toBe(SECRET);
    });

    it('shares one GenerateDataKey between concurrent encryptions, and does not keep a failed one', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN);
      await Promise.all(Array.from({ length: 20 }, (_, i) => cipher.encrypt(SECRET, `p/w${i}`)));
      expect(kms.count('GenerateDataKey')).toBe(1);

      const failing = new FakeKms();
      const original = failing.send.bind(failing);
      let fail = true;
      failing.send = (command) => (fail ? Promise.reject(new Error('KMS throttled')) : original(command));
      const flaky = new KmsSecretCipher(failing, KEY_ARN);
      await expect(flaky.encrypt(SECRET, 'p/w')).rejects.toThrow('KMS throttled');
      fail = false;
      await expect(flaky.encrypt(SECRET, 'p/w')).resolves.toMatch(/^kms2:/);
    });
  });

  describe('data key cache', () => {
    it('keeps an unwrapped data key for dataKeyCacheMs, then unwraps it again', async () => {
      let now = 1_000_000;
      const kms = new FakeKms();
      const ciphertext = await new KmsSecretCipher(kms, KEY_ARN).encrypt(SECRET, 'p/w');
      const reader = new KmsSecretCipher(kms, KEY_ARN, { dataKeyCacheMs: 60 * 60_000, now: () => new Date(now) });
      await reader.decrypt(ciphertext, 'p/w');
      now += 60 * 60_000 - 1;
      await reader.decrypt(ciphertext, 'p/w');
      expect(kms.count('Decrypt')).toBe(1);
      now += 1;
      await expect(reader.decrypt(ciphertext, 'p/w')).resolves.toBe(SECRET);
      expect(kms.count('Decrypt')).toBe(2);
    });

    it('shares one KMS call between concurrent decrypts under the same data key', async () => {
      const kms = new FakeKms();
      const writer = new KmsSecretCipher(kms, KEY_ARN);
      const stored = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.encrypt(`${SECRET}${i}`, `p/w${i}`)));
      let release!: () => void;
      kms.gate = new Promise((r) => (release = r));
      const reader = new KmsSecretCipher(kms, KEY_ARN);
      const pending = stored.map((c, i) => reader.decrypt(c, `p/w${i}`));
      release();
      await expect(Promise.all(pending)).resolves.toEqual(stored.map((_, i) => `${SECRET}${i}`));
      expect(kms.count('Decrypt')).toBe(1);
    });

    it('does not keep a data key KMS refused', async () => {
      const kms = new FakeKms();
      const foreign = await new KmsSecretCipher(kms, OTHER_KEY_ARN).encrypt(SECRET, 'p/w');
      const reader = new KmsSecretCipher(kms, KEY_ARN);
      await expect(reader.decrypt(foreign, 'p/w')).rejects.toThrow(InvalidCiphertextException);
      await expect(reader.decrypt(foreign, 'p/w')).rejects.toThrow(InvalidCiphertextException);
      expect(kms.count('Decrypt')).toBe(2);
      expect(reader.cachedDataKeys).toBe(0);
    });
  });

  describe('kms1 ciphertexts (before data keys)', () => {
    it('still decrypts a stored kms1 secret, with its context as KMS encryption context', async () => {
      const kms = new FakeKms();
      const stored = await encryptKms1(kms, SECRET, 'partner-1/webhook-1');
      const cipher = new KmsSecretCipher(kms, KEY_ARN);
      await expect(cipher.decrypt(stored, 'partner-1/webhook-1')).resolves.toBe(SECRET);
      expect(kms.calls.at(-1)).toEqual({ op: 'Decrypt', keyId: KEY_ARN, context: { [KMS_CONTEXT_KEY]: 'partner-1/webhook-1' } });
      await expect(cipher.decrypt(stored, 'partner-2/webhook-1')).rejects.toThrow(InvalidCiphertextException);
    });

    it('keeps rotation overlap working across formats: a kms1 previous secret beside a kms2 current one', async () => {
      const kms = new FakeKms();
      const previous = await encryptKms1(kms, `${SECRET}-old`, 'p/w');
      const cipher = new KmsSecretCipher(kms, KEY_ARN);
      const current = await cipher.encrypt(`${SECRET}-new`, 'p/w');
      await expect(Promise.all([cipher.decrypt(current, 'p/w'), cipher.decrypt(previous, 'p/w')])).resolves.toEqual([`${SECRET}-new`, `${SECRET}-old`]);
    });

    it('reuses a decrypted kms1 secret within the TTL and asks KMS again after it', async () => {
      let now = 1_000_000;
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN, { ttlMs: 5 * 60_000, now: () => new Date(now) });
      const ciphertext = await encryptKms1(kms, SECRET, 'p/w');

      await cipher.decrypt(ciphertext, 'p/w');
      now += 5 * 60_000 - 1;
      await expect(cipher.decrypt(ciphertext, 'p/w')).resolves.toBe(SECRET);
      expect(kms.count('Decrypt')).toBe(1);

      now += 1;
      await expect(cipher.decrypt(ciphertext, 'p/w')).resolves.toBe(SECRET);
      expect(kms.count('Decrypt')).toBe(2);
    });

    it('shares one KMS call between concurrent decrypts of the same kms1 secret', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN);
      const ciphertext = await encryptKms1(kms, SECRET, 'p/w');
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
      const ciphertext = await encryptKms1(kms, SECRET, 'p/w');
      await cipher.decrypt(ciphertext, 'p/w');
      await expect(cipher.decrypt(ciphertext, 'other/w')).rejects.toThrow(InvalidCiphertextException);
      expect(kms.count('Decrypt')).toBe(2);
    });

    it('does not cache failures', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN);
      const ciphertext = await encryptKms1(kms, SECRET, 'p/w');
      await expect(cipher.decrypt(ciphertext, 'wrong')).rejects.toThrow(InvalidCiphertextException);
      await expect(cipher.decrypt(ciphertext, 'wrong')).rejects.toThrow(InvalidCiphertextException);
      expect(kms.count('Decrypt')).toBe(2);
      expect(cipher.cachedEntries).toBe(0);
    });

    it('holds at most maxEntries secrets, dropping the oldest first', async () => {
      const kms = new FakeKms();
      const cipher = new KmsSecretCipher(kms, KEY_ARN, { maxEntries: 2 });
      const texts = await Promise.all(['a', 'b', 'c'].map((w) => encryptKms1(kms, `${SECRET}${w}`, `p/${w}`)));
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
      const ciphertext = await encryptKms1(kms, SECRET, 'p/w');
      await cipher.decrypt(ciphertext, 'p/w');
      await cipher.decrypt(ciphertext, 'p/w');
      expect(kms.count('Decrypt')).toBe(2);
      expect(cipher.cachedEntries).toBe(0);
    });
  });
  describe('shared current data key (DataKeyStore)', () => {
    it('lets every encrypting instance use the stored data key: one data key per period, not one per instance', async () => {
      const kms = new FakeKms();
      const store = new InMemoryDataKeyStore();
      const instances = Array.from({ length: 5 }, () => new KmsSecretCipher(kms, KEY_ARN, { dataKeyStore: store }));
      const stored: string[] = [];
      for (const [i, c] of instances.entries()) stored.push(await c.encrypt(`${SECRET}${i}`, `p/w${i}`));
      expect(new Set(stored.map((c) => c.split(':')[1])).size).toBe(1);
      expect(kms.count('GenerateDataKey')).toBe(1);
      expect(kms.count('Decrypt')).toBe(4); // each other instance unwraps the stored key once

      // Instances starting together may each generate one, but all end up on the one stored first.
      const shared = new InMemoryDataKeyStore();
      const together = await Promise.all(Array.from({ length: 5 }, (_, i) => new KmsSecretCipher(kms, KEY_ARN, { dataKeyStore: shared }).encrypt(SECRET, `p/r${i}`)));
      expect(new Set(together.map((c) => c.split(':')[1])).size).toBe(1);
    });

    it('replaces the stored key once it is rotateDataKeyAfterMs old, every instance switching to the new one', async () => {
      let now = 1_000_000;
      const kms = new FakeKms();
      const store = new InMemoryDataKeyStore();
      const options = { dataKeyStore: store, rotateDataKeyAfterMs: 60_000, now: () => new Date(now) };
      const a = new KmsSecretCipher(kms, KEY_ARN, options);
      const b = new KmsSecretCipher(kms, KEY_ARN, options);
      const first = await a.encrypt(SECRET, 'p/w');
      now += 30_000;
      expect((await b.encrypt(SECRET, 'p/w')).split(':')[1]).toBe(first.split(':')[1]);
      now += 30_000;
      const second = await b.encrypt(SECRET, 'p/w');
      expect(second.split(':')[1]).not.toBe(first.split(':')[1]);
      expect((await a.encrypt(SECRET, 'p/w')).split(':')[1]).toBe(second.split(':')[1]);
      expect(kms.count('GenerateDataKey')).toBe(2);
      await expect(new KmsSecretCipher(kms, KEY_ARN).decrypt(first, 'p/w')).resolves.toBe(SECRET);
    });

    it('uses the key another instance stored first when two generate at once', async () => {
      const kms = new FakeKms();
      const store = new InMemoryDataKeyStore();
      const winner = await new KmsSecretCipher(kms, KEY_ARN).encrypt(SECRET, 'p/w'); // a key of its own, not stored
      const wrapped = winner.split(':')[1]!;
      const racing = { current: async () => undefined, replace: async () => ({ wrapped, createdAt: 0 }) };
      const loser = new KmsSecretCipher(kms, KEY_ARN, { dataKeyStore: racing, now: () => new Date(1000) });
      expect((await loser.encrypt(SECRET, 'p/w')).split(':')[1]).toBe(wrapped);
      expect(store.writes).toBe(0);
    });
  });
});
