// The webhook-secret cipher of the local runtime: AES-256-GCM under a key file (made on first use,
// mode 0600). The AWS one is kms-secret-cipher.ts beside it.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretCipher } from '../domain/secret-cipher.js';

const VERSION = 'lk1';

export class LocalKeyFileCipher implements SecretCipher {
  /** A KeyObject, not a Buffer: Node 24's ciphers check a Buffer key for being one at a cost on every call. */
  private readonly key: KeyObject;

  constructor(keyFile: string) {
    this.key = createSecretKey(LocalKeyFileCipher.loadOrCreateKey(keyFile));
  }

  /** Reads the 32-byte key, creating it (mode 0600) on first use. */
  static loadOrCreateKey(keyFile: string): Buffer {
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(keyFile, 0o600);
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`Secret key file ${keyFile} does not hold a 32-byte key`);
    return key;
  }

  async encrypt(plaintext: string, context: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  async decrypt(ciphertext: string, context: string): Promise<string> {
    const [version, payload] = ciphertext.split(':');
    if (version !== VERSION || !payload) throw new Error('Unknown secret ciphertext format');
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
