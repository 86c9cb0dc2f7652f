// The OpenAPI 3.1 document of the API (SPEC §8), generated from the route table, the zod schemas
// the handlers parse with, the response schemas of ./schemas.ts and the event catalog — never a
// hand-kept copy. Built on first request by the get-openapi function only.
import * as z from 'zod';
import { API_VERSION } from '../domain/envelope.js';
import { ERROR_STATUS, type ErrorCode } from '../domain/errors.js';
import { EVENT_DESCRIPTIONS, EVENT_TYPES, type EventType, TEST_EVENT_TYPE } from '../domain/event-catalog.js';
import { ANY_SCOPE_ROUTES, ROUTE_LIST, type RouteDefinition } from '../routes.js';
import { OPERATIONS, type OperationDoc, PATH_PARAMETERS, REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './operations.js';
import { ERROR_CODES, envelopeSchema } from './schemas.js';

type Json = Record<string, unknown>;

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema, without `$schema`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as Json;
  return rest;
}

const ref = (kind: 'schemas' | 'headers' | 'parameters', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const envelopeName = (type: EventType) => `Envelope.${type}`;

const HEADERS: Record<string, Json> = {
  'X-Request-Id': { description: 'Identifies the request; equals `error.request_id` in errors.', schema: { type: 'string' } },
  Link: {
    description: 'Present when another page exists: `</v1/...?cursor=...&limit=...>; rel="next"`.',
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
  'X-Content-Type-Options': { description: 'Always `nosniff`.', schema: { type: 'string', enum: ['nosniff'] } },
  'Cache-Control': {
    description: '`no-store` on every API answer (some carry a webhook secret); this document itself says `public, max-age=300`.',
    schema: { type: 'string' },
  },
};

/** Headers every API answer carries. */
const COMMON_HEADERS = {
  'X-Request-Id': ref('headers', 'X-Request-Id'),
  'X-Content-Type-Options': ref('headers', 'X-Content-Type-Options'),
  'Cache-Control': ref('headers', 'Cache-Control'),
};

/** Headers of every delivery (SPEC §4). */
const DELIVERY_HEADERS: Record<string, Json> = {
  'X-TAPP-Signature': {
    description: 'Lowercase hex HMAC-SHA256 of the raw body, keyed with the whole secret string (`whsec_…`).',
    schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' },
  },
  'X-TAPP-Signature-Previous': {
    description:
      'Only while a rotated-out secret is still valid (SPEC §7, rotate-secret): the same HMAC as X-TAPP-Signature, keyed with the previous secret.',
    required: false,
    schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' },
  },
  'webhook-id': { description: 'Standard Webhooks message id: the `event_id`.', schema: { type: 'string', format: 'uuid' } },
  'webhook-timestamp': { description: 'Standard Webhooks timestamp, unix seconds; reject old ones (5 min).', schema: { type: 'string', pattern: '^[0-9]+$' } },
  'webhook-signature': {
    description:
      'Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part of the secret after `whsec_`. Space-separated when there are several; any one that matches is enough.',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+=*( v1,[A-Za-z0-9+/]+=*)*$' },
  },
  'X-TAPP-Event-Type': { description: 'The event type.', schema: { type: 'string', enum: [...EVENT_TYPES] } },
  'X-TAPP-Event-Id': { description: 'The `event_id`, stable across retries.', schema: { type: 'string', format: 'uuid' } },
  'X-TAPP-Delivery-Id': { description: 'The envelope `id`, new for every attempt.', schema: { type: 'string', format: 'uuid' } },
  'User-Agent': { description: 'Always this value.', schema: { type: 'string', const: 'Buildmarkets-Webhooks/1.0' } },
};

/** Errors a route has by its nature; the registry entry adds its own. */
function errorCodes(route: RouteDefinition, doc: OperationDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>(doc.errors ?? []);
  if (route.scope !== null) {
    codes.add('UNAUTHORIZED');
    if (!ANY_SCOPE_ROUTES.has(route.name)) codes.add('FORBIDDEN');
    codes.add('RATE_LIMITED');
  }
  if (doc.body) for (const c of ['INVALID_JSON', 'VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) codes.add(c);
  if (route.path.includes('{webhookId}')) codes.add('WEBHOOK_NOT_FOUND');
  codes.add('INTERNAL_ERROR');
  return ERROR_CODES.filter((c) => codes.has(c));
}

function errorResponses(codes: ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      String(status),
      {
        description: group.join(', '),
        headers: { ...COMMON_HEADERS, ...(status === 429 ? { 'Retry-After': ref('headers', 'Retry-After') } : {}) },
        content: {
          'application/json': {
            schema: {
              allOf: [ref('schemas', 'Error'), { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: group } } } } }],
            },
          },
        },
      },
    ]),
  );
}

function parameters(route: RouteDefinition, doc: OperationDoc): Json[] {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: PATH_PARAMETERS[name!] ?? name,
    schema: { type: 'string', format: 'uuid' },
  }));
  if (!doc.query) return path;
  const query = jsonSchema(doc.query.schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return [
    ...path,
    ...Object.entries(query.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: query.required?.includes(name) ?? false,
      ...(doc.query!.descriptions[name] ? { description: doc.query!.descriptions[name] } : {}),
      schema,
    })),
  ];
}

/** camelCase of the route name; routes that share a function (and name) are numbered after the first. */
function operationId(route: RouteDefinition): string {
  const sameName = ROUTE_LIST.filter((r) => r.name === route.name);
  const n = sameName.indexOf(route);
  return route.name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) + (n > 0 ? String(n + 1) : '');
}

function operation(route: RouteDefinition): Json {
  const doc = OPERATIONS[route.name];
  if (!doc) throw new Error(`Route ${route.name} has no entry in lambdas/openapi/operations.ts`);
  const { success } = doc;
  const body = success.schema ? (success.array ? { type: 'array', items: ref('schemas', success.schema) } : ref('schemas', success.schema)) : undefined;
  const roles = route.scope === null || ANY_SCOPE_ROUTES.has(route.name) ? [] : [route.scope];
  const scopeNote = route.scope === null ? 'No authentication.' : roles.length ? `Scope: \`${roles[0]}\`.` : 'Any valid API key, either scope.';
  return {
    operationId: operationId(route),
    summary: doc.summary,
    description: [doc.description, scopeNote].filter(Boolean).join('\n\n'),
    tags: [doc.tag],
    ...(route.scope === null ? { security: [] } : { security: [{ ApiKey: roles, ApiSecret: roles }, { Basic: roles }] }),
    parameters: parameters(route, doc),
    ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', doc.body) } } } } : {}),
    responses: {
      [String(success.status)]: {
        description: success.description,
        headers: { ...COMMON_HEADERS, ...(success.paginated ? { Link: ref('headers', 'Link') } : {}) },
        ...(body ? { content: { 'application/json': { schema: body } } } : {}),
        ...(success.mediaTypes ? { content: Object.fromEntries(success.mediaTypes.map((type) => [type, { schema: { type: 'string' } }])) } : {}),
      },
      ...errorResponses(errorCodes(route, doc)),
    },
  };
}

function webhook(type: EventType): Json {
  return {
    post: {
      operationId: `deliver:${type}`,
      summary: type,
      description: `${EVENT_DESCRIPTIONS[type]}\n\nPOSTed to the webhook URL, signed (see docs/signatures.md). Deduplicate on \`event_id\`.`,
      tags: ['Events'],
      security: [],
      parameters: Object.keys(DELIVERY_HEADERS).map((name) => ref('parameters', name)),
      requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', envelopeName(type)) } } },
      responses: {
        '2XX': { description: 'Delivered. Any 2xx within 10 s is success; the body is ignored.' },
        default: {
          description: 'Anything else (3xx — redirects are not followed —, 4xx, 5xx, no answer within 10 s) is a failed attempt, retried after 5 min, 30 min, 2 h, 5 h and 10 h.',
        },
      },
    },
  };
}

function build(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of ROUTE_LIST) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  const schemas: Record<string, Json> = {
    ...Object.fromEntries(Object.entries(REQUEST_SCHEMAS).map(([name, s]) => [name, jsonSchema(s, 'input')])),
    ...Object.fromEntries(Object.entries(RESPONSE_SCHEMAS).map(([name, s]) => [name, jsonSchema(s, 'output')])),
    ...Object.fromEntries(EVENT_TYPES.map((t) => [envelopeName(t), jsonSchema(envelopeSchema(t), 'output')])),
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Buildmarkets Webhooks API',
      version: API_VERSION,
      description:
        'Register HTTPS endpoints and receive signed, retried, logged deliveries of Buildmarkets events. ' +
        `Every error is \`{"error": {"code", "message", "field"?, "request_id"}}\`; every response carries X-Request-Id. ` +
        `Rate limits are per API key (429 RATE_LIMITED with Retry-After). The deliveries themselves are under \`webhooks\`; ${TEST_EVENT_TYPE} is sent only by the test route.`,
    },
    tags: [
      { name: 'Webhooks', description: 'Register and manage endpoints.' },
      { name: 'Deliveries', description: 'Delivery history and test events.' },
      { name: 'Discovery', description: 'The event catalog and this document.' },
      { name: 'Events', description: 'What is POSTed to your endpoint.' },
    ],
    security: [{ ApiKey: [], ApiSecret: [] }, { Basic: [] }],
    paths,
    webhooks: Object.fromEntries(EVENT_TYPES.map((t) => [t, webhook(t)])),
    components: {
      schemas,
      headers: HEADERS,
      parameters: Object.fromEntries(
        Object.entries(DELIVERY_HEADERS).map(([name, p]) => [name, { name, in: 'header', required: true, ...p }]),
      ),
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The API key (`bmk_…`), sent with X-API-Secret.' },
        ApiSecret: { type: 'apiKey', in: 'header', name: 'X-API-Secret', description: 'The API secret (`bms_…`), sent with X-API-Key.' },
        Basic: { type: 'http', scheme: 'basic', description: 'Alternatively `Authorization: Basic base64(key:secret)`.' },
      },
    },
  };
}

let document: Json | undefined;

/** The document, built once per process. */
export function openApiDocument(): Json {
  return (document ??= build());
}
