// CloudWatch alarms: what an operator must look at. docs/deploy.md explains each one.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config.js';
import type { WebhookFunction } from './webhook-function.js';
import type { WebhooksApi } from './webhooks-api.js';
import type { WebhooksState } from './webhooks-state.js';

/** API 5xx responses per 5 minutes that page (INTERNAL_ERROR answers count too). */
export const API_5XX_THRESHOLD = 5;
/** Deliveries due but not picked up: the delivery function is not keeping up or is failing. */
export const DELIVERY_BACKLOG_THRESHOLD = 1000;

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
    const anyMessage = { threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };

    alarm(
      'delivery-dlq-depth',
      'Delivery messages reached the DLQ (received more than maxReceiveCount times). Their jobs stay pending in DynamoDB and the sweeper re-queues them; find out why the delivery function keeps failing them (its logs), then purge the DLQ.',
      { metric: state.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), ...anyMessage },
    );
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
    }
  }
}
