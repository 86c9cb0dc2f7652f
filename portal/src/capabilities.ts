// Which optional parts of the API this build of the portal offers, decided at build time from the
// route table the API itself is built from (lambdas/routes.ts): a part appears as its route lands.
import { ROUTE_LIST } from '../../lambdas/routes.js';

const has = (method: string, path: string) => ROUTE_LIST.some((r) => r.method === method && r.path === path);

export const CAPABILITIES = {
  /** SPEC §7: POST /v1/webhooks/{webhookId}/events/{eventId}/redeliver */
  redeliver: has('POST', '/v1/webhooks/{webhookId}/events/{eventId}/redeliver'),
  /** SPEC §7: POST /v1/webhooks/{webhookId}/recover */
  recover: has('POST', '/v1/webhooks/{webhookId}/recover'),
  /** SPEC §7: POST /v1/webhooks/{webhookId}/rotate-secret */
  rotateSecret: has('POST', '/v1/webhooks/{webhookId}/rotate-secret'),
} as const;
