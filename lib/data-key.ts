// The stage option `dataKey: customer-managed` (lib/stage-config.ts; the default for live): one KMS
// key of the stack's own encrypts what holds partner data at rest (KYC and ACH events among it) —
// every table, every queue, the event bus and its archive, every log group — instead of each
// service's AWS owned key. Every use of it is then a CloudTrail event naming the caller, and an
// operator can revoke access (disable the key, or take a statement out of its policy). The webhook
// secrets keep their own key (WebhooksState.secretsKey: envelope encryption by the functions).
//
// The key policy, statement by statement (no `kms:*`, no principal without a condition on use):
// - AccountAdministersKeyButCannotUseIt: the account may manage the key (CloudFormation updates its
//   policy; operators disable, rotate or delete it), with no usage action.
// - AccountUsesKeyOnlyThroughDynamoDbAndSqs: principals of the account whose own IAM policy allows
//   it may use the key through DynamoDB and SQS only: CloudFormation's deployment role (DynamoDB
//   requires the principal that puts a table under a key to hold CreateGrant and the data-key
//   actions on it) and operators' CLIs (`npm run keys` writes the api-keys table, `npm run dlq`
//   moves DLQ messages). Taking it out stops neither the service nor CloudTrail's record.
// - StackRoles*: each function role that uses a table or a queue, by name, through that service only,
//   with the actions the service needs for it (grantTables, grantQueues). The role's own policy says
//   the same.
// - AWS services, each bound to this stack's resources: CloudWatch Logs (log groups of this account
//   and region, by encryption context), EventBridge (events on the bus and in its archive, by the
//   bus's encryption context; the fan-out rule's dead-letter messages, by the rule's ARN), and the
//   key metadata EventBridge and DynamoDB read, as their documentation gives it.
import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEY_ADMIN_ACTIONS } from './key-admin.js';
import type { StageConfig } from './stage-config.js';

/**
 * How long SQS reuses a data key before calling KMS again (KmsDataKeyReusePeriodSeconds, SQS's
 * default, stated). KMS is called per (queue, principal, period), not per message: SQS developer
 * guide, "Key management", estimates requests per queue as B / D × (2P + C) for billing period B,
 * reuse period D, P producing and C consuming principals. Five minutes keeps that to 8,640 periods a
 * month and lets a revoked key stop the queues within five minutes, as DynamoDB's cache does.
 */
export const DATA_KEY_REUSE = Duration.minutes(5);

/**
 * What DynamoDB does with the key for a caller (DynamoDB developer guide, "Encryption at rest: how
 * it works", the minimum on a customer managed key, less CreateGrant, which only the table's
 * creator needs): it decrypts the table key with the caller's permission and caches it for five
 * minutes per caller. Wildcards spelled out.
 */
export const DYNAMODB_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
] as const;

/** SQS developer guide, "Key management": producers need GenerateDataKey and Decrypt, consumers Decrypt. */
export const SQS_KEY_ACTIONS = { send: ['kms:Decrypt', 'kms:GenerateDataKey'], receive: ['kms:Decrypt'] } as const;

export type QueueUse = keyof typeof SQS_KEY_ACTIONS;

export type DataKeyProps = { stage: StageConfig; removalPolicy: RemovalPolicy };

export class DataKey extends Construct {
  readonly key: kms.Key;
  /** One statement per way of use, its principals added as roles are granted. */
  private readonly roleStatements = new Map<string, { statement: iam.PolicyStatement; roles: Set<string> }>();

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    const { stage } = props;
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: `${stage.stackName}: tables, queues, event bus and archive, log groups`,
      alias: `alias/${stage.stackName}/data`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(30),
      // Replaces CDK's default policy (account root: kms:*), as the secrets key does.
      policy: new iam.PolicyDocument({
        statements: [
          ...accountStatements(stack),
          cloudWatchLogsStatement(stack),
          ...eventBridgeStatements(stack, stage.eventBusName),
          dynamoDbMetadataStatement(),
        ],
      }),
    });
  }

  /** A role that reads or writes tables: DynamoDB uses the key with the caller's permission. */
  grantTables(role: iam.IRole): void {
    this.grantThrough('StackRolesUseTables', role, 'dynamodb', DYNAMODB_KEY_ACTIONS);
  }

  /** A role that sends to (or receives from) a queue: SQS uses the key with the caller's permission. */
  grantQueues(role: iam.IRole, use: QueueUse): void {
    this.grantThrough(use === 'send' ? 'StackRolesSendToQueues' : 'StackRolesReceiveFromQueues', role, 'sqs', SQS_KEY_ACTIONS[use]);
  }

  private grantThrough(sid: string, role: iam.IRole, service: 'dynamodb' | 'sqs', actions: readonly string[]): void {
    let entry = this.roleStatements.get(sid);
    const conditions = { StringEquals: { 'kms:ViaService': viaService(service, Stack.of(this)) } };
    if (!entry) {
      entry = { statement: new iam.PolicyStatement({ sid, actions: [...actions], resources: ['*'], conditions }), roles: new Set() };
      this.key.addToResourcePolicy(entry.statement);
      this.roleStatements.set(sid, entry);
    }
    if (entry.roles.has(role.node.path)) return;
    entry.roles.add(role.node.path);
    // The key policy is the gate: it names this role. The role's statement says the same.
    entry.statement.addPrincipals(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [this.key.keyArn], conditions }));
  }
}

/** The kms:ViaService value of a service's calls to KMS on a caller's behalf, in the stack's region. */
const viaService = (service: 'dynamodb' | 'sqs', stack: Stack) => `${service}.${stack.region}.amazonaws.com`;

/** The account administers the key, and uses it through DynamoDB and SQS only. */
function accountStatements(stack: Stack): iam.PolicyStatement[] {
  const account = new iam.AccountRootPrincipal();
  return [
    new iam.PolicyStatement({ sid: 'AccountAdministersKeyButCannotUseIt', principals: [account], actions: [...KEY_ADMIN_ACTIONS], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'AccountUsesKeyOnlyThroughDynamoDbAndSqs',
      principals: [account],
      actions: [...DYNAMODB_KEY_ACTIONS, 'kms:CreateGrant'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': [viaService('dynamodb', stack), viaService('sqs', stack)], 'kms:CallerAccount': stack.account } },
    }),
  ];
}

/**
 * CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS". The groups'
 * names are CloudFormation's (and a group's ARN here would make a cycle: the group names the
 * key), so the context admits the log groups of this account and region.
 */
function cloudWatchLogsStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'CloudWatchLogsEncryptsLogGroups',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
  });
}

function eventBridgeStatements(stack: Stack, eventBusName: string): iam.PolicyStatement[] {
  const events = new iam.ServicePrincipal('events.amazonaws.com');
  const busArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: eventBusName });
  return [
    // EventBridge user guide, "Encrypting event buses" and "Encrypting archives": both use the
    // bus's ARN as encryption context (built from its name: the bus's own ARN attribute would
    // make a cycle, the bus names the key).
    new iam.PolicyStatement({
      sid: 'EventBridgeEncryptsBusAndArchive',
      principals: [events],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': busArn } },
    }),
    // EventBridge user guide, "Using dead-letter queues": the rule sends to an encrypted DLQ.
    new iam.PolicyStatement({
      sid: 'EventBridgeRulesSendToDeadLetterQueue',
      principals: [events],
      actions: [...SQS_KEY_ACTIONS.send],
      resources: ['*'],
      conditions: { ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: `${eventBusName}/*` }) } },
    }),
    // Key metadata only (is the key there, is it symmetric), as EventBridge documents it.
    new iam.PolicyStatement({ sid: 'EventBridgeDescribesKey', principals: [events], actions: ['kms:DescribeKey'], resources: ['*'] }),
  ];
}

/** Key metadata only, as DynamoDB documents it. */
function dynamoDbMetadataStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DynamoDbReadsKeyMetadata',
    principals: [new iam.ServicePrincipal('dynamodb.amazonaws.com')],
    actions: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
    resources: ['*'],
  });
}
