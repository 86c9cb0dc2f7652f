// The operators' CloudWatch dashboard: deliveries/s, failure rate, p99 attempt latency, queue lag,
// in-flight messages and DLQ depth. The delivery numbers are the functions' own metrics, written as
// CloudWatch Embedded Metric Format log lines (lambdas/delivery/delivery-metrics.ts): no
// cloudwatch:PutMetricData anywhere. The queue numbers are SQS's. docs/deploy.md explains each graph.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { LANES, type Lane } from '../lambdas/domain/delivery.js';
import type { DeliveryMetricName } from '../lambdas/delivery/delivery-metrics.js';
import type { StageConfig } from './stage-config.js';
import type { WebhooksState } from './webhooks-state.js';

/** The namespace of a stack's delivery metrics (METRICS_NAMESPACE of the delivery functions): one per stack. */
export const metricsNamespace = (stackName: string) => `BuildmarketsWebhooks/${stackName}`;

/** The environment that turns the delivery functions' EMF lines on (lambdas/shared/config.ts). */
export const metricsEnvironment = (stage: StageConfig): Record<string, string> => ({
  METRICS_ENABLED: '1',
  METRICS_NAMESPACE: metricsNamespace(stage.stackName),
});

const PERIOD = Duration.minutes(1);

export type WebhooksDashboardProps = { stage: StageConfig; state: WebhooksState };

export class WebhooksDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: WebhooksDashboardProps) {
    super(scope, id);
    const { stage, state } = props;
    const namespace = metricsNamespace(stage.stackName);
    const delivery = (name: DeliveryMetricName, lane: Lane, statistic: string) =>
      new cloudwatch.Metric({ namespace, metricName: name, dimensionsMap: { Lane: lane }, statistic, period: PERIOD, label: `${name} ${statistic} (${lane})` });
    /** `name` summed over both lanes, as one expression's inputs: { name_fast, name_slow }. */
    const bothLanes = (name: DeliveryMetricName) =>
      Object.fromEntries(LANES.map((lane) => [`${name.toLowerCase()}_${lane}`, delivery(name, lane, 'Sum')]));
    const sum = (name: DeliveryMetricName) => LANES.map((lane) => `FILL(${name.toLowerCase()}_${lane}, 0)`).join(' + ');

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stage.stackName}-deliveries`,
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], unit?: string) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, leftYAxis: { min: 0, ...(unit ? { label: unit, showUnits: false } : {}) } });

    this.dashboard.addWidgets(
      graph('Deliveries per second (attempts)', [
        new cloudwatch.MathExpression({ expression: `(${sum('Attempts')}) / PERIOD(attempts_fast)`, usingMetrics: bothLanes('Attempts'), label: 'attempts/s', period: PERIOD }),
        new cloudwatch.MathExpression({ expression: `(${sum('Succeeded')}) / PERIOD(succeeded_fast)`, usingMetrics: bothLanes('Succeeded'), label: 'succeeded/s', period: PERIOD }),
      ]),
      graph('Failure rate (% of attempts)', [
        new cloudwatch.MathExpression({
          expression: `100 * (${sum('Failed')}) / (${sum('Attempts')})`,
          usingMetrics: { ...bothLanes('Failed'), ...bothLanes('Attempts') },
          label: 'failed %',
          period: PERIOD,
        }),
      ], '%'),
      graph('Attempt latency p99 (ms)', LANES.map((lane) => delivery('AttemptLatency', lane, 'p99')), 'ms'),
    );
    this.dashboard.addWidgets(
      graph('Queue lag (sent → picked up, ms)', LANES.flatMap((lane) => [delivery('QueueLag', lane, 'p99'), delivery('QueueLag', lane, 'Average')]), 'ms'),
      graph(
        'In-flight messages (received, not deleted)',
        LANES.map((lane) => state.deliveryQueues[lane].metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, statistic: 'Maximum', label: `${lane} lane` })),
      ),
      graph('DLQ depth', [
        ...LANES.map((lane) => state.deliveryDeadLetterQueues[lane].metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: `${lane} lane DLQ` })),
        state.fanOutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'fan-out DLQ' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Outcomes per minute',
        (['Succeeded', 'Failed', 'Exhausted', 'Dropped', 'Disabled'] as const).map(
          (name) => new cloudwatch.MathExpression({ expression: sum(name), usingMetrics: bothLanes(name), label: name, period: PERIOD }),
        ),
      ),
      graph('Oldest message age (s)', LANES.map((lane) => state.deliveryQueues[lane].metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: `${lane} lane` })), 's'),
    );
  }
}
