// The webhook-secret cipher of a process, built on first use: KMS in AWS (only the create and
// delivery functions have the key; envelope encryption under data keys, the current one shared
// through the webhooks table), the local key file in the local runtime.
import { KMSClient } from '@aws-sdk/client-kms';
import type { SecretCipher } from '../domain/secret-cipher.js';
import { documentClient } from '../shared/aws-clients.js';
import { withClientHooks } from '../shared/client-hooks.js';
import { type Config, config } from '../shared/config.js';
import { once } from '../shared/once.js';
import { DynamoDataKeyStore } from '../stores/data-key-store.js';
import { LocalKeyFileCipher } from '../stores/file-secret-cipher.js';
import { KmsSecretCipher } from '../stores/kms-secret-cipher.js';

export function createCipher(cfg: Config): SecretCipher {
  if (cfg.secretsKmsKeyId) {
    return new KmsSecretCipher(withClientHooks(new KMSClient({ region: cfg.region }), 'KMS'), cfg.secretsKmsKeyId, {
      // Read only when encrypting (create-webhook, rotate-secret), which have the webhooks table.
      dataKeyStore: new DynamoDataKeyStore(documentClient(), cfg.tables.webhooks),
      rotateDataKeyAfterMs: cfg.secretsDataKeyRotation.afterMs,
      rotateDataKeyAfterEncryptions: cfg.secretsDataKeyRotation.afterEncryptions,
    });
  }
  if (cfg.secretKeyFile) return new LocalKeyFileCipher(cfg.secretKeyFile);
  throw new Error('Invalid configuration: SECRET_KEY_FILE (or SECRETS_KMS_KEY_ID in AWS) must be set');
}

export const cipher = once(() => createCipher(config()));
