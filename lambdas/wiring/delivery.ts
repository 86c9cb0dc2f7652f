// The object graphs of the delivery functions (fan-out, deliver on either lane, sweeper), and the
// deliveries a partner asks for (RequestedJobs, recover runs) that the API's test, redeliver and
// recover routes use too (wiring/api.ts). Each is built once per process from config(), the
// shared clients and the stores (stores.ts); the handlers hand them to the cores.
import { type RecoverTask, recoverMessage } from '../domain/delivery.js';
import { DeliveryRateGate } from '../domain/delivery-rate.js';
import { UrlGuard } from '../domain/url-guard.js';
import { DeliveryWorker } from '../delivery/delivery-worker.js';
import { EndpointLanes } from '../delivery/endpoint-lanes.js';
import { EndpointTracker } from '../delivery/endpoint-tracker.js';
import { FanOut } from '../delivery/fan-out.js';
import { HttpSender } from '../delivery/http-sender.js';
import { continueRecover } from '../delivery/recover.js';
import { RequestedJobs } from '../delivery/requested-jobs.js';
import { Sweeper } from '../delivery/sweeper.js';
import { PartnerWebhooks, WebhookLookup } from '../delivery/webhook-lookup.js';
import { config } from '../shared/config.js';
import { Logger } from '../shared/logger.js';
import { once } from '../shared/once.js';
import { deliveryQueue } from '../shared/sqs-client.js';
import { cipher } from './cipher.js';
import {
  endpointStore,
  eventStore,
  fanOutLeaseStore,
  historyStore,
  jobStore,
  orderedJobStore,
  rateLimitStore,
  rejectedEventStore,
  webhookStore,
} from './stores.js';

export const logger = /* @__PURE__ */ once(() => Logger.fromConfig(config()));

/** The fan-out function: accepts bus events (delivery/accept-event.ts). */
export const fanOutGraph = /* @__PURE__ */ once(() => ({
  logger: logger(),
  environment: config().environment,
  fanOut: new FanOut({
    webhooks: new PartnerWebhooks(webhookStore(), config().partnerWebhooksCacheTtlMs),
    events: eventStore(),
    leases: fanOutLeaseStore(),
    fanOutLeaseMs: config().fanOutLeaseSeconds * 1000,
    jobs: jobStore(),
    history: historyStore(),
    queue: deliveryQueue(),
    orderedJobs: orderedJobStore(),
    lanes: new EndpointLanes(endpointStore(), config().endpointCacheTtlMs),
  }),
  rejectedEvents: rejectedEventStore(),
}));

/** The deliveries a partner asks for: the test route's, and the re-queues of redeliver and recover. */
export const requestedJobs = /* @__PURE__ */ once(
  () => new RequestedJobs({ events: eventStore(), jobs: jobStore(), queue: deliveryQueue(), requeueLeaseMs: config().sweepLeaseSeconds * 1000 }),
);

/** One run of a recover (SPEC §7): the route's, and each background task's (delivery/recover.ts). */
export const recoverRun = /* @__PURE__ */ once(() => ({ jobs: jobStore(), requestedJobs: requestedJobs(), tasks: recoverTasks(), budgetMs: config().recoverBudgetMs, pageSize: config().recoverPageSize }));

/** Recover tasks travel on the slow lane, away from fresh deliveries. */
const recoverTasks = () => ({
  send: async (task: RecoverTask) => {
    const [result] = await deliveryQueue().send('slow', [{ message: recoverMessage(task) }]);
    if (!result?.ok) throw new Error(`the queue refused a recover task: ${result && !result.ok ? result.reason : 'no answer'}`);
  },
});

/** The delivery functions of both lanes (delivery/deliver-batch.ts). */
export const deliveryGraph = /* @__PURE__ */ once(() => {
  const cfg = config();
  const worker = new DeliveryWorker({
    jobs: jobStore(),
    orderedJobs: orderedJobStore(),
    events: eventStore(),
    webhooks: new WebhookLookup(webhookStore(), cfg.webhookCacheTtlMs),
    endpoints: new EndpointTracker({ store: endpointStore(), policy: cfg.isolation, cacheTtlMs: cfg.endpointCacheTtlMs }),
    history: historyStore(),
    disabler: webhookStore(),
    autoDisableAfterMs: cfg.autoDisableAfterMs,
    cipher: cipher(),
    sender: new HttpSender(new UrlGuard({ allowLoopback: cfg.allowLoopbackUrls }), cfg.deliveryTimeoutMs),
    retryPolicy: cfg.retryPolicy,
    parkAfterSeconds: cfg.parkAfterSeconds,
    fastLaneDeadlineMs: cfg.fastLaneDeadlineMs,
    rateGate: new DeliveryRateGate(rateLimitStore()),
    recover: (task) => continueRecover({ ...recoverRun(), webhooks: webhookStore() }, task),
  });
  return { logger: logger(), worker, queue: deliveryQueue(), config: cfg };
});

/** The scheduled sweeper (delivery/sweep.ts). */
export const sweeperGraph = /* @__PURE__ */ once(() => ({
  logger: logger(),
  metrics: config().metrics,
  sweeper: new Sweeper({ jobs: jobStore(), queue: deliveryQueue(), leaseMs: config().sweepLeaseSeconds * 1000, budgetMs: config().sweepBudgetMs }),
  /** Events whose fan-out died between storing and queueing them (FanOut.finishAbandoned). */
  fanOut: fanOutGraph().fanOut,
}));
