// Issuing and checking API keys. Used by the auth middleware, the keys CLI and the local
// runtime's dev-key bootstrap, so there is one way a key is made and one way it is checked.
import { apiSecretMatches, generateApiKeyId, generateApiSecret, hashApiSecret } from './secrets.js';

import { SCOPES, type Scope } from './scopes.js';

export { SCOPES, type Scope };

export type ApiKeyRecord = {
  apiKey: string;
  partnerId: string;
  scopes: Scope[];
  secretHash: string;
  createdAt: string;
  revokedAt?: string;
};

/** What issuing and checking keys need of a store (stores/api-key-store.ts implements it). */
export type ApiKeyRepository = {
  put(record: ApiKeyRecord): Promise<void>;
  get(apiKey: string): Promise<ApiKeyRecord | undefined>;
};

export type IssuedApiKey = { api_key: string; api_secret: string; partner_id: string; scopes: Scope[] };

export async function issueApiKey(
  store: Pick<ApiKeyRepository, 'put'>,
  request: { partnerId: string; scopes: Scope[]; apiKey?: string; apiSecret?: string; now?: Date },
): Promise<IssuedApiKey> {
  const apiKey = request.apiKey ?? generateApiKeyId();
  const apiSecret = request.apiSecret ?? generateApiSecret();
  await store.put({
    apiKey,
    partnerId: request.partnerId,
    scopes: request.scopes,
    secretHash: hashApiSecret(apiSecret),
    createdAt: (request.now ?? new Date()).toISOString(),
  });
  return { api_key: apiKey, api_secret: apiSecret, partner_id: request.partnerId, scopes: request.scopes };
}

/** The public view of a key: never the secret or its hash. */
export function describeApiKey(r: ApiKeyRecord) {
  return {
    api_key: r.apiKey,
    partner_id: r.partnerId,
    scopes: r.scopes,
    created_at: r.createdAt,
    status: r.revokedAt ? 'revoked' : 'active',
    ...(r.revokedAt ? { revoked_at: r.revokedAt } : {}),
  };
}

export type Principal = { apiKey: string; partnerId: string; scopes: Scope[] };

/** The caller behind a key record and a secret, or undefined when the key is revoked or the secret does not match. */
export function principalFor(record: ApiKeyRecord, apiSecret: string): Principal | undefined {
  if (record.revokedAt || !apiSecretMatches(apiSecret, record.secretHash)) return undefined;
  return { apiKey: record.apiKey, partnerId: record.partnerId, scopes: record.scopes };
}
