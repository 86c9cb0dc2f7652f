// The OpenAPI document (SPEC §8): valid for an OpenAPI 3.1 validator, one operation per route of
// lambdas/routes.ts and nothing else, error responses from the SPEC table, a webhook per event.
import { Validator } from '@seriousme/openapi-schema-validator';
import { ERROR_STATUS, type ErrorCode } from '../../lambdas/domain/errors.js';
import { EVENT_TYPES, eventTypeCatalog, SUBSCRIBABLE_EVENT_TYPES } from '../../lambdas/domain/event-catalog.js';
import { openApiDocument } from '../../lambdas/openapi/document.js';
import { ROUTE_LIST } from '../../lambdas/routes.js';
import { exampleData } from '../support/examples.js';
import { openApiSchemas } from '../support/openapi-schemas.js';

const doc = openApiDocument() as Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const operations = () =>
  Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document for @seriousme/openapi-schema-validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(doc) as never);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('the validator does refuse a broken document (so the test above can fail)', async () => {
    const broken = structuredClone(doc);
    broken.paths['/v1/webhooks'].post.responses = 'none';
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('has exactly one operation per route of lambdas/routes.ts, and none that is not a route', () => {
    expect(operations().map((o) => o.key).sort()).toEqual(ROUTE_LIST.map((r) => `${r.method} ${r.path}`).sort());
    expect(new Set(operations().map((o) => o.op.operationId)).size).toBe(ROUTE_LIST.length);
  });

  it('documents auth per route: the public route needs none, the others a key (and their scope)', () => {
    for (const route of ROUTE_LIST) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      if (route.scope === null) {
        expect(op.security).toEqual([]);
        expect(op.responses['401']).toBeUndefined();
        expect(op.responses['429']).toBeUndefined();
      } else {
        expect(op.security.length).toBe(2);
        expect(op.responses['401']).toBeDefined();
        expect(op.responses['429'].headers['Retry-After']).toBeDefined();
      }
    }
    expect(doc.paths['/v1/event-types'].get.responses['403']).toBeUndefined();
    expect(doc.paths['/v1/webhooks'].post.security[1]).toEqual({ Basic: ['webhooks:write'] });
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['ApiKey', 'ApiSecret', 'Basic']);
  });

  it('files every error code under its SPEC status, in the shared error envelope', () => {
    const seen = new Set<string>();
    for (const { key, op } of operations()) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (Number(status) < 400) continue;
        const codes: ErrorCode[] = response.content['application/json'].schema.allOf[1].properties.error.properties.code.enum;
        for (const code of codes) {
          expect([key, code, ERROR_STATUS[code]]).toEqual([key, code, Number(status)]);
          seen.add(code);
        }
        expect(response.headers['X-Request-Id']).toBeDefined();
      }
    }
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(ERROR_STATUS));
    // These belong to no route: the $default route answers 405, the HTTP server itself 400 and 431.
    const outsideRoutes = ['METHOD_NOT_ALLOWED', 'BAD_REQUEST', 'REQUEST_HEADERS_TOO_LARGE'];
    expect([...seen].sort()).toEqual(Object.keys(ERROR_STATUS).filter((c) => !outsideRoutes.includes(c)).sort());
  });

  it('takes request bodies and query parameters from the handlers\' zod schemas', () => {
    const create = doc.components.schemas.CreateWebhookRequest;
    expect(create.required.sort()).toEqual(['events', 'url']);
    expect(create.additionalProperties).toBe(false);
    expect(doc.components.schemas.UpdateWebhookRequest.minProperties).toBe(1);
    const params = doc.paths['/v1/webhooks/{webhookId}/deliveries'].get.parameters.map((p: any) => `${p.in}:${p.name}`);
    expect(params).toEqual(['path:webhookId', 'query:limit', 'query:cursor', 'query:status', 'query:event_id']);
    expect(doc.paths['/v1/webhooks'].get.responses['200'].headers.Link).toBeDefined();
  });

  it('describes each delivery as an OpenAPI webhook whose envelope schema accepts the example and refuses a broken one', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    const schemas = openApiSchemas(doc);
    for (const type of SUBSCRIBABLE_EVENT_TYPES) {
      const op = doc.webhooks[type].post;
      expect(op.parameters.map((p: any) => p.$ref.split('/').pop())).toEqual(
        expect.arrayContaining(['X-TAPP-Signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature']),
      );
      const envelope = {
        id: '0190f5a2-7b1c-7cc3-9f1e-2a3b4c5d6e7f',
        event_id: '0190f5a2-7b1c-7cc3-9f1e-2a3b4c5d6e80',
        event_type: type,
        api_version: 'v1',
        created_at: '2026-12-03T04:00:00.000Z',
        environment: 'sandbox',
        partner_id: 'acme',
        data: exampleData(type),
      };
      const schema = op.requestBody.content['application/json'].schema;
      expect([type, schemas.check(schema, envelope)]).toEqual([type, []]);
      expect(schemas.check(schema, { ...envelope, event_type: 'order.nope' })).not.toEqual([]);
      const { account_id: _, ...withoutAccount } = envelope.data as Record<string, unknown>;
      expect(schemas.check(schema, { ...envelope, data: withoutAccount })).not.toEqual([]);
    }
  });

  it('serves the event catalog\'s schemas as generated JSON Schema 2020-12', () => {
    const catalog = eventTypeCatalog();
    expect(catalog.map((e) => e.name)).toEqual([...SUBSCRIBABLE_EVENT_TYPES]);
    for (const e of catalog) {
      expect(e.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(e.description.length).toBeGreaterThan(10);
    }
  });
});
