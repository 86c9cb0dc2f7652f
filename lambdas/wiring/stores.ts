// The stores every function's graph is built from (wiring/api.ts, wiring/delivery.ts): each built
// once per process on first use, over the shared document client, with its table from config().
// One builder per store, so a function bundles only the stores its graph uses (STYLE 15), and the
// same store has the same name in every graph.
import { documentClient } from '../shared/aws-clients.js';
import { config } from '../shared/config.js';
import { once } from '../shared/once.js';
import { ApiKeyStore } from '../stores/api-key-store.js';
import { DeliveryStore } from '../stores/delivery-store.js';
import { EndpointStore } from '../stores/endpoint-store.js';
import { EventStore } from '../stores/event-store.js';
import { FanOutLeaseStore } from '../stores/fan-out-lease-store.js';
import { JobStore } from '../stores/job-store.js';
import { OrderedJobStore } from '../stores/ordered-job-store.js';
import { RateLimitStore } from '../stores/rate-limit-store.js';
import { RejectedEventStore } from '../stores/rejected-event-store.js';
import { WebhookStore } from '../stores/webhook-store.js';

export const webhookStore = /* @__PURE__ */ once(() => new WebhookStore(documentClient(), config().tables.webhooks));
export const apiKeyStore = /* @__PURE__ */ once(() => new ApiKeyStore(documentClient(), config().tables.apiKeys));
export const rateLimitStore = /* @__PURE__ */ once(() => new RateLimitStore(documentClient(), config().tables.rateLimits));
export const endpointStore = /* @__PURE__ */ once(() => new EndpointStore(documentClient(), config().tables.endpoints));
/** The delivery attempt history (SPEC §5; the deliveries table). */
export const historyStore = /* @__PURE__ */ once(() => new DeliveryStore(documentClient(), config().tables.deliveries));
export const eventStore = /* @__PURE__ */ once(() => new EventStore(documentClient(), config().tables.events));
export const jobStore = /* @__PURE__ */ once(() => new JobStore(documentClient(), config().tables.jobs));
export const orderedJobStore = /* @__PURE__ */ once(() => new OrderedJobStore(documentClient(), config().tables.orderedJobs));
export const fanOutLeaseStore = /* @__PURE__ */ once(() => new FanOutLeaseStore(documentClient(), config().tables.fanOuts));
export const rejectedEventStore = /* @__PURE__ */ once(() => new RejectedEventStore(documentClient(), config().tables.rejectedEvents));
