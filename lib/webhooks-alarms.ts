// CloudWatch alarms: what an operator must look at. docs/deploy.md explains each one.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
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

export class WebhooksAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: WebhooksAlarmsProps) {
    super(scope, id);
    const { stage, state, api, functions } = props;
    const topic = stage.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', stage.alarmTopicArn) : undefined;
    const alarm = (alarmId: string, description: string, options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'>) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${stage.stackName}-${alarmId}`,
        alarmDescription: description,
        ...options,
      });
      if (topic) {
        created.addAlarmAction(new SnsAction(topic));
        created.addOkAction(new SnsAction(topic));
      }
      this.alarms.push(created);
      return created;
    };
    const atLeast = (threshold: number) => ({ threshold, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });
    const anyMessage = atLeast(1);
    const fiveMinutes = (statistic: string) => ({ period: Duration.minutes(5), statistic });

    alarm(
      'delivery-dlq-depth',
      'Delivery messages reached the DLQ (received more than maxReceiveCount times). A message of a stored job (a retry) is re-queued by the sweeper, but a first attempt has no job item behind it: it is delivered only if redriven. Find out why the delivery function keeps failing them (its logs, the delivery-errors alarm), fix it, then redrive the DLQ (npm run dlq -- redrive --stack <name>); never purge it blindly.',
      { metric: state.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), ...anyMessage },
    );
    alarm(
      'slow-delivery-dlq-depth',
      'Slow lane delivery messages reached its DLQ (received more than maxReceiveCount times). As for delivery-dlq-depth: see the deliver-slow function\'s logs, fix the cause, then redrive the DLQ (npm run dlq -- redrive --lane slow --stack <name>).',
      { metric: state.deliveryDeadLetterQueues.slow.metricApproximateNumberOfMessagesVisible(fiveMinutes('Maximum')), ...anyMessage },
    );
    const laneAlarms: Record<Lane, { prefix: string; fn: string; ageMinutes: number; maxConcurrency: number }> = {
      fast: { prefix: 'delivery', fn: DELIVERY_FUNCTIONS.fast, ageMinutes: stage.fastQueueAgeAlarmMinutes, maxConcurrency: stage.deliveryMaxConcurrency },
      slow: { prefix: 'slow-delivery', fn: DELIVERY_FUNCTIONS.slow, ageMinutes: stage.slowQueueAgeAlarmMinutes, maxConcurrency: stage.slowDeliveryMaxConcurrency },
    };
    const byName = new Map<string, WebhookFunction>(functions.map((f) => [f.name, f]));
    for (const [lane, { prefix, fn, ageMinutes, maxConcurrency }] of Object.entries(laneAlarms) as [Lane, (typeof laneAlarms)[Lane]][]) {
      const queue = state.deliveryQueues[lane];
      // An event source's maximum concurrency never throttles its function (the pollers just stop
      // scaling), so a Throttles alarm could not fire: this one fires when the lane is at its cap
      // and a message has waited AT_CAP_AGE_SECONDS.
      const deliverer = byName.get(fn);
      if (deliverer) {
        alarm(
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
      alarm(
        `${prefix}-in-flight`,
        `${IN_FLIGHT_THRESHOLD} or more messages in flight on the ${lane} lane queue (the limit is ~120,000; at the limit receives come back empty for every partner). Retries should be parked in DynamoDB: check PARK_AFTER_SECONDS, the ${fn} function's errors and duration, and docs/capacity.md.`,
        { metric: queue.metricApproximateNumberOfMessagesNotVisible(fiveMinutes('Maximum')), ...atLeast(IN_FLIGHT_THRESHOLD) },
      );
      alarm(
        `${prefix}-oldest-message`,
        `The oldest message on the ${lane} lane queue is ${ageMinutes} minutes old or more: the ${fn} function is failing, throttled or at its maximum concurrency. Check its errors, throttles and duration; raise its concurrency (docs/deploy.md) if the endpoints are just slow.`,
        { metric: queue.metricApproximateAgeOfOldestMessage(fiveMinutes('Maximum')), ...atLeast(ageMinutes * 60) },
      );
    }
    alarm(
      'fan-out-dlq-depth',
      'Platform events the fan-out could not process (EventBridge could not invoke it, or it failed after Lambda retries). They were NOT delivered: inspect the messages, fix the cause, re-publish them (same event_id: no duplicates).',
      { metric: state.fanOutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), ...anyMessage },
    );
    alarm(
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
    alarm(
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
    const namespace = metricsNamespace(stage.stackName);
    const errorMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const lane of LANES) {
      for (const kind of DELIVERY_ERROR_KINDS) {
        errorMetrics[`${lane}_${kind}`] = new cloudwatch.Metric({ namespace, metricName: DELIVERY_ERRORS_METRIC, dimensionsMap: { Lane: lane, Kind: kind }, ...fiveMinutes('Sum') });
      }
    }
    alarm(
      'delivery-errors',
      `${DELIVERY_ERRORS_THRESHOLD} or more delivery messages failed for a reason of ours in 5 minutes (DeliveryErrors: a DynamoDB or KMS throttle, a timeout, a bug), not the partner's. They are caught (no Lambda Errors), never recorded as attempts, and tried again in seconds until maxReceiveCount sends them to the DLQ. Find the kind in the metric's Kind dimension and the cause in the delivery functions' logs ("delivery failed unexpectedly").`,
      {
        metric: new cloudwatch.MathExpression({
          expression: Object.keys(errorMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
          usingMetrics: errorMetrics,
          label: 'our own delivery errors',
          period: Duration.minutes(5),
        }),
        ...atLeast(DELIVERY_ERRORS_THRESHOLD),
      },
    );
    alarm(
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
    const deliverers = new Set<string>(Object.values(DELIVERY_FUNCTIONS));
    for (const fn of functions) {
      alarm(
        `${fn.name}-errors`,
        `The ${fn.name} function failed (an unhandled error, a timeout or out of memory; handled API errors do not count). See its log group.`,
        { metric: fn.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), ...anyMessage },
      );
      // The delivery functions are capped by their event source, which never throttles: see *-at-max-concurrency.
      if (deliverers.has(fn.name)) continue;
      alarm(
        `${fn.name}-throttles`,
        `Invocations of the ${fn.name} function were throttled: the account's concurrency is used up, or the function's reserved concurrency is too low. See docs/deploy.md (concurrency) and docs/capacity.md.`,
        { metric: fn.fn.metricThrottles(fiveMinutes('Sum')), ...atLeast(LAMBDA_THROTTLES_THRESHOLD) },
      );
    }
    for (const [name, table] of Object.entries(state.tables) as [TableName, WebhooksState['tables'][TableName]][]) {
      const definition: TableDefinition = TABLES[name];
      const events = (metricName: string, index?: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName,
          dimensionsMap: { TableName: table.tableName, ...(index ? { GlobalSecondaryIndexName: index } : {}) },
          ...fiveMinutes('Sum'),
        });
      const usingMetrics: Record<string, cloudwatch.IMetric> = { r: events('ReadThrottleEvents'), w: events('WriteThrottleEvents') };
      (definition.indexes ?? []).forEach((index, i) => {
        usingMetrics[`ir${i}`] = events('ReadThrottleEvents', index.name);
        usingMetrics[`iw${i}`] = events('WriteThrottleEvents', index.name);
      });
      alarm(
        `${name}-table-throttles`,
        `DynamoDB throttled ${DYNAMODB_THROTTLES_THRESHOLD} or more requests on the ${name} table or its indexes in 5 minutes (on-demand tables throttle on a hot partition: 1,000 write / 3,000 read units per second per partition key). See docs/capacity.md for the keys that get hot and the design change at each ceiling.`,
        {
          metric: new cloudwatch.MathExpression({
            expression: Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
            usingMetrics,
            label: `${name} throttle events`,
            period: Duration.minutes(5),
          }),
          ...atLeast(DYNAMODB_THROTTLES_THRESHOLD),
        },
      );
    }
  }
}
