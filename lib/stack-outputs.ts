// The stack's CloudFormation output keys, defined once: the stack writes them and the CLIs
// (`--stack <name>`, bin/cli-target.ts) read them. No CDK import here: the CLIs load this file.
import type { TableName } from '../lambdas/stores/table-definitions.js';

export const STACK_OUTPUTS = {
  apiUrl: 'ApiUrl',
  eventBusName: 'EventBusName',
  eventBusArn: 'EventBusArn',
  deliveryQueueUrl: 'DeliveryQueueUrl',
  deliveryDeadLetterQueueUrl: 'DeliveryDeadLetterQueueUrl',
  slowDeliveryQueueUrl: 'SlowDeliveryQueueUrl',
  slowDeliveryDeadLetterQueueUrl: 'SlowDeliveryDeadLetterQueueUrl',
  fanOutDeadLetterQueueUrl: 'FanOutDeadLetterQueueUrl',
  secretsKeyArn: 'SecretsKeyArn',
} as const;

/** Only with static egress (SPEC §11): the delivery functions' public IPv4 addresses, comma-separated. */
export const EGRESS_IPS_OUTPUT = 'EgressIps';

/** Only with `dataKey: customer-managed`: the data key's ARN (lib/data-key.ts). */
export const DATA_KEY_OUTPUT = 'DataKeyArn';

export const TABLE_OUTPUTS: Record<TableName, string> = {
  webhooks: 'WebhooksTableName',
  apiKeys: 'ApiKeysTableName',
  events: 'EventsTableName',
  fanOuts: 'FanOutsTableName',
  jobs: 'JobsTableName',
  orderedJobs: 'OrderedJobsTableName',
  endpoints: 'EndpointsTableName',
  deliveries: 'DeliveriesTableName',
  rateLimits: 'RateLimitsTableName',
  rejectedEvents: 'RejectedEventsTableName',
};
