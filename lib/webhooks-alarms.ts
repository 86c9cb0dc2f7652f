// CloudWatch alarms: what an operator must look at. docs/deploy.md explains each one.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Lane } from '../lambdas/domain/delivery.js';
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
      'Delivery messages reached the DLQ (received more than maxReceiveCount times). Their jobs stay pending in DynamoDB and the sweeper re-queues them; find out why the delivery function keeps failing them (its logs), then purge the DLQ.',
      { metric: state.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), ...anyMessage },
    );
    alarm(
      'slow-delivery-dlq-depth',
      'Slow lane delivery messages reached its DLQ (received more than maxReceiveCount times). As for delivery-dlq-depth: see the deliver-slow function\'s logs, fix the cause, then purge the DLQ.',
      { metric: state.deliveryDeadLetterQueues.slow.metricApproximateNumberOfMessagesVisible(fiveMinutes('Maximum')), ...anyMessage },
    );
    const laneAlarms: Record<Lane, { prefix: string; fn: string; ageMinutes: number }> = {
      fast: { prefix: 'delivery', fn: DELIVERY_FUNCTIONS.fast, ageMinutes: stage.fastQueueAgeAlarmMinutes },
      slow: { prefix: 'slow-delivery', fn: DELIVERY_FUNCTIONS.slow, ageMinutes: stage.slowQueueAgeAlarmMinutes },
    };
    for (const [lane, { prefix, fn, ageMinutes }] of Object.entries(laneAlarms) as [Lane, (typeof laneAlarms)[Lane]][]) {
      const queue = state.deliveryQueues[lane];
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
    for (const fn of functions) {
      alarm(
        `${fn.name}-errors`,
        `The ${fn.name} function failed (an unhandled error, a timeout or out of memory; handled API errors do not count). See its log group.`,
        { metric: fn.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), ...anyMessage },
      );
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
