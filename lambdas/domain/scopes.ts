// The scopes of SPEC §2, defined once: webhooks:read for GET routes, webhooks:write for the others.
export const SCOPES = ['webhooks:read', 'webhooks:write'] as const;
export type Scope = (typeof SCOPES)[number];
