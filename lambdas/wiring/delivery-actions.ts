// The graph of the partner's delivery actions — the test route, and SPEC §7's redeliver and
// recover: the API's WebhookService (wiring/api.ts) beside the deliveries the partner asks for
// (RequestedJobs, recover runs: wiring/delivery.ts), with the stored events and history a
// redelivery reads. Only these routes import it, so only they bundle the SQS client.
import { once } from '../shared/once.js';
import { apiGraph } from './api.js';
import { recoverRun } from './delivery.js';
import { eventStore, historyStore } from './stores.js';

export const deliveryActionsGraph = /* @__PURE__ */ once(() => ({
  webhooks: apiGraph().webhooks,
  environment: apiGraph().config.environment,
  events: eventStore(),
  history: historyStore(),
  ...recoverRun(),
}));
