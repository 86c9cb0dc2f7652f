// When the delivery path disables a webhook by itself (SPEC §7), as one pure decision: at once
// when the endpoint answers 410 Gone; as Svix does, when its attempts have kept failing with no
// success for `afterMs` (AUTO_DISABLE_AFTER_SECONDS, 5 days). The failing time counts from the
// first failure since the last success (EndpointHealth.failingSince), but never from before the
// webhook's current active period: a webhook made active again gets the whole period anew.
import type { EndpointHealth } from './endpoint-health.js';
import type { DisabledReason, Webhook } from './webhook.js';

export const HTTP_GONE = 410;

export function autoDisableReason(
  result: { ok: boolean; httpStatus: number | null },
  health: Pick<EndpointHealth, 'failingSince'> | undefined,
  webhook: Pick<Webhook, 'activeSince'>,
  now: Date,
  afterMs: number,
): Exclude<DisabledReason, 'manual'> | undefined {
  if (result.ok) return undefined;
  if (result.httpStatus === HTTP_GONE) return 'gone';
  if (!health?.failingSince) return undefined;
  const since = Math.max(Date.parse(health.failingSince), Date.parse(webhook.activeSince));
  return now.getTime() - since >= afterMs ? 'failing' : undefined;
}
