// The route table of SPEC §2, defined once. The CDK stack makes one API Gateway route per entry
// and one Lambda per name (entry file `lambdas/<name>.handler.ts`); the local runtime routes with the
// same list, and requests that match nothing go to the fallback handler, as API Gateway's
// `$default` route does.
import type { Scope } from './domain/scopes.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type RouteDefinition = {
  name: string;
  method: HttpMethod;
  /** API Gateway path syntax: `{param}` matches one segment. */
  path: string;
  /** null: a public route (no authentication, no per-key rate limit). */
  scope: Scope | null;
};

const route = <N extends string, S extends Scope | null>(name: N, method: HttpMethod, path: string, scope: S) =>
  ({ name, method, path, scope }) as const;

export const ROUTES = {
  createWebhook: route('create-webhook', 'POST', '/v1/webhooks', 'webhooks:write'),
  listWebhooks: route('list-webhooks', 'GET', '/v1/webhooks', 'webhooks:read'),
  getWebhook: route('get-webhook', 'GET', '/v1/webhooks/{webhookId}', 'webhooks:read'),
  updateWebhook: route('update-webhook', 'PATCH', '/v1/webhooks/{webhookId}', 'webhooks:write'),
  deleteWebhook: route('delete-webhook', 'DELETE', '/v1/webhooks/{webhookId}', 'webhooks:write'),
  testWebhook: route('test-webhook', 'POST', '/v1/webhooks/{webhookId}/test', 'webhooks:write'),
  listDeliveries: route('list-deliveries', 'GET', '/v1/webhooks/{webhookId}/deliveries', 'webhooks:read'),
  // SPEC §7: operating deliveries.
  redeliverEvent: route('redeliver-event', 'POST', '/v1/webhooks/{webhookId}/events/{eventId}/redeliver', 'webhooks:write'),
  recoverEvents: route('recover-events', 'POST', '/v1/webhooks/{webhookId}/recover', 'webhooks:write'),
  rotateSecret: route('rotate-secret', 'POST', '/v1/webhooks/{webhookId}/rotate-secret', 'webhooks:write'),
  // SPEC §8. The event types answer any valid key, whatever its scope (ANY_SCOPE_ROUTES below).
  listEventTypes: route('list-event-types', 'GET', '/v1/event-types', 'webhooks:read'),
  getOpenApi: route('get-openapi', 'GET', '/v1/openapi.json', null),
  // SPEC §11: the addresses deliveries come from (any valid key, like the event types).
  getEgressIps: route('get-egress-ips', 'GET', '/v1/egress-ips', 'webhooks:read'),
  // The integrator portal (SPEC §10): the page and its hashed assets, one function, no API key
  // (the page signs in through the API above).
  portal: route('portal', 'GET', '/portal', null),
  portalAsset: route('portal', 'GET', '/portal/{asset}', null),
} satisfies Record<string, RouteDefinition>;

export const ROUTE_LIST: readonly RouteDefinition[] = Object.values(ROUTES);

/** Routes any valid key may call, whatever its scope: the event catalog and the egress addresses are the same for every partner. */
export const ANY_SCOPE_ROUTES: ReadonlySet<string> = new Set([ROUTES.listEventTypes.name, ROUTES.getEgressIps.name]);

/** The handler for everything no route matches (API Gateway `$default`). */
export const FALLBACK_HANDLER = 'fallback';

const templateRegex = (path: string) =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`);
const compiled = ROUTE_LIST.map((r) => ({ route: r, regex: templateRegex(r.path) }));

export type RouteMatch =
  | { kind: 'route'; route: RouteDefinition; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: HttpMethod[] }
  | { kind: 'not-found' };

/** Matches a request the way API Gateway does: exact method and path template. */
export function matchRoute(method: string, path: string): RouteMatch {
  const byPath = compiled.filter((c) => c.regex.test(path));
  if (byPath.length === 0) return { kind: 'not-found' };
  const hit = byPath.find((c) => c.route.method === method.toUpperCase());
  if (!hit) return { kind: 'method-not-allowed', allow: byPath.map((c) => c.route.method) };
  const groups = hit.regex.exec(path)?.groups ?? {};
  const pathParameters = Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, safeDecode(v)]));
  return { kind: 'route', route: hit.route, pathParameters };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
