// The whole service in one stack: stateful resources (WebhooksState) passed by props to the
// stateless parts (API, delivery pipeline, alarms). Outputs are what operators and the CLIs need.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { TableName } from '../lambdas/stores/table-definitions.js';
import { DeliveryPipeline } from './delivery-pipeline.js';
import { DATA_KEY_OUTPUT, EGRESS_IPS_OUTPUT, STACK_OUTPUTS, TABLE_OUTPUTS } from './stack-outputs.js';
import type { StageConfig } from './stage-config.js';
import { egressEnvironment, StaticEgress } from './static-egress.js';
import type { WebhookFunction } from './webhook-function.js';
import { WebhooksAlarms } from './webhooks-alarms.js';
import { WebhooksApi } from './webhooks-api.js';
import { WebhooksDashboard } from './webhooks-dashboard.js';
import { WebhooksState } from './webhooks-state.js';

export type WebhooksStackProps = StackProps & { stage: StageConfig };

export class WebhooksStack extends Stack {
  readonly stage: StageConfig;
  readonly state: WebhooksState;
  /** Present with the stage option `egress: "static"` (SPEC §11). */
  readonly egress?: StaticEgress;
  readonly api: WebhooksApi;
  readonly pipeline: DeliveryPipeline;
  readonly alarms: WebhooksAlarms;
  readonly dashboard: WebhooksDashboard;
  /** Every function of the service, by handler name. */
  readonly functions: WebhookFunction[];

  constructor(scope: Construct, id: string, props: WebhooksStackProps) {
    super(scope, id, {
      description: `Buildmarkets Webhooks (${props.stage.environment})`,
      ...props,
    });
    this.stage = props.stage;
    this.state = new WebhooksState(this, 'State', { stage: this.stage });
    if (this.stage.egress === 'static') {
      this.egress = new StaticEgress(this, 'Egress', { stage: this.stage, ...(this.state.dataKey ? { dataKey: this.state.dataKey } : {}) });
    }
    this.api = new WebhooksApi(this, 'Api', {
      state: this.state,
      stage: this.stage,
      routeEnvironment: { 'get-egress-ips': egressEnvironment(this.egress) },
    });
    this.pipeline = new DeliveryPipeline(this, 'Delivery', { state: this.state, stage: this.stage, ...(this.egress ? { egress: this.egress } : {}) });
    this.functions = [...this.api.functions, ...this.pipeline.functions];
    this.alarms = new WebhooksAlarms(this, 'Alarms', {
      stage: this.stage,
      state: this.state,
      api: this.api,
      functions: this.functions,
    });
    this.dashboard = new WebhooksDashboard(this, 'Dashboard', { stage: this.stage, state: this.state });

    const output = (key: string, value: string, description: string) => new CfnOutput(this, key, { value, description });
    output(STACK_OUTPUTS.apiUrl, this.api.stage.url, 'Management API base URL (routes under /v1)');
    output(STACK_OUTPUTS.eventBusName, this.state.eventBus.eventBusName, 'EventBridge bus platform services publish to');
    output(STACK_OUTPUTS.eventBusArn, this.state.eventBus.eventBusArn, 'EventBridge bus ARN (for PutEvents permissions)');
    output(STACK_OUTPUTS.deliveryQueueUrl, this.state.deliveryQueue.queueUrl, 'SQS delivery queue (fast lane)');
    output(STACK_OUTPUTS.deliveryDeadLetterQueueUrl, this.state.deliveryDeadLetterQueue.queueUrl, 'Delivery messages past maxReceiveCount');
    output(STACK_OUTPUTS.slowDeliveryQueueUrl, this.state.deliveryQueues.slow.queueUrl, 'SQS delivery queue of the slow lane');
    output(STACK_OUTPUTS.slowDeliveryDeadLetterQueueUrl, this.state.deliveryDeadLetterQueues.slow.queueUrl, 'Slow lane messages past maxReceiveCount');
    output(STACK_OUTPUTS.fanOutDeadLetterQueueUrl, this.state.fanOutDeadLetterQueue.queueUrl, 'Events the fan-out could not process');
    output(STACK_OUTPUTS.secretsKeyArn, this.state.secretsKey.keyArn, 'KMS key of the webhook secrets');
    if (this.state.dataKey) {
      output(DATA_KEY_OUTPUT, this.state.dataKey.key.keyArn, 'KMS key of the tables, queues, event bus and archive, and log groups (operators\' IAM policies name it)');
    }
    if (this.egress) {
      output(EGRESS_IPS_OUTPUT, this.egress.addressList, 'Public IPv4 addresses deliveries are sent from (one per AZ), for partners to allowlist');
    }
    for (const [name, table] of Object.entries(this.state.tables) as [TableName, { tableName: string }][]) {
      output(TABLE_OUTPUTS[name], table.tableName, `DynamoDB table: ${name}`);
    }
  }

  /** The function built from `lambdas/<name>.handler.ts`. */
  functionNamed(name: string): WebhookFunction {
    const fn = this.functions.find((f) => f.name === name);
    if (!fn) throw new Error(`No function ${name} in the stack`);
    return fn;
  }
}
