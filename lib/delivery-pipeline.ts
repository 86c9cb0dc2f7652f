// The event path: bus rule → fan-out function → fast lane queue → `deliver`; endpoints that answer
// slowly are moved to the slow lane queue → `deliver-slow` (SPEC §9: their own queue, function and
// concurrency); the sweeper on a schedule re-queues parked retries (lambdas/delivery/sweeper.ts).
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { FAN_OUT_RULE_PATTERN } from '../lambdas/domain/event-rule.js';
import type { Lane } from '../lambdas/domain/delivery.js';
import { DELIVERY_FUNCTION_TIMEOUT_SECONDS, DELIVERY_QUEUES } from '../lambdas/stores/queue-definitions.js';
import { DELIVERY_FUNCTIONS } from './function-access.js';
import { FUNCTION_MEMORY_MB } from './function-memory.js';
import type { StageConfig } from './stage-config.js';
import { WebhookFunction } from './webhook-function.js';
import type { StaticEgress } from './static-egress.js';
import type { WebhooksState } from './webhooks-state.js';
import { metricsEnvironment } from './webhooks-dashboard.js';

/**
 * An asynchronous invocation's failure record goes to a queue, with only sqs:SendMessage on it: what
 * Lambda needs. (SqsDestination also grants GetQueueUrl and GetQueueAttributes, and on an encrypted
 * queue kms:ReEncrypt* and kms:GenerateDataKey* without condition; DataKey grants the key instead.)
 */
class DeadLetterQueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    return { destination: this.queue.queueArn };
  }
}

/** How often the sweeper re-queues parked jobs that are due (and jobs whose queue message was lost). */
export const SWEEP_INTERVAL = Duration.minutes(1);

export type DeliveryPipelineProps = {
  state: WebhooksState;
  stage: StageConfig;
  /** Static egress (SPEC §11): the delivery functions send from its addresses. */
  egress?: StaticEgress;
};

export class DeliveryPipeline extends Construct {
  readonly fanOut: WebhookFunction;
  /** The fast lane's delivery function (`deliver`). */
  readonly deliver: WebhookFunction;
  /** Each lane's delivery function. */
  readonly deliverers: Record<Lane, WebhookFunction>;
  readonly sweeper: WebhookFunction;
  readonly fanOutRule: events.Rule;
  readonly sweepSchedule: events.Rule;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DeliveryPipelineProps,
  ) {
    super(scope, id);
    this.fanOut = this.fanOutFunction();
    this.fanOutRule = this.routeEventsTo(this.fanOut);

    // One delivery function per lane: the same core (lambdas/delivery/deliver-batch.ts) on its
    // lane's queue, with its own event source concurrency and reserved concurrency.
    this.deliverers = {
      fast: this.deliverer('fast', 'Deliver', {
        description: 'Buildmarkets Webhooks: signed delivery attempts from the fast lane queue',
        maxConcurrency: props.stage.deliveryMaxConcurrency,
        reservedConcurrency: props.stage.deliveryReservedConcurrency,
      }),
      slow: this.deliverer('slow', 'DeliverSlow', {
        description: 'Buildmarkets Webhooks: signed delivery attempts to slow endpoints, from the slow lane queue',
        maxConcurrency: props.stage.slowDeliveryMaxConcurrency,
        reservedConcurrency: props.stage.slowDeliveryReservedConcurrency,
      }),
    };
    this.deliver = this.deliverers.fast;

    this.sweeper = this.sweeperFunction();
    this.sweepSchedule = this.scheduleSweeps(this.sweeper);
  }

  private fanOutFunction(): WebhookFunction {
    const { state, stage } = this.props;
    const fanOut = new WebhookFunction(this, 'FanOut', {
      name: 'fan-out',
      description: 'Buildmarkets Webhooks: EventBridge event → one delivery job per subscribed webhook',
      state,
      stage,
      // FAN_OUT_LEASE_SECONDS (60 s by default) must stay above this: a live fan-out is never taken over.
      timeout: Duration.seconds(30),
      reservedConcurrentExecutions: stage.fanOutReservedConcurrency,
      environment: { PARTNER_WEBHOOKS_CACHE_TTL_MS: String(stage.fanOutWebhookCacheMs) },
    });
    // EventBridge invokes asynchronously: a thrown error (e.g. DynamoDB unavailable) is retried by
    // Lambda, then the event goes to the fan-out DLQ — never silently dropped.
    fanOut.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new DeadLetterQueueDestination(state.fanOutDeadLetterQueue),
    });
    // Lambda sends failure records with the function's role: under the data key, SQS uses the key with it.
    state.dataKey?.grantQueues(fanOut.role, 'send');
    return fanOut;
  }

  /** The bus rule that hands platform events to the fan-out. */
  private routeEventsTo(fanOut: WebhookFunction): events.Rule {
    const { state } = this.props;
    const rule = new events.Rule(this, 'FanOutRule', {
      eventBus: state.eventBus,
      description: 'Buildmarkets platform events (source buildmarkets.*) → webhook fan-out',
      // The same pattern the local runtime's PutEvents endpoint matches with.
      eventPattern: FAN_OUT_RULE_PATTERN as unknown as events.EventPattern,
    });
    // EventBridge's own retry (throttling, invocation errors) and DLQ for what it cannot hand over.
    rule.addTarget(
      new targets.LambdaFunction(fanOut.fn, {
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: state.fanOutDeadLetterQueue,
      }),
    );
    return rule;
  }

  private sweeperFunction(): WebhookFunction {
    const { state, stage } = this.props;
    return new WebhookFunction(this, 'Sweeper', {
      name: 'sweeper',
      description: 'Buildmarkets Webhooks: re-queue parked delivery jobs that are due',
      state,
      stage,
      timeout: Duration.seconds(60),
      memorySize: FUNCTION_MEMORY_MB.sweeper,
      // Its lag (SweepLag, EMF) has an alarm.
      environment: metricsEnvironment(stage),
    });
  }

  private scheduleSweeps(sweeper: WebhookFunction): events.Rule {
    const { sweeperParts } = this.props.stage;
    return new events.Rule(this, 'SweepSchedule', {
      description: 'Buildmarkets Webhooks sweeper',
      schedule: events.Schedule.rate(SWEEP_INTERVAL),
      // One invocation per part of the due shards (lambdas/sweeper.handler.ts); part 0 also
      // finishes abandoned fan-outs. A missed sweep is made up by the next one.
      targets: Array.from(
        { length: sweeperParts },
        (_, part) => new targets.LambdaFunction(sweeper.fn, { retryAttempts: 0, event: events.RuleTargetInput.fromObject({ part, parts: sweeperParts }) }),
      ),
    });
  }

  private deliverer(
    lane: Lane,
    id: string,
    options: { description: string; maxConcurrency: number; reservedConcurrency: number | undefined },
  ): WebhookFunction {
    const { state, stage } = this.props;
    const fn = new WebhookFunction(this, id, {
      name: DELIVERY_FUNCTIONS[lane],
      description: options.description,
      state,
      stage,
      timeout: Duration.seconds(DELIVERY_FUNCTION_TIMEOUT_SECONDS),
      memorySize: FUNCTION_MEMORY_MB.deliver,
      environment: { RETRY_SCHEDULE_SECONDS: stage.retrySchedule, WEBHOOK_CACHE_TTL_MS: String(stage.deliveryWebhookCacheMs), ...metricsEnvironment(stage) },
      reservedConcurrentExecutions: options.reservedConcurrency,
      ...(this.props.egress ? { network: this.props.egress.network } : {}),
    });
    fn.fn.addEventSource(
      new SqsEventSource(state.deliveryQueues[lane], {
        batchSize: DELIVERY_QUEUES[lane].batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: options.maxConcurrency,
      }),
    );
    return fn;
  }

  get functions(): WebhookFunction[] {
    return [this.fanOut, this.deliverers.fast, this.deliverers.slow, this.sweeper];
  }
}
