// CloudWatch alarms: what an operator must look at. docs/deploy.md explains each one.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Lane } from '../lambdas/domain/delivery.js';
import { DELIVERY_ERROR_KINDS, DELIVERY_ERRORS_METRIC } from '../lambdas/delivery/delivery-metrics.js';
import { SWEEP_LAG_METRIC } from '../lambdas/delivery/sweeper.js';
import { LANES } from '../lambdas/domain/delivery.js';
import { metricsNamespace } from './webhooks-dashboard.js';
import { TABLES, type TableDefinition, type TableName } from '../lambdas/stores/table-definitions.js';
import { DELIVERY_FUNCTIONS } from './function-access.js';
import type { StageConfig } from './stage-config.js';
import type { WebhookFunction } from './webhook-function.js';
import type { WebhooksApi } from './webhooks-api.js';
import type { WebhooksState } from './webhooks-state.js';

/** API 5xx responses per 5 minutes that page (INTERNAL_ERROR answers count too). */
export const API_5XX_THRESHOLD = 5;
/** Deliveries due but not picked up: the delivery function is not keeping up or is failing. */
export const DELIVERY_BACKLOG_THRESHOLD = 1000;
/**
 * In-flight (received, not yet deleted) messages on a lane's queue: half of the ~120,000 a
 * standard queue holds. Long retry waits are parked in DynamoDB, so the normal level is the
 * rate × PARK_AFTER_SECONDS at most (docs/capacity.md).
 */
export const IN_FLIGHT_THRESHOLD = 60_000;
/** Throttled invocations of one function in 5 minutes. */
export const LAMBDA_THROTTLES_THRESHOLD = 1;
/** Read + write throttle events of one table (its indexes included) in 5 minutes. */
export const DYNAMODB_THROTTLES_THRESHOLD = 10;
/** Our own delivery errors (throttles, timeouts, other: DeliveryErrors) in 5 minutes, both lanes. */
export const DELIVERY_ERRORS_THRESHOLD = 10;
/** How long the oldest job the sweeper found due had been due: the sweeper runs every minute. */
export const SWEEP_LAG_THRESHOLD_MINUTES = 5;
/** A lane at its event source's maximum concurrency with a message this old waiting is short of capacity. */
export const AT_CAP_AGE_SECONDS = 120;

export type WebhooksAlarmsProps = {
  stage: StageConfig;
  state: WebhooksState;
  api: WebhooksApi;
  functions: WebhookFunction[];
};

type AlarmOptions = Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'>;

const atLeast = (threshold: number) => ({
  threshold,
  evaluationPeriods: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
});
const anyMessage = atLeast(1);
const fiveMinutes = (statistic: string) => ({ period: Duration.minutes(5), statistic });

/** The sum of the metrics, a missing datapoint counting 0. */
const sumOf = (usingMetrics: Record<string, cloudwatch.IMetric>, label: string) =>
  new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
    usingMetrics,
    label,
    period: Duration.minutes(5),
  });

export class WebhooksAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly stackName: string;
  private readonly topic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: WebhooksAlarmsProps) {
    super(scope, id);
    const { stage, state, api, functions } = props;
    this.stackName = stage.stackName;
    this.topic = stage.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', stage.alarmTopicArn) : undefined;
    const namespace = metricsNamespace(stage.stackName);

    this.deliveryDeadLetterAlarms(state);
    this.laneAlarms(stage, state, functions);
    this.fanOutDeadLetterAlarm(state);
    this.apiErrorsAlarm(api);
    this.deliveryBacklogAlarm(state);
    this.deliveryErrorsAlarm(namespace);
    this.sweeperLagAlarm(namespace);
    this.functionAlarms(functions);
    this.tableThrottlesAlarms(state);
  }

  /** An alarm named after the stack, notifying the stage's topic (if any) on ALARM and on OK. */
  private alarm(alarmId: string, description: string, options: AlarmOptions): cloudwatch.Alarm {
    const created = new cloudwatch.Alarm(this, alarmId, {
      alarmName: `${this.stackName}-${alarmId}`,
      alarmDescription: description,
      ...options,
    });
    if (this.topic) {
      created.addAlarmAction(new SnsAction(this.topic));
      created.addOkAction(new SnsAction(this.topic));
    }
    this.alarms.push(created);
    return created;
  }

  private deliveryDeadLetterAlarms(state: WebhooksState): void {
    this.alarm(
      'delivery-dlq-depth',
      'Delivery messages reached the DLQ (received more than maxReceiveCount times). A message of a stored job (a retry) is re-queued by the sweeper, but a first attempt has no job item behind it: it is delivered only if redriven. Find out why the delivery function keeps failing them (its logs, the delivery-errors alarm), fix it, then redrive the DLQ (npm run dlq -- redrive --stack <name>); never purge it blindly.',
      { metric: state.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), ...anyMessage },
    );
    this.alarm(
      'slow-delivery-dlq-depth',
      'Slow lane delivery messages reached its DLQ (received more than maxReceiveCount times). As for delivery-dlq-depth: see the deliver-slow function\'s logs, fix the cause, then redrive the DLQ (npm run dlq -- redrive --lane slow --stack <name>).',
      { metric: state.deliveryDeadLetterQueues.slow.metricApproximateNumberOfMessagesVisible(fiveMinutes('Maximum')), ...anyMessage },
    );
  }

  private laneAlarms(stage: StageConfig, state: WebhooksState, functions: WebhookFunction[]): void {
    const laneAlarms: Record<Lane, LaneAlarms> = {
      fast: { prefix: 'delivery', fn: DELIVERY_FUNCTIONS.fast, ageMinutes: stage.fastQueueAgeAlarmMinutes, maxConcurrency: stage.deliveryMaxConcurrency },
      slow: { prefix: 'slow-delivery', fn: DELIVERY_FUNCTIONS.slow, ageMinutes: stage.slowQueueAgeAlarmMinutes, maxConcurrency: stage.slowDeliveryMaxConcurrency },
    };
    const byName = new Map<string, WebhookFunction>(functions.map((f) => [f.name, f]));
    for (const [lane, options] of Object.entries(laneAlarms) as [Lane, LaneAlarms][]) {
      const queue = state.deliveryQueues[lane];
      const deliverer = byName.get(options.fn);
      if (deliverer) this.atMaxConcurrencyAlarm(lane, options, queue, deliverer);
      this.laneQueueAlarms(lane, options, queue);
    }
  }

  /**
   * An event source's maximum concurrency never throttles its function (the pollers just stop
   * scaling), so a Throttles alarm could not fire: this one fires when the lane is at its cap
   * and a message has waited AT_CAP_AGE_SECONDS.
   */
  private atMaxConcurrencyAlarm(
    lane: Lane,
    { prefix, fn, maxConcurrency }: LaneAlarms,
    queue: sqs.IQueue,
    deliverer: WebhookFunction,
  ): void {
    this.alarm(
      `${prefix}-at-max-concurrency`,
      `The ${lane} lane is at its maximum concurrency (${maxConcurrency}) and its oldest message has waited ${AT_CAP_AGE_SECONDS} s or more: deliveries queue up. If its endpoints are just slow or numerous, raise ${lane === 'fast' ? 'deliveryMaxConcurrency' : 'slowDeliveryMaxConcurrency'} (docs/deploy.md, Concurrency); if the ${fn} function is slow for a reason of ours, see the delivery-errors alarm and its logs.`,
      {
        metric: new cloudwatch.MathExpression({
          expression: `IF(running >= ${maxConcurrency} AND age >= ${AT_CAP_AGE_SECONDS}, 1, 0)`,
          usingMetrics: {
            running: deliverer.fn.metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: 'Maximum' }),
            age: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
          },
          label: `${lane} lane at its cap with messages waiting`,
          period: Duration.minutes(1),
        }),
        ...atLeast(1),
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      },
    );
  }

  private laneQueueAlarms(lane: Lane, { prefix, fn, ageMinutes }: LaneAlarms, queue: sqs.IQueue): void {
    this.alarm(
      `${prefix}-in-flight`,
      `${IN_FLIGHT_THRESHOLD} or more messages in flight on the ${lane} lane queue (the limit is ~120,000; at the limit receives come back empty for every partner). Retries should be parked in DynamoDB: check PARK_AFTER_SECONDS, the ${fn} function's errors and duration, and docs/capacity.md.`,
      { metric: queue.metricApproximateNumberOfMessagesNotVisible(fiveMinutes('Maximum')), ...atLeast(IN_FLIGHT_THRESHOLD) },
    );
    this.alarm(
      `${prefix}-oldest-message`,
      `The oldest message on the ${lane} lane queue is ${ageMinutes} minutes old or more: the ${fn} function is failing, throttled or at its maximum concurrency. Check its errors, throttles and duration; raise its concurrency (docs/deploy.md) if the endpoints are just slow.`,
      { metric: queue.metricApproximateAgeOfOldestMessage(fiveMinutes('Maximum')), ...atLeast(ageMinutes * 60) },
    );
  }

  private fanOutDeadLetterAlarm(state: WebhooksState): void {
    this.alarm(
      'fan-out-dlq-depth',
      'Platform events the fan-out could not process (EventBridge could not invoke it, or it failed after Lambda retries). They were NOT delivered: inspect the messages, fix the cause, re-publish them (same event_id: no duplicates).',
      { metric: state.fanOutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), ...anyMessage },
    );
  }

  private apiErrorsAlarm(api: WebhooksApi): void {
    this.alarm(
      'api-5xx',
      `The management API answered ${API_5XX_THRESHOLD} or more 5xx in 5 minutes (INTERNAL_ERROR, function crash or timeout). Look up the request_id in the route function logs.`,
      {
        metric: api.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: API_5XX_THRESHOLD,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
  }

  private deliveryBacklogAlarm(state: WebhooksState): void {
    this.alarm(
      'delivery-backlog',
      `More than ${DELIVERY_BACKLOG_THRESHOLD} deliveries have been due for 15 minutes: the delivery function is failing, throttled or at its maximum concurrency.`,
      {
        metric: state.deliveryQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Minimum' }),
        threshold: DELIVERY_BACKLOG_THRESHOLD,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
  }

  private deliveryErrorsAlarm(namespace: string): void {
    const errorMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const lane of LANES) {
      for (const kind of DELIVERY_ERROR_KINDS) {
        errorMetrics[`${lane}_${kind}`] = new cloudwatch.Metric({ namespace, metricName: DELIVERY_ERRORS_METRIC, dimensionsMap: { Lane: lane, Kind: kind }, ...fiveMinutes('Sum') });
      }
    }
    this.alarm(
      'delivery-errors',
      `${DELIVERY_ERRORS_THRESHOLD} or more delivery messages failed for a reason of ours in 5 minutes (DeliveryErrors: a DynamoDB or KMS throttle, a timeout, a bug), not the partner's. They are caught (no Lambda Errors), never recorded as attempts, and tried again in seconds until maxReceiveCount sends them to the DLQ. Find the kind in the metric's Kind dimension and the cause in the delivery functions' logs ("delivery failed unexpectedly").`,
      { metric: sumOf(errorMetrics, 'our own delivery errors'), ...atLeast(DELIVERY_ERRORS_THRESHOLD) },
    );
  }

  private sweeperLagAlarm(namespace: string): void {
    this.alarm(
      'sweeper-lag',
      `The oldest parked job the sweeper found due had waited ${SWEEP_LAG_THRESHOLD_MINUTES} minutes or more past its time (SweepLag), or the sweeper reported nothing for 5 minutes: retries and leased redeliveries are late. Check the sweeper function's errors, duration (a run works for SWEEP_BUDGET_MS, 45 s, then the next run goes on) and the jobs table's throttles.`,
      {
        metric: new cloudwatch.Metric({ namespace, metricName: SWEEP_LAG_METRIC, dimensionsMap: { Function: 'sweeper' }, ...fiveMinutes('Maximum') }),
        threshold: SWEEP_LAG_THRESHOLD_MINUTES * 60_000,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // The sweeper writes the metric every minute: none means it is not running.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
    );
  }

  private functionAlarms(functions: WebhookFunction[]): void {
    const deliverers = new Set<string>(Object.values(DELIVERY_FUNCTIONS));
    for (const fn of functions) {
      this.alarm(
        `${fn.name}-errors`,
        `The ${fn.name} function failed (an unhandled error, a timeout or out of memory; handled API errors do not count). See its log group.`,
        { metric: fn.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), ...anyMessage },
      );
      // The delivery functions are capped by their event source, which never throttles: see *-at-max-concurrency.
      if (deliverers.has(fn.name)) continue;
      this.alarm(
        `${fn.name}-throttles`,
        `Invocations of the ${fn.name} function were throttled: the account's concurrency is used up, or the function's reserved concurrency is too low. See docs/deploy.md (concurrency) and docs/capacity.md.`,
        { metric: fn.fn.metricThrottles(fiveMinutes('Sum')), ...atLeast(LAMBDA_THROTTLES_THRESHOLD) },
      );
    }
  }

  private tableThrottlesAlarms(state: WebhooksState): void {
    for (const [name, table] of Object.entries(state.tables) as [TableName, WebhooksState['tables'][TableName]][]) {
      this.alarm(
        `${name}-table-throttles`,
        `DynamoDB throttled ${DYNAMODB_THROTTLES_THRESHOLD} or more requests on the ${name} table or its indexes in 5 minutes (on-demand tables throttle on a hot partition: 1,000 write / 3,000 read units per second per partition key). See docs/capacity.md for the keys that get hot and the design change at each ceiling.`,
        { metric: sumOf(throttleEventMetrics(name, table.tableName), `${name} throttle events`), ...atLeast(DYNAMODB_THROTTLES_THRESHOLD) },
      );
    }
  }
}

type LaneAlarms = { prefix: string; fn: string; ageMinutes: number; maxConcurrency: number };

/** Read and write throttle events of a table and of each of its indexes, by id. */
function throttleEventMetrics(name: TableName, tableName: string): Record<string, cloudwatch.IMetric> {
  const definition: TableDefinition = TABLES[name];
  const events = (metricName: string, index?: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/DynamoDB',
      metricName,
      dimensionsMap: { TableName: tableName, ...(index ? { GlobalSecondaryIndexName: index } : {}) },
      ...fiveMinutes('Sum'),
    });
  const usingMetrics: Record<string, cloudwatch.IMetric> = { r: events('ReadThrottleEvents'), w: events('WriteThrottleEvents') };
  (definition.indexes ?? []).forEach((index, i) => {
    usingMetrics[`ir${i}`] = events('ReadThrottleEvents', index.name);
    usingMetrics[`iw${i}`] = events('WriteThrottleEvents', index.name);
  });
  return usingMetrics;
}
