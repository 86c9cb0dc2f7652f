// Webhook secrets (and custom headers) are stored encrypted. SecretCipher is the seam: the local
// key file (stores/file-secret-cipher.ts) in the local runtime, KMS envelope encryption
// (stores/kms-secret-cipher.ts) in AWS; wiring/cipher.ts picks one from the configuration.

export interface SecretCipher {
  /** `context` (e.g. partner and webhook id) is bound to the ciphertext as associated data. */
  encrypt(plaintext: string, context: string): Promise<string>;
  decrypt(ciphertext: string, context: string): Promise<string>;
}
