// Webhook secrets at rest in the local runtime (SPEC §4): AES-256-GCM with a key file under the
// data dir, the context bound as associated data.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeyFileCipher } from '../../lambdas/stores/file-secret-cipher.js';
import { generateWebhookSecret } from '../../lambdas/domain/secrets.js';

let dir: string;
let keyFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bmw-cipher-'));
  keyFile = join(dir, 'nested', 'secret.key');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const CONTEXT = 'p1/2b7c1d9e-0f3a-4b5c-8d6e-7f8091a2b3c4';

describe('LocalKeyFileCipher', () => {
  it('creates the key file (and its directory) with mode 0600 holding a 32-byte key', () => {
    new LocalKeyFileCipher(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
  });

  it('tightens an existing key file to 0600', () => {
    new LocalKeyFileCipher(keyFile);
    chmodSync(keyFile, 0o644);
    new LocalKeyFileCipher(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });

  it('round-trips a secret, and the ciphertext does not contain it', async () => {
    const cipher = new LocalKeyFileCipher(keyFile);
    const secret = generateWebhookSecret();
    const ciphertext = await cipher.encrypt(secret, CONTEXT);
    expect(ciphertext).not.toContain(secret);
    expect(ciphertext).not.toContain(secret.slice('whsec_'.length));
    expect(await cipher.decrypt(ciphertext, CONTEXT)).toBe(secret);
  });

  it('round-trips non-ASCII and empty plaintexts', async () => {
    const cipher = new LocalKeyFileCipher(keyFile);
    for (const p of ['', 'ünïcödé ✓', 'x'.repeat(5000)]) expect(await cipher.decrypt(await cipher.encrypt(p, CONTEXT), CONTEXT)).toBe(p);
  });

  it('uses a fresh IV: the same plaintext encrypts differently each time', async () => {
    const cipher = new LocalKeyFileCipher(keyFile);
    const a = await cipher.encrypt('same', CONTEXT);
    const b = await cipher.encrypt('same', CONTEXT);
    expect(a).not.toBe(b);
  });

  it('fails to decrypt with a different context', async () => {
    const cipher = new LocalKeyFileCipher(keyFile);
    const ciphertext = await cipher.encrypt(generateWebhookSecret(), CONTEXT);
    await expect(cipher.decrypt(ciphertext, 'p2/2b7c1d9e-0f3a-4b5c-8d6e-7f8091a2b3c4')).rejects.toThrow();
    await expect(cipher.decrypt(ciphertext, '')).rejects.toThrow();
  });

  it('fails to decrypt tampered ciphertext (every region: IV, tag, body)', async () => {
    const cipher = new LocalKeyFileCipher(keyFile);
    const ciphertext = await cipher.encrypt(generateWebhookSecret(), CONTEXT);
    const [version, payload] = ciphertext.split(':') as [string, string];
    const raw = Buffer.from(payload, 'base64');
    for (const index of [0, 11, 12, 27, 28, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[index] = tampered[index]! ^ 0x01;
      await expect(cipher.decrypt(`${version}:${tampered.toString('base64')}`, CONTEXT)).rejects.toThrow();
    }
  });

  it('refuses truncated or foreign ciphertexts', async () => {
    const cipher = new LocalKeyFileCipher(keyFile);
    const ciphertext = await cipher.encrypt(generateWebhookSecret(), CONTEXT);
    const [, payload] = ciphertext.split(':') as [string, string];
    await expect(cipher.decrypt(`lk1:${Buffer.from(payload, 'base64').subarray(0, 40).toString('base64')}`, CONTEXT)).rejects.toThrow();
    await expect(cipher.decrypt(`lk9:${payload}`, CONTEXT)).rejects.toThrow();
    await expect(cipher.decrypt(payload, CONTEXT)).rejects.toThrow();
    await expect(cipher.decrypt('', CONTEXT)).rejects.toThrow();
  });

  it('a second instance on the same key file decrypts the first one’s output (restart)', async () => {
    const first = new LocalKeyFileCipher(keyFile);
    const keyBefore = readFileSync(keyFile, 'utf8');
    const secret = generateWebhookSecret();
    const ciphertext = await first.encrypt(secret, CONTEXT);
    const second = new LocalKeyFileCipher(keyFile);
    expect(readFileSync(keyFile, 'utf8')).toBe(keyBefore);
    expect(await second.decrypt(ciphertext, CONTEXT)).toBe(secret);
  });

  it('an instance with another key file cannot decrypt', async () => {
    const ciphertext = await new LocalKeyFileCipher(keyFile).encrypt('s', CONTEXT);
    const other = new LocalKeyFileCipher(join(dir, 'other.key'));
    await expect(other.decrypt(ciphertext, CONTEXT)).rejects.toThrow();
  });

  it.each([
    ['16 bytes', Buffer.alloc(16, 1).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64')],
    ['empty', ''],
  ])('throws on a key file holding a wrong-length key (%s)', (_what, content) => {
    writeFileSync(join(dir, 'bad.key'), content, { mode: 0o600 });
    expect(() => new LocalKeyFileCipher(join(dir, 'bad.key'))).toThrow(/32-byte/);
  });
});
