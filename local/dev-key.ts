// The development API key for partner `dev`: fixed by DEV_API_KEY/DEV_API_SECRET, otherwise
// made on first start and kept in `$DATA_DIR/dev-key.json` (0600) so every start can print it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueApiKey } from '../lambdas/domain/api-keys.js';
import { apiSecretMatches } from '../lambdas/domain/secrets.js';
import { type ApiKeyStore, SCOPES } from '../lambdas/stores/api-key-store.js';

export const DEV_PARTNER_ID = 'dev';

export type DevKey = { apiKey: string; apiSecret: string };

export async function bootstrapDevKey(store: ApiKeyStore, dataDir: string, fixed?: DevKey): Promise<DevKey> {
  const file = join(dataDir, 'dev-key.json');
  const wanted: DevKey | undefined = fixed ?? (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DevKey) : undefined);
  if (wanted) {
    const existing = await store.get(wanted.apiKey);
    const current = existing && !existing.revokedAt && apiSecretMatches(wanted.apiSecret, existing.secretHash);
    if (!current) await issueApiKey(store, { partnerId: DEV_PARTNER_ID, scopes: [...SCOPES], ...wanted });
    return wanted;
  }
  const issued = await issueApiKey(store, { partnerId: DEV_PARTNER_ID, scopes: [...SCOPES] });
  const key = { apiKey: issued.api_key, apiSecret: issued.api_secret };
  writeFileSync(file, JSON.stringify(key) + '\n', { mode: 0o600 });
  return key;
}
