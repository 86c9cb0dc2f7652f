// SPEC §7's recover: every job of a webhook that ended failed or dropped in [since, until],
// re-queued once, oldest first (RequestedJobs.requeue writes each as its job's next version, leased).
//
// The request works through the ended-index page by page for at most `budgetMs`. A window too
// large for that (a day-long outage can leave millions of ended jobs) continues in the
// background: the request counts what is left, answers with the total, and queues a `recover`
// task on the slow lane, which goes on from where the request stopped, within the same budget
// per run, queueing its own continuation until the window is done. Re-queued jobs leave the
// index, so running recover again re-queues nothing the first run already did.
//
// Recovered jobs go to the slow lane, as the sweeper's re-queues do: a recover of a long outage
// never queues ahead of other partners' fresh deliveries. A task queued after the jobs it
// re-queued is received roughly behind them, which paces the chain to the slow lane's rate.
import * as z from 'zod';
import { type Clock, clockOf } from '../domain/clock.js';
import { type DeliveryJob, jobOf, type RecoverTask, type StoredJob } from '../domain/delivery.js';
import { ApiError } from '../domain/errors.js';
import type { Webhook } from '../domain/webhook.js';
import { requireActiveWebhook, type WebhookService } from '../domain/webhook-service.js';
import type { JobStore } from '../stores/job-store.js';
import type { RequestedJobs } from './requested-jobs.js';

/** SPEC §7: `since` at most this far back. */
export const RECOVER_MAX_AGE_DAYS = 14;

/**
 * How long the request counts what it hands on (a keys-only COUNT query, ~6,000 entries per page):
 * within the recover function's 29 s after the 10 s budget. A window too large to count in time
 * (several million ended jobs) is answered with what was counted: a lower bound.
 */
const COUNT_BUDGET_MS = 15_000;

/** Ended jobs of a page are re-read and re-queued this many at a time. */
const CHUNK = 25;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

export const recoverBody = z.strictObject({ since: isoTime, until: isoTime.optional() });
export type RecoverInput = z.infer<typeof recoverBody>;

export type RecoverRunDeps = {
  jobs: Pick<JobStore, 'get' | 'listEnded' | 'countEnded'>;
  requestedJobs: Pick<RequestedJobs, 'requeue'>;
  /** Queues the rest of a recover as a background task (the slow lane). */
  tasks: { send(task: RecoverTask): Promise<void> };
  /** How long one run (the request, or one background task) works before handing on the rest. */
  budgetMs: number;
  /** Ended jobs read per page of the index; the budget is checked between pages. */
  pageSize: number;
  now?: Clock;
};

export type RecoverDeps = RecoverRunDeps & { webhooks: Pick<WebhookService, 'require' | 'endpointBack'> };

/** POST /v1/webhooks/{webhookId}/recover: how many events are being delivered again. */
export async function recoverEvents(deps: RecoverDeps, partnerId: string, webhookId: string, input: RecoverInput): Promise<{ events: number }> {
  const now = clockOf(deps)();
  const since = new Date(input.since);
  // Never later than now: a job that fails again after this request ends after its window, so
  // the request's background tasks cannot find their own re-queued jobs again.
  const until = input.until === undefined || Date.parse(input.until) > now.getTime() ? now : new Date(input.until);
  if (since.getTime() < now.getTime() - RECOVER_MAX_AGE_DAYS * 86_400_000) {
    throw new ApiError('VALIDATION_ERROR', `since must be at most ${RECOVER_MAX_AGE_DAYS} days ago.`, 'since');
  }
  if (since.getTime() > until.getTime()) throw new ApiError('VALIDATION_ERROR', 'since must not be after until.', 'since');
  const webhook = await requireActiveWebhook(deps.webhooks, partnerId, webhookId, 'recover its events');
  await deps.webhooks.endpointBack(webhook.id); // SPEC §9: a partner action half-opens the circuit
  const task: RecoverTask = { partner_id: partnerId, webhook_id: webhook.id, since: since.toISOString(), until: until.toISOString() };
  const run = await recoverWithinBudget(deps, task);
  if (!run.rest) return { events: run.queued };
  // The rest is handed on first, so it is recovered even if counting it outlasts the function.
  await deps.tasks.send(run.rest);
  const left = await deps.jobs.countEnded(webhook.id, task.since, task.until, run.rest.after, clockOf(deps)().getTime() + COUNT_BUDGET_MS);
  return { events: run.queued + left };
}

/**
 * A background run of a recover task. It ends quietly when the webhook was deleted or disabled
 * since (a disabled webhook's jobs stay in the index, for a recover after it is enabled again).
 */
export async function continueRecover(
  deps: RecoverRunDeps & { webhooks: { get(partnerId: string, webhookId: string): Promise<Webhook | undefined> } },
  task: RecoverTask,
): Promise<{ queued: number; stopped?: 'webhook_deleted' | 'webhook_disabled' }> {
  const webhook = await deps.webhooks.get(task.partner_id, task.webhook_id);
  if (!webhook) return { queued: 0, stopped: 'webhook_deleted' };
  if (webhook.status !== 'active') return { queued: 0, stopped: 'webhook_disabled' };
  const run = await recoverWithinBudget(deps, task);
  if (run.rest) await deps.tasks.send(run.rest);
  return { queued: run.queued };
}

/** Re-queues ended jobs of the task's window, page by page, until done or out of time; `rest` is what is left. */
async function recoverWithinBudget(deps: RecoverRunDeps, task: RecoverTask): Promise<{ queued: number; rest?: RecoverTask }> {
  const now = clockOf(deps);
  const deadline = now().getTime() + deps.budgetMs;
  let queued = 0;
  let after = task.after;
  for (;;) {
    const page = await deps.jobs.listEnded(task.webhook_id, task.since, task.until, { limit: deps.pageSize, ...(after ? { after } : {}) });
    for (let i = 0; i < page.jobIds.length; i += CHUNK) {
      const found = await Promise.all(page.jobIds.slice(i, i + CHUNK).map((id) => deps.jobs.get(task.webhook_id, id.slice(task.webhook_id.length + 1))));
      queued += await deps.requestedJobs.requeue(found.flatMap(endedEntry), 'slow');
    }
    if (!page.last) return { queued };
    after = page.last;
    if (now().getTime() >= deadline) return { queued, rest: { ...task, after } };
  }
}

/** A job still ended when read consistently (the index lags, and a job re-queued since is not), as requeue takes it. */
function endedEntry(stored: StoredJob | undefined): { job: DeliveryJob; stored: StoredJob }[] {
  if (!stored || (stored.status !== 'failed' && stored.status !== 'dropped')) return [];
  // No data: it travels by reference, the worker reads it from the event store (kept 30 days).
  return [{ job: jobOf(stored), stored }];
}
