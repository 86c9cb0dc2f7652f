// One Lambda function of the service: `lambdas/<name>.handler.ts` bundled by esbuild (handler-bundle.ts: ESM,
// minified, source maps shipped but not enabled) for nodejs24.x on arm64, with its own role, log
// group and exactly the access FUNCTION_ACCESS gives it — the IAM statements and the environment
// come from one entry.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DATA_KEY_CONTEXT_KEY, DATA_KEY_PURPOSE, KMS_CONTEXT_KEY } from '../lambdas/stores/kms-secret-cipher.js';
import { TABLES, type TableDefinition, type TableName } from '../lambdas/stores/table-definitions.js';
import { FUNCTION_ACCESS, type FunctionAccess, type FunctionName, TABLE_OPERATIONS, type TableOperation } from './function-access.js';
import type { StageConfig } from './stage-config.js';
import { type FunctionNetwork, vpcAccessStatement } from './static-egress.js';
import type { WebhooksState } from './webhooks-state.js';
import { FUNCTION_MEMORY_MB } from './function-memory.js';
import { handlerCode, PROJECT_ROOT } from './handler-bundle.js';
import { QUEUE_ENV, TABLE_ENV } from '../lambdas/shared/config-names.js';

export { PROJECT_ROOT };

export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;

export { TABLE_ENV };

/**
 * NODE_OPTIONS of every function (none when empty). Not `--enable-source-maps`: it made each
 * bundle's import ~15–25 ms slower (`npm run bench`, cold_start, reads this constant), and the
 * logger never writes stacks (name and message only); the .map files still ship in the asset,
 * to decode a stack offline. Not a compile cache either: Node keys its cache directory by exact
 * version, architecture and uid, so one made at bundle time is never used by the function.
 */
export const FUNCTION_NODE_OPTIONS: string = '';

export type WebhookFunctionProps = {
  name: FunctionName;
  description: string;
  state: WebhooksState;
  stage: StageConfig;
  timeout: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  /** Reserved concurrency (stage configuration; undefined: the account's unreserved pool). */
  reservedConcurrentExecutions?: number;
  /** The VPC subnets it runs in (static egress, lib/static-egress.ts); undefined: no VPC. */
  network?: FunctionNetwork;
};

export class WebhookFunction extends Construct {
  readonly name: FunctionName;
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebhookFunctionProps) {
    super(scope, id);
    const { name, state, stage } = props;
    const access = FUNCTION_ACCESS[name];
    this.name = name;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: stage.logRetentionDays as logs.RetentionDays,
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(state.dataKey ? { encryptionKey: state.dataKey.key } : {}),
    });
    this.role = this.ownRole(stage);
    // Each grant comes with the environment that names what it grants.
    const environment: Record<string, string> = {
      ENVIRONMENT: stage.environment,
      LOG_LEVEL: stage.logLevel,
      ...(FUNCTION_NODE_OPTIONS ? { NODE_OPTIONS: FUNCTION_NODE_OPTIONS } : {}),
      ...this.grantTables(access, state),
      ...this.grantSecrets(access, state),
      ...this.grantQueues(access, state),
    };
    if (props.network) this.allowVpcAccess();
    this.fn = this.bundledFunction(props, environment);
  }

  /** Our own role instead of AWSLambdaBasicExecutionRole: logs to this log group only. */
  private ownRole(stage: StageConfig): iam.Role {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${stage.stackName} ${this.name} function`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    return role;
  }

  /** The table operations FUNCTION_ACCESS gives; the tables' names as environment. */
  private grantTables(access: FunctionAccess, state: WebhooksState): Record<string, string> {
    const environment: Record<string, string> = {};
    for (const [table, operations] of Object.entries(access.tables ?? {}) as [TableName, readonly TableOperation[]][]) {
      const resource = state.tables[table];
      const tableActions = operations.filter((op) => op !== 'queryIndexes').flatMap((op) => TABLE_OPERATIONS[op]);
      if (tableActions.length > 0) {
        this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...new Set(tableActions)], resources: [resource.tableArn] }));
      }
      if (operations.includes('queryIndexes')) this.grantQueryIndexes(table, resource);
      environment[TABLE_ENV[table]] = resource.tableName;
    }
    // Tables under the data key: DynamoDB uses it with this role's permission (lib/data-key.ts).
    if (Object.keys(access.tables ?? {}).length > 0) state.dataKey?.grantTables(this.role);
    return environment;
  }

  private grantQueryIndexes(table: TableName, resource: WebhooksState['tables'][TableName]): void {
    const definition: TableDefinition = TABLES[table];
    const indexes = definition.indexes ?? [];
    if (indexes.length === 0) throw new Error(`${this.name}: table ${table} has no index to query`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...TABLE_OPERATIONS.queryIndexes],
        resources: indexes.map((i) => `${resource.tableArn}/index/${i.name}`),
      }),
    );
  }

  /**
   * Envelope encryption (lambdas/stores/kms-secret-cipher.ts): encrypting functions generate
   * data keys, delivery functions unwrap them — both only with the data keys' encryption
   * context (encrypting functions unwrap too, to adopt the shared current data key). Delivery
   * functions may also decrypt secrets stored before data keys (kms1: a direct Encrypt with the
   * secret's own context), until every webhook has rotated.
   */
  private grantSecrets(access: FunctionAccess, state: WebhooksState): Record<string, string> {
    if (!access.secrets) return {};
    for (const { sid, ...usage } of secretsKeyUsages(access.secrets)) {
      // The key policy is the gate: it names this role. The role's statement says the same.
      state.secretsKey.addToResourcePolicy(new iam.PolicyStatement({ sid: `${sid}${pascal(this.name)}`, principals: [this.role], resources: ['*'], ...usage }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ resources: [state.secretsKey.keyArn], ...usage }));
    }
    return { SECRETS_KMS_KEY_ID: state.secretsKey.keyArn };
  }

  private grantQueues(access: FunctionAccess, state: WebhooksState): Record<string, string> {
    const environment: Record<string, string> = {};
    const { send = [], consume } = access.queues ?? {};
    if (access.queues) {
      // Every lane's URL, not only the granted ones: the process's DeliveryQueue
      // (lambdas/shared/sqs-client.ts) resolves all lanes' URLs together. A URL grants nothing.
      for (const [lane, queue] of Object.entries(state.deliveryQueues) as [keyof typeof QUEUE_ENV, { queueUrl: string }][]) {
        environment[QUEUE_ENV[lane]] = queue.queueUrl;
      }
    }
    if (send.length > 0) {
      // SendMessageBatch is authorised as sqs:SendMessage. Under the data key, SQS also uses the
      // key with this role's permission (SSE-SQS needs none).
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: send.map((lane) => state.deliveryQueues[lane].queueArn) }),
      );
      state.dataKey?.grantQueues(this.role, 'send');
    }
    // consume: the lane's SQS event source grants receive/delete/change-visibility (DeliveryPipeline)
    // and, under the data key, an IAM kms:Decrypt the key policy admits only through SQS.
    if (consume) state.dataKey?.grantQueues(this.role, 'receive');
    return environment;
  }

  private allowVpcAccess(): void {
    this.role.addToPrincipalPolicy(vpcAccessStatement());
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Static egress: Lambda attaches the function to its VPC subnets with these EC2 network-interface actions, which take no resource-level scope (the AWSLambdaVPCAccessExecutionRole actions, inline: the role has no managed policy).',
    });
  }

  private bundledFunction(props: WebhookFunctionProps, environment: Record<string, string>): lambda.Function {
    return new lambda.Function(this, 'Function', {
      description: props.description,
      code: handlerCode(this.name),
      handler: 'index.handler',
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: props.memorySize ?? FUNCTION_MEMORY_MB.default,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      ...props.network,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...environment, ...props.environment },
    });
  }
}

/** The statements that let a role use the secrets key: encrypting functions', or delivery functions'. */
function secretsKeyUsages(use: NonNullable<FunctionAccess['secrets']>) {
  const dataKeyContext = {
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [DATA_KEY_CONTEXT_KEY] },
    StringEquals: { [`kms:EncryptionContext:${DATA_KEY_CONTEXT_KEY}`]: DATA_KEY_PURPOSE },
  };
  return use === 'encrypt'
    ? // Decrypt: to adopt the current data key another instance stored (lambdas/stores/data-key-store.ts).
      [{ sid: 'GenerateWebhookSecretDataKeys', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], conditions: dataKeyContext }]
    : [
        { sid: 'DecryptWebhookSecretDataKeys', actions: ['kms:Decrypt'], conditions: dataKeyContext },
        {
          sid: 'DecryptWebhookSecretsKms1',
          actions: ['kms:Decrypt'],
          conditions: {
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [KMS_CONTEXT_KEY] },
            Null: { [`kms:EncryptionContext:${KMS_CONTEXT_KEY}`]: 'false' },
          },
        },
      ];
}

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
