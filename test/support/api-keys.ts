// Issues extra API keys (another partner, a read-only key) straight into a running local
// runtime's DynamoDB, the same way the keys CLI and the dev-key bootstrap do.
import { issueApiKey, type IssuedApiKey } from '../../lambdas/domain/api-keys.js';
import { createDocumentClient } from '../../lambdas/shared/aws-clients.js';
import { ApiKeyStore, type Scope } from '../../lambdas/stores/api-key-store.js';
import type { LocalState } from '../../local/state-file.js';

export type TestApiKey = IssuedApiKey & { auth: { apiKey: string; apiSecret: string } };

export async function issueTestApiKey(
  state: Pick<LocalState, 'dynamodb_endpoint' | 'tables' | 'region'>,
  request: { partnerId: string; scopes: Scope[] },
): Promise<TestApiKey> {
  // The SDK's default credential chain needs some credentials; dynalite ignores their values.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const db = createDocumentClient({ region: state.region, dynamodbEndpoint: state.dynamodb_endpoint });
  try {
    const issued = await issueApiKey(new ApiKeyStore(db, state.tables.apiKeys), request);
    return { ...issued, auth: { apiKey: issued.api_key, apiSecret: issued.api_secret } };
  } finally {
    db.destroy();
  }
}
