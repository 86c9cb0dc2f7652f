// The event path: bus rule → fan-out function → delivery queue → delivery function, plus the
// sweeper on a schedule (the crash-safety net of lambdas/delivery/sweeper.ts).
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { FAN_OUT_RULE_PATTERN } from '../lambdas/domain/event-rule.js';
import { DELIVERY_FUNCTION_TIMEOUT_SECONDS, DELIVERY_QUEUE } from '../lambdas/stores/queue-definitions.js';
import type { StageConfig } from './stage-config.js';
import { WebhookFunction } from './webhook-function.js';
import type { WebhooksState } from './webhooks-state.js';

/** How often the sweeper looks for pending jobs whose queue message was lost. */
export const SWEEP_INTERVAL = Duration.minutes(1);

export type DeliveryPipelineProps = { state: WebhooksState; stage: StageConfig };

export class DeliveryPipeline extends Construct {
  readonly fanOut: WebhookFunction;
  readonly deliver: WebhookFunction;
  readonly sweeper: WebhookFunction;
  readonly fanOutRule: events.Rule;
  readonly sweepSchedule: events.Rule;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const { state, stage } = props;

    this.fanOut = new WebhookFunction(this, 'FanOut', {
      name: 'fan-out',
      description: 'Buildmarkets Webhooks: EventBridge event → one delivery job per subscribed webhook',
      state,
      stage,
      timeout: Duration.seconds(30),
    });
    // EventBridge invokes asynchronously: a thrown error (e.g. DynamoDB unavailable) is retried by
    // Lambda, then the event goes to the fan-out DLQ — never silently dropped.
    this.fanOut.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(state.fanOutDeadLetterQueue),
    });
    this.fanOutRule = new events.Rule(this, 'FanOutRule', {
      eventBus: state.eventBus,
      description: 'Buildmarkets platform events (source buildmarkets.*) → webhook fan-out',
      // The same pattern the local runtime's PutEvents endpoint matches with.
      eventPattern: FAN_OUT_RULE_PATTERN as unknown as events.EventPattern,
    });
    // EventBridge's own retry (throttling, invocation errors) and DLQ for what it cannot hand over.
    this.fanOutRule.addTarget(
      new targets.LambdaFunction(this.fanOut.fn, {
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: state.fanOutDeadLetterQueue,
      }),
    );

    this.deliver = new WebhookFunction(this, 'Deliver', {
      name: 'deliver',
      description: 'Buildmarkets Webhooks: signed delivery attempts from the delivery queue',
      state,
      stage,
      timeout: Duration.seconds(DELIVERY_FUNCTION_TIMEOUT_SECONDS),
      memorySize: 512,
      environment: { RETRY_SCHEDULE_SECONDS: stage.retrySchedule },
    });
    this.deliver.fn.addEventSource(
      new SqsEventSource(state.deliveryQueue, {
        batchSize: DELIVERY_QUEUE.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: stage.deliveryMaxConcurrency,
      }),
    );

    this.sweeper = new WebhookFunction(this, 'Sweeper', {
      name: 'sweeper',
      description: 'Buildmarkets Webhooks: re-queue overdue pending delivery jobs',
      state,
      stage,
      timeout: Duration.seconds(60),
    });
    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: 'Buildmarkets Webhooks sweeper',
      schedule: events.Schedule.rate(SWEEP_INTERVAL),
      // A missed sweep is made up by the next one.
      targets: [new targets.LambdaFunction(this.sweeper.fn, { retryAttempts: 0 })],
    });
  }

  get functions(): WebhookFunction[] {
    return [this.fanOut, this.deliver, this.sweeper];
  }
}
