// The stateful half of the stack: DynamoDB tables, the secrets key, the data key (stage option
// `dataKey`), the event bus and the queues.
// Everything else (functions, API, schedules, alarms) is stateless and receives this by props.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Lane } from '../lambdas/domain/delivery.js';
import { DELIVERY_QUEUES } from '../lambdas/stores/queue-definitions.js';
import { PER_DELIVERY_TABLES, POINT_IN_TIME_RECOVERY_TABLES, RETENTION_DAYS, TABLES, type TableDefinition, type TableName } from '../lambdas/stores/table-definitions.js';
import { DATA_KEY_REUSE, DataKey } from './data-key.js';
import { KEY_ADMIN_ACTIONS } from './key-admin.js';
import type { StageConfig } from './stage-config.js';

export type WebhooksStateProps = { stage: StageConfig };

/** The fast lane keeps the construct ids it had before lanes existed (no queue replacement). */
const LANE_QUEUE_IDS: Record<Lane, string> = { fast: 'DeliveryQueue', slow: 'SlowDeliveryQueue' };

export class WebhooksState extends Construct {
  readonly tables: Record<TableName, dynamodb.Table>;
  /** Encrypts webhook secrets; its policy admits only the create and delivery functions. */
  readonly secretsKey: kms.Key;
  /** With `dataKey: customer-managed`: encrypts every table, queue and log group, the bus and its archive. */
  readonly dataKey?: DataKey;
  readonly eventBus: events.EventBus;
  /** Each delivery lane's queue (SPEC §9: slow endpoints have their own queue, function and concurrency). */
  readonly deliveryQueues: Record<Lane, sqs.Queue>;
  readonly deliveryDeadLetterQueues: Record<Lane, sqs.Queue>;
  /** The fast lane's queue and DLQ (the fan-out and the sweeper send there). */
  readonly deliveryQueue: sqs.Queue;
  readonly deliveryDeadLetterQueue: sqs.Queue;
  /** Events the fan-out could not take: EventBridge invocation failures and failed async invocations. */
  readonly fanOutDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WebhooksStateProps) {
    super(scope, id);
    const { stage } = props;
    const removalPolicy = stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    if (stage.dataKey === 'customer-managed') this.dataKey = new DataKey(this, 'DataKey', { stage, removalPolicy });

    this.tables = Object.fromEntries(
      (Object.entries(TABLES) as [TableName, TableDefinition][]).map(([name, def]) => [name, this.table(name, def, stage, removalPolicy)]),
    ) as Record<TableName, dynamodb.Table>;
    this.secretsKey = this.createSecretsKey(stage, removalPolicy);
    this.eventBus = this.archivedEventBus(stage);
    if (stage.producerPrincipals.length > 0) this.restrictProducers(stage.producerPrincipals);

    const lanes = Object.keys(DELIVERY_QUEUES) as Lane[];
    this.deliveryDeadLetterQueues = Object.fromEntries(
      lanes.map((lane) => [lane, this.queue(LANE_QUEUE_IDS[lane].replace(/Queue$/, 'DeadLetterQueue'), removalPolicy)]),
    ) as Record<Lane, sqs.Queue>;
    this.deliveryQueues = Object.fromEntries(lanes.map((lane) => [lane, this.laneQueue(lane, removalPolicy)])) as Record<Lane, sqs.Queue>;
    this.deliveryQueue = this.deliveryQueues.fast;
    this.deliveryDeadLetterQueue = this.deliveryDeadLetterQueues.fast;
    this.fanOutDeadLetterQueue = this.queue('FanOutDeadLetterQueue', removalPolicy);
    Validations.of(this.fanOutDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is a dead-letter queue: of the fan-out rule target (DeadLetterConfig) and of the fan-out function\'s asynchronous invocations (OnFailure ' +
        'destination). cdk-nag only recognises DLQs referenced by another queue\'s RedrivePolicy. A DLQ needs no DLQ of its own.',
    });
  }

  private createSecretsKey(stage: StageConfig, removalPolicy: RemovalPolicy): kms.Key {
    return new kms.Key(this, 'SecretsKey', {
      description: `${stage.stackName}: webhook signing secrets`,
      alias: `alias/${stage.stackName}/webhook-secrets`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
      // Replaces CDK's default policy (account root: kms:*). Usage statements for the two
      // functions are added by WebhookFunction.
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountAdministersKeyButCannotUseIt',
            principals: [new iam.AccountRootPrincipal()],
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ['*'],
          }),
        ],
      }),
    });
  }

  /** The bus, and an archive of every event published on it, kept so it can be replayed (StartReplay) after a bug. */
  private archivedEventBus(stage: StageConfig): events.EventBus {
    const eventBus = new events.EventBus(this, 'EventBus', { eventBusName: stage.eventBusName, description: 'Buildmarkets platform events' });
    const archive = eventBus.archive('EventArchive', {
      description: 'Every Buildmarkets platform event published on the bus, for replay',
      eventPattern: { source: events.Match.prefix('buildmarkets.') },
      retention: Duration.days(stage.eventArchiveRetentionDays),
    });
    if (this.dataKey) {
      // Set on the resources, not through the constructs' kmsKey: EventBus.archive() drops it
      // (aws-cdk#38298), and the key statement Archive would add names the bus's ARN attribute, a
      // cycle (the bus names the key). DataKey's policy admits EventBridge for this bus.
      (eventBus.node.defaultChild as events.CfnEventBus).kmsKeyIdentifier = this.dataKey.key.keyArn;
      (archive.node.findChild('Archive') as events.CfnArchive).kmsKeyIdentifier = this.dataKey.key.keyArn;
    }
    return eventBus;
  }

  /** A delivery lane's queue, with its DLQ (made first). */
  private laneQueue(lane: Lane, removalPolicy: RemovalPolicy): sqs.Queue {
    const def = DELIVERY_QUEUES[lane];
    return new sqs.Queue(this, LANE_QUEUE_IDS[lane], {
      ...this.queueEncryption(),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
      // Long retry waits are parked in DynamoDB (the sweeper re-queues them); a long retention
      // still rides out a delivery function outage.
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deliveryDeadLetterQueues[lane], maxReceiveCount: def.maxReceiveCount },
      // A first attempt exists only as a message here: kept with the data (retainData, live).
      removalPolicy,
    });
  }

  /**
   * Only the named principals may put events on the bus. An Allow alone would not do it: within
   * the account, any identity policy granting events:PutEvents is enough without the bus policy.
   * The explicit Deny for every other principal (AWS services excepted: archive replays) overrides
   * those; the Allow lets the producers in, from another account too.
   */
  private restrictProducers(producers: string[]): void {
    this.eventBus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyNamedProducersPutEvents',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
        conditions: {
          ArnNotEquals: { 'aws:PrincipalArn': producers },
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
    this.eventBus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NamedProducersPutEvents',
        principals: producers.map((arn) => new iam.ArnPrincipal(arn)),
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
      }),
    );
  }

  private table(name: TableName, def: TableDefinition, stage: StageConfig, removalPolicy: RemovalPolicy): dynamodb.Table {
    const attribute = (attr: string, type: 'S' | 'N' = 'S') => ({
      name: attr,
      type: type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
    });
    // `dynamoDbBilling: provisioned` switches only the tables written on every delivery; the
    // others are bursty and small, and stay on-demand.
    const provisioned = (PER_DELIVERY_TABLES as readonly TableName[]).includes(name) ? stage.provisionedCapacity : undefined;
    if (provisioned && def.indexes?.length) {
      throw new Error(`Table ${name}: provisioned capacity is declared for the table only, but it has global secondary indexes (each would need its own capacity and scaling)`);
    }
    const table = new dynamodb.Table(this, `${name[0]!.toUpperCase()}${name.slice(1)}Table`, {
      partitionKey: attribute(def.partitionKey),
      ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
      ...(provisioned
        ? { billingMode: dynamodb.BillingMode.PROVISIONED, readCapacity: provisioned.read.min, writeCapacity: provisioned.write.min }
        : { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: (POINT_IN_TIME_RECOVERY_TABLES as readonly TableName[]).includes(name) },
      deletionProtection: stage.retainData,
      removalPolicy,
      ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
      ...(this.dataKey ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.dataKey.key } : {}),
    });
    if (!(POINT_IN_TIME_RECOVERY_TABLES as readonly TableName[]).includes(name)) {
      Validations.of(table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason:
          `The ${name} table's items expire within ${RETENTION_DAYS} days (TTL) or are rebuilt by the service (rate limits, endpoint health, fan-out leases): ` +
          'point-in-time recovery keeps 35 days, so it would restore data the service has already let go, at a price per GB. ' +
          'Webhooks and API keys, which live on and cannot be rebuilt, keep it (POINT_IN_TIME_RECOVERY_TABLES).',
      });
    }
    for (const index of def.indexes ?? []) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey, index.sortKeyType),
        projectionType: dynamodb.ProjectionType[index.projection],
      });
    }
    if (provisioned) {
      // Target tracking on consumed / provisioned capacity, between the stage's bounds.
      const { targetUtilizationPercent } = provisioned;
      table.autoScaleWriteCapacity({ minCapacity: provisioned.write.min, maxCapacity: provisioned.write.max }).scaleOnUtilization({ targetUtilizationPercent });
      table.autoScaleReadCapacity({ minCapacity: provisioned.read.min, maxCapacity: provisioned.read.max }).scaleOnUtilization({ targetUtilizationPercent });
    }
    return table;
  }

  /** SSE-SQS (SQS's own key), or SSE-KMS under the data key. */
  private queueEncryption(): Pick<sqs.QueueProps, 'encryption' | 'encryptionMasterKey' | 'dataKeyReuse'> {
    return this.dataKey
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: this.dataKey.key, dataKeyReuse: DATA_KEY_REUSE }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED };
  }

  /** A dead-letter queue: encrypted, TLS only, 14 days to look at what landed there. */
  private queue(id: string, removalPolicy: RemovalPolicy): sqs.Queue {
    return new sqs.Queue(this, id, {
      ...this.queueEncryption(),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
  }
}
