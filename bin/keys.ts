// `npm run keys -- create --partner <id> --scopes webhooks:read,webhooks:write | list [--partner <id>] | revoke <api_key>`
// Manages API keys in the keys table of the running local runtime (or of a stack, see cli-target.ts).
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describeApiKey, issueApiKey } from '../lambdas/domain/api-keys.js';
import { ApiKeyStore, SCOPES, type Scope } from '../lambdas/stores/api-key-store.js';
import { fail, printJson, resolveTarget } from './cli-target.js';

const USAGE = `usage:
  npm run keys -- create --partner <partner_id> [--scopes webhooks:read,webhooks:write] [--stack <name>]
  npm run keys -- list [--partner <partner_id>] [--stack <name>]
  npm run keys -- revoke <api_key> [--stack <name>]
--stack: a deployed stack (AWS credentials and region from the usual AWS environment); default: the local runtime`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { partner: { type: 'string' }, scopes: { type: 'string' }, 'data-dir': { type: 'string' }, stack: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  const target = await resolveTarget({ stack: values.stack, dataDir: values['data-dir'] });
  const client = new DynamoDBClient({ region: target.region, endpoint: target.dynamodbEndpoint, credentials: target.credentials });
  const store = new ApiKeyStore(DynamoDBDocumentClient.from(client), target.tables.apiKeys);
  try {
    switch (command) {
      case 'create': {
        const partnerId = values.partner ?? fail(`--partner is required\n${USAGE}`);
        if (!/^[A-Za-z0-9._-]{1,128}$/.test(partnerId)) fail('--partner: letters, digits, ".", "_" and "-" only (1-128)');
        const scopes = (values.scopes ?? SCOPES.join(',')).split(',').map((s) => s.trim());
        const unknown = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
        if (unknown !== undefined || scopes.length === 0) fail(`--scopes: unknown scope ${JSON.stringify(unknown)}; use ${SCOPES.join(',')}`);
        printJson(await issueApiKey(store, { partnerId, scopes: [...new Set(scopes)] as Scope[] }));
        break;
      }
      case 'list':
        printJson((await store.list(values.partner)).map(describeApiKey));
        break;
      case 'revoke': {
        const apiKey = rest[0] ?? fail(`revoke needs the api_key\n${USAGE}`);
        const revoked = await store.revoke(apiKey, new Date().toISOString());
        if (!revoked) fail(`no such API key: ${apiKey}`);
        printJson(describeApiKey(revoked));
        break;
      }
      default:
        fail(USAGE);
    }
  } finally {
    client.destroy();
  }
}

main().catch((error: unknown) => fail(`keys: ${error instanceof Error ? error.message : String(error)}`));
