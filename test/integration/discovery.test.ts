// SPEC §8 on the real local runtime: GET /v1/event-types (any valid key, every subscribable name, schemas that
// validate the examples and refuse broken data), GET /v1/openapi.json (no key, a valid OpenAPI 3.1
// document), and every route's answers matching what that document says.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../lambdas/domain/event-types.js';
import { openApiDocument } from '../../lambdas/openapi/document.js';
import { ROUTE_LIST } from '../../lambdas/routes.js';
import { apiClient, type ApiResult } from '../support/api-client.js';
import { issueTestApiKey, type TestApiKey } from '../support/api-keys.js';
import { exampleData } from '../support/examples.js';
import { openApiSchemas } from '../support/openapi-schemas.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { removeDataDir, type RuntimeProcess, startRuntime } from '../support/runtime-process.js';
import { waitFor } from '../support/wait-for.js';

let rt: RuntimeProcess;
let call: ReturnType<typeof apiClient>;
let receiver: Receiver;
let readOnly: TestApiKey;
let writeOnly: TestApiKey;

beforeAll(async () => {
  receiver = await startReceiver();
  rt = await startRuntime({ env: { ALLOW_LOOPBACK_URLS: '1', RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_PER_MINUTE: '100000' } });
  call = apiClient(rt.state);
  readOnly = await issueTestApiKey(rt.state, { partnerId: 'dev', scopes: ['webhooks:read'] });
  writeOnly = await issueTestApiKey(rt.state, { partnerId: 'dev', scopes: ['webhooks:write'] });
});

afterAll(async () => {
  await receiver?.close();
  if (!rt) return;
  expect(await rt.stop()).toBe(0);
  removeDataDir(rt.dataDir);
});

const ajv = () => addFormatsTo(new Ajv2020({ allErrors: true }));
const addFormatsTo = (a: Ajv2020) => {
  addFormats(a);
  return a;
};

describe('GET /v1/event-types', () => {
  it('refuses a request without credentials or with a wrong secret (401 in the error envelope)', async () => {
    for (const auth of [null, { apiKey: rt.state.dev_api_key, apiSecret: 'wrong' }]) {
      const res = await call('GET', '/v1/event-types', { auth });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.headers.get('x-request-id')).toBe(res.body.error.request_id);
    }
  });

  it('answers any valid key, whatever its scope, and HTTP Basic', async () => {
    for (const options of [{}, { auth: readOnly.auth }, { auth: writeOnly.auth }, { basic: true }]) {
      const res = await call('GET', '/v1/event-types', options);
      expect(res.status).toBe(200);
    }
  });

  it('lists the subscribable events, each with a description and a JSON Schema 2020-12 of its data', async () => {
    const res = await call<{ name: string; description: string; schema: Record<string, unknown> }[]>('GET', '/v1/event-types');
    expect(res.body.map((e) => e.name)).toEqual([...SUBSCRIBABLE_EVENT_TYPES]);
    expect(res.body.map((e) => e.name)).not.toContain('webhook.test');
    for (const e of res.body) {
      expect(e.description).toEqual(expect.any(String));
      expect(e.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it('serves schemas that accept each example and refuse broken data', async () => {
    const res = await call<{ name: string; schema: Record<string, unknown> }[]>('GET', '/v1/event-types');
    for (const { name, schema } of res.body) {
      const validate = ajv().compile(schema);
      const example = exampleData(name);
      expect([name, validate(example), validate.errors ?? null]).toEqual([name, true, null]);
      // An extra field is allowed (lenient on additions), a missing or mistyped one is not.
      expect(validate({ ...example, added_later: 1 })).toBe(true);
      const { account_id: _, ...missing } = example;
      expect([name, validate(missing)]).toEqual([name, false]);
      expect([name, validate({ ...example, account_id: 'not-a-uuid' })]).toEqual([name, false]);
      expect([name, validate({ ...example, status: 'SOMETHING_ELSE' })]).toEqual([name, false]);
    }
  });
});

describe('GET /v1/openapi.json', () => {
  it('is served without credentials, is a valid OpenAPI 3.1 document, and is the generated one', async () => {
    const res = await call('GET', '/v1/openapi.json', { auth: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const result = await new Validator().validate(res.body);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(res.body).toEqual(openApiDocument());
  });

  it('ignores credentials, even wrong ones', async () => {
    const res = await call('GET', '/v1/openapi.json', { auth: { apiKey: 'nope', apiSecret: 'nope' } });
    expect(res.status).toBe(200);
  });
});

describe('every route answers as the OpenAPI document says', () => {
  const doc = openApiDocument() as Record<string, any>;
  const schemas = openApiSchemas(doc);
  const covered = new Set<string>();
  /** Asserts the answer matches the document for the route template `path`. */
  const documented = (method: string, path: string, res: ApiResult) => {
    covered.add(`${method} ${path}`);
    expect([method, path, res.status, schemas.checkResponse(method, path, res)]).toEqual([method, path, res.status, []]);
    return res;
  };

  it('holds for the success and the error answers of each route', async () => {
    const url = receiver.url('/docs-check');
    const created = documented('POST', '/v1/webhooks', await call('POST', '/v1/webhooks', { body: { url, events: [] } }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const second = await call('POST', '/v1/webhooks', { body: { url, events: ['order.filled'] } });
    documented('POST', '/v1/webhooks', await call('POST', '/v1/webhooks', { body: { url, events: ['order.nope'] } }));
    documented('POST', '/v1/webhooks', await call('POST', '/v1/webhooks', { rawBody: '{', headers: { 'content-type': 'application/json' } }));
    documented('POST', '/v1/webhooks', await call('POST', '/v1/webhooks', { rawBody: 'x', headers: { 'content-type': 'text/plain' } }));
    documented('POST', '/v1/webhooks', await call('POST', '/v1/webhooks', { auth: readOnly.auth, body: { url, events: [] } }));

    const page = documented('GET', '/v1/webhooks', await call('GET', '/v1/webhooks?limit=1'));
    expect(page.headers.get('link')).toContain('rel="next"');
    documented('GET', '/v1/webhooks', await call('GET', '/v1/webhooks?limit=0'));
    documented('GET', '/v1/webhooks', await call('GET', '/v1/webhooks', { auth: null }));

    documented('GET', '/v1/webhooks/{webhookId}', await call('GET', `/v1/webhooks/${id}`));
    documented('GET', '/v1/webhooks/{webhookId}', await call('GET', '/v1/webhooks/not-a-uuid'));

    documented('POST', '/v1/webhooks/{webhookId}/test', await call('POST', `/v1/webhooks/${id}/test`));
    const attempts = await waitFor(
      async () => {
        const res = await call('GET', `/v1/webhooks/${id}/deliveries`);
        return res.body?.length > 0 ? res : undefined;
      },
      { what: () => 'the test delivery in the history' },
    );
    documented('GET', '/v1/webhooks/{webhookId}/deliveries', attempts);
    documented('GET', '/v1/webhooks/{webhookId}/deliveries', await call('GET', `/v1/webhooks/${id}/deliveries?status=nope`));

    // SPEC §7
    const redeliver = '/v1/webhooks/{webhookId}/events/{eventId}/redeliver';
    expect(documented('POST', redeliver, await call('POST', `/v1/webhooks/${id}/events/${attempts.body[0].event_id}/redeliver`)).status).toBe(202);
    expect(documented('POST', redeliver, await call('POST', `/v1/webhooks/${id}/events/${crypto.randomUUID()}/redeliver`)).status).toBe(404);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    expect(documented('POST', '/v1/webhooks/{webhookId}/recover', await call('POST', `/v1/webhooks/${id}/recover`, { body: { since } })).status).toBe(202);
    expect(documented('POST', '/v1/webhooks/{webhookId}/recover', await call('POST', `/v1/webhooks/${id}/recover`, { body: { since: 'yesterday' } })).status).toBe(400);
    expect(documented('POST', '/v1/webhooks/{webhookId}/rotate-secret', await call('POST', `/v1/webhooks/${id}/rotate-secret`, { body: {} })).status).toBe(200);
    expect(documented('POST', '/v1/webhooks/{webhookId}/rotate-secret', await call('POST', `/v1/webhooks/${id}/rotate-secret`, { body: { expire_previous_in_seconds: 86401 } })).status).toBe(400);

    documented('PATCH', '/v1/webhooks/{webhookId}', await call('PATCH', `/v1/webhooks/${id}`, { body: { status: 'disabled' } }));
    documented('PATCH', '/v1/webhooks/{webhookId}', await call('PATCH', `/v1/webhooks/${id}`, { body: {} }));
    documented('PATCH', '/v1/webhooks/{webhookId}', await call('PATCH', `/v1/webhooks/${id}`, { body: { url: 'https://10.0.0.1/x' } }));
    // SPEC §11 delivery controls: set (values masked in the answer) and refused.
    const controls = { rate_limit_per_second: 50, ordering: 'none', headers: { Authorization: 'Bearer docs' } };
    expect(documented('PATCH', '/v1/webhooks/{webhookId}', await call('PATCH', `/v1/webhooks/${id}`, { body: controls })).body.headers).toEqual({ Authorization: '****' });
    expect(documented('PATCH', '/v1/webhooks/{webhookId}', await call('PATCH', `/v1/webhooks/${id}`, { body: { headers: { Host: 'x' } } })).status).toBe(400);
    documented('GET', '/v1/webhooks', await call('GET', '/v1/webhooks?limit=100'));
    const disabled = documented('POST', '/v1/webhooks/{webhookId}/test', await call('POST', `/v1/webhooks/${id}/test`));
    expect(disabled.status).toBe(409);
    expect(documented('POST', redeliver, await call('POST', `/v1/webhooks/${id}/events/${attempts.body[0].event_id}/redeliver`)).status).toBe(409);

    documented('DELETE', '/v1/webhooks/{webhookId}', await call('DELETE', `/v1/webhooks/${second.body.id}`, { auth: writeOnly.auth }));
    documented('DELETE', '/v1/webhooks/{webhookId}', await call('DELETE', `/v1/webhooks/${second.body.id}`));

    documented('GET', '/v1/event-types', await call('GET', '/v1/event-types', { auth: writeOnly.auth }));
    documented('GET', '/v1/event-types', await call('GET', '/v1/event-types', { auth: null }));
    documented('GET', '/v1/openapi.json', await call('GET', '/v1/openapi.json', { auth: null }));
    expect(documented('GET', '/v1/egress-ips', await call('GET', '/v1/egress-ips', { auth: writeOnly.auth })).status).toBe(200);
    expect(documented('GET', '/v1/egress-ips', await call('GET', '/v1/egress-ips', { auth: null })).status).toBe(401);
    expect(documented('GET', '/portal', await call('GET', '/portal', { auth: null })).status).toBe(200);
    expect(documented('GET', '/portal/{asset}', await call('GET', '/portal/no-such-asset.js', { auth: null })).status).toBe(404);

    // A route added to lambdas/routes.ts needs a line above.
    expect([...covered].sort()).toEqual(ROUTE_LIST.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('delivers what the document\'s webhooks section says: envelope and signature headers', async () => {
    const delivery = await waitFor(() => receiver.received('/docs-check')[0], { what: () => 'the test delivery' });
    const op = doc.webhooks['webhook.test'].post;
    expect(schemas.check(op.requestBody.content['application/json'].schema, JSON.parse(delivery.body))).toEqual([]);
    for (const { $ref } of op.parameters as { $ref: string }[]) {
      const parameter = doc.components.parameters[$ref.split('/').pop()!];
      const value = delivery.headers[parameter.name.toLowerCase()];
      if (parameter.required === false && value === undefined) continue; // X-TAPP-Signature-Previous: only during a rotation
      expect([parameter.name, typeof value]).toEqual([parameter.name, 'string']);
      expect([parameter.name, schemas.check(parameter.schema, value)]).toEqual([parameter.name, []]);
    }
  });
});
