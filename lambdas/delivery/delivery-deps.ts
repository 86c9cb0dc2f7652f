// The object graphs of the delivery functions (fan-out, deliver, sweeper, and the test route's
// fan-out), each built once per process from config() and the shared clients.
import { documentClient } from '../shared/aws-clients.js';
import { cipher } from '../shared/cipher.js';
import { config } from '../shared/config.js';
import { Logger } from '../shared/logger.js';
import { once } from '../shared/once.js';
import { deliveryQueue } from '../shared/sqs-client.js';
import { UrlGuard } from '../domain/url-guard.js';
import { DeliveryStore } from '../stores/delivery-store.js';
import { EndpointStore } from '../stores/endpoint-store.js';
import { EventStore } from '../stores/event-store.js';
import { RateLimitStore } from '../stores/rate-limit-store.js';
import { DeliveryRateGate } from '../domain/delivery-rate.js';
import { FanOutLeaseStore } from '../stores/fan-out-lease-store.js';
import { JobStore } from '../stores/job-store.js';
import { OrderedJobStore } from '../stores/ordered-job-store.js';
import { RejectedEventStore } from '../stores/rejected-event-store.js';
import { WebhookStore } from '../stores/webhook-store.js';
import { DeliveryWorker } from './delivery-worker.js';
import { EndpointTracker } from './endpoint-tracker.js';
import { FanOut } from './fan-out.js';
import { HttpSender } from './http-sender.js';
import { RequestedJobs } from './requested-jobs.js';
import { Sweeper } from './sweeper.js';
import { PartnerWebhooks, WebhookLookup } from './webhook-lookup.js';
import { continueRecover } from './recover.js';
import { type RecoverTask, recoverMessage } from '../domain/delivery.js';

export const logger = /* @__PURE__ */ once(() => Logger.fromConfig(config()));

const stores = /* @__PURE__ */ once(() => {
  const { tables } = config();
  const db = documentClient();
  return {
    webhookStore: new WebhookStore(db, tables.webhooks),
    events: new EventStore(db, tables.events),
    jobs: new JobStore(db, tables.jobs),
    history: new DeliveryStore(db, tables.deliveries),
    orderedJobs: new OrderedJobStore(db, tables.orderedJobs),
  };
});

export const fanOutGraph = /* @__PURE__ */ once(() => {
  const { webhookStore, events, jobs, history, orderedJobs } = stores();
  return {
    logger: logger(),
    fanOut: new FanOut({
      webhooks: new PartnerWebhooks(webhookStore, config().partnerWebhooksCacheTtlMs),
      events,
      leases: new FanOutLeaseStore(documentClient(), config().tables.fanOuts),
      fanOutLeaseMs: config().fanOutLeaseSeconds * 1000,
      jobs,
      history,
      queue: deliveryQueue(),
      orderedJobs,
    }),
    rejectedEvents: new RejectedEventStore(documentClient(), config().tables.rejectedEvents),
  };
});

/** The deliveries a partner asks for: the test route's, and the re-queues of redeliver and recover. */
export const requestedJobs = /* @__PURE__ */ once(() => {
  const { events, jobs } = stores();
  return new RequestedJobs({ events, jobs, queue: deliveryQueue(), requeueLeaseMs: config().sweepLeaseSeconds * 1000 });
});

/** The redeliver and recover routes (SPEC §7): the requested jobs' re-queue, with the stored jobs, events and history. */
export const redeliveryGraph = /* @__PURE__ */ once(() => {
  const { events, jobs, history } = stores();
  return { events, jobs, history, requestedJobs: requestedJobs(), tasks: recoverTasks(), budgetMs: config().recoverBudgetMs };
});

/** Recover tasks travel on the slow lane, away from fresh deliveries. */
const recoverTasks = () => ({
  send: async (task: RecoverTask) => {
    const [result] = await deliveryQueue().send('slow', [{ message: recoverMessage(task) }]);
    if (!result?.ok) throw new Error(`the queue refused a recover task: ${result && !result.ok ? result.reason : 'no answer'}`);
  },
});

export const deliveryGraph = /* @__PURE__ */ once(() => {
  const cfg = config();
  const { webhookStore, events, jobs, history, orderedJobs } = stores();
  const worker = new DeliveryWorker({
    jobs,
    orderedJobs,
    events,
    webhooks: new WebhookLookup(webhookStore, cfg.webhookCacheTtlMs),
    endpoints: new EndpointTracker({ store: new EndpointStore(documentClient(), cfg.tables.endpoints), policy: cfg.isolation, cacheTtlMs: cfg.endpointCacheTtlMs }),
    history,
    disabler: webhookStore,
    autoDisableAfterMs: cfg.autoDisableAfterMs,
    cipher: cipher(),
    sender: new HttpSender(new UrlGuard({ allowLoopback: cfg.allowLoopbackUrls }), cfg.deliveryTimeoutMs),
    retryPolicy: cfg.retryPolicy,
    parkAfterSeconds: cfg.parkAfterSeconds,
    fastLaneDeadlineMs: cfg.fastLaneDeadlineMs,
    rateGate: new DeliveryRateGate(new RateLimitStore(documentClient(), cfg.tables.rateLimits)),
    recover: (task) => continueRecover({ ...redeliveryGraph(), webhooks: webhookStore }, task),
  });
  return { logger: logger(), worker, queue: deliveryQueue() };
});

export const sweeperGraph = /* @__PURE__ */ once(() => ({
  logger: logger(),
  sweeper: new Sweeper({ jobs: stores().jobs, queue: deliveryQueue(), leaseMs: config().sweepLeaseSeconds * 1000, budgetMs: config().sweepBudgetMs }),
  /** Events whose fan-out died between storing and queueing them (FanOut.finishAbandoned). */
  fanOut: fanOutGraph().fanOut,
}));
