// The synthesized template, asserted resource by resource (default sandbox stage, then what the
// live stage and other context change), and cdk-nag's AWS Solutions checks on it.
// One file, so aws-cdk-lib is loaded once; esbuild bundling is skipped here (bundling.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FAN_OUT_RULE_PATTERN } from '../../lambdas/domain/event-rule.js';
import { RetryPolicy } from '../../lambdas/domain/retry-policy.js';
import { FALLBACK_HANDLER, ROUTE_LIST } from '../../lambdas/routes.js';
import { parseConfig } from '../../lambdas/shared/config.js';
import { DELIVERY_QUEUE } from '../../lambdas/stores/queue-definitions.js';
import { TABLES, type TableDefinition, type TableName } from '../../lambdas/stores/table-definitions.js';
import { STACK_OUTPUTS, TABLE_OUTPUTS } from '../../lib/stack-outputs.js';
import { MIN_RECEIVE_MARGIN } from '../../lib/stage-config.js';
import { PROJECT_ROOT } from '../../lib/webhook-function.js';
import type { WebhooksStack } from '../../lib/webhooks-stack.js';
import { actionsOf, buildApp, logicalId, roleStatements, type Statement, synth } from './synth.js';

let app: App;
let stack: WebhooksStack;
let template: Template;

beforeAll(() => {
  ({ app, stack, template } = synth());
});

const NON_HTTP_FUNCTIONS = ['fan-out', 'deliver', 'sweeper'];
const ALL_FUNCTIONS = [...new Set(ROUTE_LIST.map((r) => r.name)), FALLBACK_HANDLER, ...NON_HTTP_FUNCTIONS];

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
const fnId = (name: string) => logicalId(stack, stack.functionNamed(name).fn);
const fnProps = (name: string) => resources('AWS::Lambda::Function')[fnId(name)]!.Properties;
const tableId = (name: TableName) => logicalId(stack, stack.state.tables[name]);
const queueId = (queue: 'deliveryQueue' | 'deliveryDeadLetterQueue' | 'fanOutDeadLetterQueue') => logicalId(stack, stack.state[queue]);
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

/** The table a statement's resource points at, or undefined. */
function tableOf(resource: unknown): TableName | undefined {
  const text = JSON.stringify(resource);
  return (Object.keys(TABLES) as TableName[]).find((t) => text.includes(`"${tableId(t)}"`));
}

/** Table → sorted DynamoDB actions, from a function's role; the index ARN is written `<table>/index`. */
function dynamoAccess(name: string): Record<string, string[]> {
  const access: Record<string, Set<string>> = {};
  for (const s of roleStatements(template, stack, name)) {
    for (const resource of Array.isArray(s.Resource) ? s.Resource : [s.Resource]) {
      const table = tableOf(resource);
      if (!table) continue;
      const key = JSON.stringify(resource).includes('/index/') ? `${table}/index` : table;
      for (const action of actionsOf(s).filter((a) => a.startsWith('dynamodb:'))) (access[key] ??= new Set()).add(action);
    }
  }
  return Object.fromEntries(Object.entries(access).map(([k, v]) => [k, [...v].sort()]));
}

describe('functions', () => {
  it('builds one function per handler module, and no other function', () => {
    expect(stack.functions.map((f) => f.name).sort()).toEqual([...ALL_FUNCTIONS].sort());
    expect(Object.keys(resources('AWS::Lambda::Function'))).toHaveLength(ALL_FUNCTIONS.length);
  });

  it('runs every function on nodejs24.x, arm64, logging JSON to its own log group with the stage retention', () => {
    for (const name of ALL_FUNCTIONS) {
      const props = fnProps(name);
      expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(props.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: logicalId(stack, stack.functionNamed(name).logGroup) } });
      expect(props.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(props.Tags).toEqual(expect.arrayContaining([{ Key: 'service', Value: 'buildmarkets-webhooks' }, { Key: 'environment', Value: 'sandbox' }]));
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('never sets ALLOW_LOOPBACK_URLS, nor any local-runtime-only variable', () => {
    for (const name of ALL_FUNCTIONS) {
      const variables = Object.keys(fnProps(name).Environment.Variables);
      for (const forbidden of ['ALLOW_LOOPBACK_URLS', 'SECRET_KEY_FILE', 'DYNAMODB_ENDPOINT', 'SQS_ENDPOINT']) {
        expect(variables).not.toContain(forbidden);
      }
    }
  });

  /** A function's environment with CloudFormation references written as JSON strings. */
  const environmentOf = (name: string) =>
    Object.fromEntries(
      Object.entries(fnProps(name).Environment.Variables as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );

  it('gives each function an environment its config parses, naming the tables it is granted', () => {
    for (const name of ALL_FUNCTIONS) {
      const config = parseConfig(environmentOf(name));
      expect(config).toMatchObject({ environment: 'sandbox', logLevel: 'info', allowLoopbackUrls: false });
      const granted = new Set(Object.keys(dynamoAccess(name)).map((k) => k.replace('/index', '')));
      for (const table of granted) {
        expect(config.tables[table as TableName]).toBe(JSON.stringify({ Ref: tableId(table as TableName) }));
      }
    }
    const deliver = parseConfig(environmentOf('deliver'));
    expect(deliver.retryPolicy.scheduleSeconds).toEqual([300, 1800, 7200, 18000, 36000]);
    expect(deliver.secretsKmsKeyId).toBe(JSON.stringify(getAtt(logicalId(stack, stack.state.secretsKey))));
    expect(deliver.deliveryQueueUrl).toBe(JSON.stringify({ Ref: queueId('deliveryQueue') }));
  });
});

describe('API', () => {
  it('routes each entry of the shared route table to its own function, and $default to the fallback', () => {
    const routes = Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    const targetFunction = (routeKey: string) => {
      const route = routes.find((r) => r.RouteKey === routeKey);
      if (!route) throw new Error(`no route ${routeKey}`);
      const integrationId = (route.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
      return integrations[integrationId.Ref]!.Properties.IntegrationUri;
    };
    expect(routes).toHaveLength(ROUTE_LIST.length + 1);
    for (const route of ROUTE_LIST) {
      expect(targetFunction(`${route.method} ${route.path}`)).toEqual(getAtt(fnId(route.name)));
    }
    expect(targetFunction('$default')).toEqual(getAtt(fnId(FALLBACK_HANDLER)));
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('serves the portal: GET /portal and GET /portal/{asset} go to one public function with no data access (SPEC §10)', () => {
    const portalRoutes = ROUTE_LIST.filter((r) => r.path === '/portal' || r.path === '/portal/{asset}');
    expect(portalRoutes.map((r) => [r.method, r.path, r.name, r.scope])).toEqual([
      ['GET', '/portal', 'portal', null],
      ['GET', '/portal/{asset}', 'portal', null],
    ]);
    const routeKeys = Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(routeKeys).toEqual(expect.arrayContaining(['GET /portal', 'GET /portal/{asset}']));
    expect(fnProps('portal').Handler).toBe('index.handler');
    expect(stack.functions.filter((f) => f.name === 'portal')).toHaveLength(1);
    expect(dynamoAccess('portal')).toEqual({});
    expect(roleStatements(template, stack, 'portal').flatMap(actionsOf).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    // Every other route authenticates: the portal's are the only public ones.
    expect(ROUTE_LIST.filter((r) => r.scope === null).map((r) => r.name)).toEqual(['portal', 'portal']);
  });

  it('lets API Gateway invoke each route function only from its route', () => {
    for (const route of [...ROUTE_LIST, { name: FALLBACK_HANDLER, method: '*', path: '*' }]) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(fnId(route.name)),
        Principal: 'apigateway.amazonaws.com',
        SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([`/*/*${route.path === '*' ? '' : route.path}`])]) }),
      });
    }
  });

  it('logs every request as JSON, without headers, and throttles by default', () => {
    const stage = Object.values(resources('AWS::ApiGatewayV2::Stage'));
    expect(stage).toHaveLength(1);
    const props = stage[0]!.Properties;
    expect(props).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: { DestinationArn: getAtt(logicalId(stack, stack.api.accessLogs)) },
    });
    const format = JSON.parse(props.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
    expect(Object.values(format).filter((v) => /header|authorizer|querystring/i.test(v))).toEqual([]);
  });
});

describe('data', () => {
  it('declares each table of the shared definitions: keys, on-demand, point-in-time recovery, TTL', () => {
    const tables = resources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(Object.keys(TABLES).length);
    for (const [name, def] of Object.entries(TABLES) as [TableName, TableDefinition][]) {
      const props = tables[tableId(name)]!.Properties;
      expect(props).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        KeySchema: [
          { AttributeName: def.partitionKey, KeyType: 'HASH' },
          ...(def.sortKey ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' }] : []),
        ],
      });
      expect(props.TimeToLiveSpecification).toEqual(
        def.timeToLiveAttribute ? { AttributeName: def.timeToLiveAttribute, Enabled: true } : undefined,
      );
      expect((props.GlobalSecondaryIndexes ?? []).map((i: any) => [i.IndexName, i.KeySchema.map((k: any) => k.AttributeName)])).toEqual(
        (def.indexes ?? []).map((i) => [i.name, [i.partitionKey, i.sortKey]]),
      );
    }
    expect(tables[tableId('deliveries')]!.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
  });
});

describe('IAM', () => {
  it('uses no managed policy, no wildcard action and no wildcard resource in any function role', () => {
    for (const name of ALL_FUNCTIONS) {
      const statements = roleStatements(template, stack, name);
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        expect(actionsOf(s).filter((a) => a.includes('*'))).toEqual([]);
        expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|\/\*"|:\*"/);
      }
    }
  });

  it('gives read-only routes read-only data access (plus the rate-limit counter)', () => {
    const readRoutes = ROUTE_LIST.filter((r) => r.scope === 'webhooks:read');
    expect(readRoutes.map((r) => r.name).sort()).toEqual(['get-webhook', 'list-deliveries', 'list-webhooks']);
    for (const route of readRoutes) {
      const { rateLimits, ...data } = dynamoAccess(route.name);
      expect(rateLimits).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
      for (const actions of Object.values(data)) expect(actions).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
      const other = roleStatements(template, stack, route.name).flatMap(actionsOf).filter((a) => !/^(dynamodb|logs):/.test(a));
      expect(other).toEqual([]);
    }
  });

  it('grants each function exactly the table actions its handler needs', () => {
    const read = ['dynamodb:GetItem', 'dynamodb:Query'];
    const auth = { apiKeys: read, rateLimits: [...read, 'dynamodb:UpdateItem'] };
    expect(dynamoAccess('create-webhook')).toEqual({ ...auth, webhooks: ['dynamodb:PutItem', 'dynamodb:UpdateItem'] });
    expect(dynamoAccess('update-webhook')).toEqual({ ...auth, webhooks: [...read, 'dynamodb:UpdateItem'] });
    expect(dynamoAccess('delete-webhook')).toEqual({ ...auth, webhooks: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'] });
    expect(dynamoAccess('test-webhook')).toEqual({ ...auth, webhooks: read, jobs: ['dynamodb:PutItem'] });
    expect(dynamoAccess('list-deliveries')).toEqual({ ...auth, webhooks: read, deliveries: read });
    expect(dynamoAccess(FALLBACK_HANDLER)).toEqual({});
    expect(dynamoAccess('fan-out')).toEqual({ webhooks: read, jobs: ['dynamodb:PutItem'], rejectedEvents: ['dynamodb:PutItem'] });
    expect(dynamoAccess('deliver')).toEqual({ jobs: ['dynamodb:BatchWriteItem', ...read], webhooks: read, deliveries: ['dynamodb:BatchWriteItem'] });
    expect(dynamoAccess('sweeper')).toEqual({ 'jobs/index': ['dynamodb:Query'], jobs: ['dynamodb:UpdateItem'] });
  });

  it('grants somewhere every AWS call the handlers make (a new kind of call fails here until the stack grants it)', () => {
    /** SDK command → the IAM action that authorises it. */
    const ACTION_OF: Record<string, string> = {
      GetCommand: 'dynamodb:GetItem',
      PutCommand: 'dynamodb:PutItem',
      QueryCommand: 'dynamodb:Query',
      UpdateCommand: 'dynamodb:UpdateItem',
      DeleteCommand: 'dynamodb:DeleteItem',
      BatchWriteCommand: 'dynamodb:BatchWriteItem',
      SendMessageBatchCommand: 'sqs:SendMessage',
      ChangeMessageVisibilityBatchCommand: 'sqs:ChangeMessageVisibility',
      EncryptCommand: 'kms:Encrypt',
      DecryptCommand: 'kms:Decrypt',
    };
    const granted = new Set(ALL_FUNCTIONS.flatMap((name) => roleStatements(template, stack, name).flatMap(actionsOf)));
    const sources = readdirSync(join(PROJECT_ROOT, 'lambdas'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const used = sources.flatMap((file) =>
      [...readFileSync(join(PROJECT_ROOT, 'lambdas', file), 'utf8').matchAll(/new (\w+Command)\(/g)].map((m) => ({ file, command: m[1]! })),
    );
    expect(used.length).toBeGreaterThan(10);
    for (const { file, command } of used) {
      // ApiKeyStore.list is the keys CLI's (operator credentials); no function lists keys.
      if (command === 'ScanCommand' && file.endsWith('api-key-store.ts')) continue;
      expect([file, command, granted.has(ACTION_OF[command] ?? `unknown: add ${command} to this test and to the grants`)]).toEqual([file, command, true]);
    }
  });

  it('lets only the functions that queue deliveries send to the delivery queue, and only the delivery function consume it', () => {
    const sqsActions = (name: string) =>
      roleStatements(template, stack, name)
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(getAtt(queueId('deliveryQueue'))))
        .flatMap(actionsOf)
        .sort();
    for (const name of ALL_FUNCTIONS) {
      const expected = ['test-webhook', 'fan-out', 'sweeper'].includes(name)
        ? ['sqs:SendMessage']
        : name === 'deliver'
          ? ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']
          : [];
      expect([name, sqsActions(name)]).toEqual([name, expected]);
      expect('DELIVERY_QUEUE_URL' in fnProps(name).Environment.Variables).toBe(expected.length > 0);
    }
  });
});

describe('secrets key', () => {
  const keyStatements = () => {
    const keys = Object.values(resources('AWS::KMS::Key'));
    expect(keys).toHaveLength(1);
    expect(keys[0]!.Properties.EnableKeyRotation).toBe(true);
    return keys[0]!.Properties.KeyPolicy.Statement as Statement[];
  };
  const USAGE = /^kms:(Encrypt|Decrypt|ReEncrypt.*|GenerateDataKey.*|CreateGrant|\*)$/;

  it('lets the account administer the key but not use it', () => {
    const admin = keyStatements().filter((s) => JSON.stringify(s.Principal).includes(':root'));
    expect(admin).toHaveLength(1);
    expect(actionsOf(admin[0]!)).toContain('kms:PutKeyPolicy');
    expect(actionsOf(admin[0]!).filter((a) => USAGE.test(a) || a.includes('*'))).toEqual([]);
  });

  it('lets only the create function encrypt and only the delivery function decrypt, with the secret context', () => {
    const usage = keyStatements().filter((s) => actionsOf(s).some((a) => USAGE.test(a)));
    const condition = {
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['context'] },
      Null: { 'kms:EncryptionContext:context': 'false' },
    };
    const roleArn = (name: string) => getAtt(logicalId(stack, stack.functionNamed(name).role));
    expect(usage).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:Encrypt', Principal: { AWS: roleArn('create-webhook') }, Condition: condition }),
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:Decrypt', Principal: { AWS: roleArn('deliver') }, Condition: condition }),
    ]);
  });

  it('gives no other function KMS permissions or the key id', () => {
    for (const name of ALL_FUNCTIONS) {
      const kms = roleStatements(template, stack, name).flatMap(actionsOf).filter((a) => a.startsWith('kms:'));
      const expected = name === 'create-webhook' ? ['kms:Encrypt'] : name === 'deliver' ? ['kms:Decrypt'] : [];
      expect([name, kms]).toEqual([name, expected]);
      expect('SECRETS_KMS_KEY_ID' in fnProps(name).Environment.Variables).toBe(expected.length > 0);
    }
  });
});

describe('events and delivery', () => {
  it('creates the bus and a rule sending buildmarkets.* events to the fan-out, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'buildmarkets-events' });
    const rules = Object.values(resources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern);
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      EventBusName: { Ref: logicalId(stack, stack.state.eventBus) },
      EventPattern: FAN_OUT_RULE_PATTERN,
      Targets: [
        {
          Arn: getAtt(fnId('fan-out')),
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: getAtt(queueId('fanOutDeadLetterQueue')) },
        },
      ],
    });
    // The fan-out DLQ accepts EventBridge's messages from that rule only.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId('fanOutDeadLetterQueue') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': getAtt(logicalId(stack, stack.pipeline.fanOutRule)) } },
          }),
        ]),
      },
    });
  });

  it('sends fan-out invocations that fail after Lambda retries to the fan-out DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId('fan-out') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: getAtt(queueId('fanOutDeadLetterQueue')) } },
    });
  });

  it('encrypts every queue and refuses non-TLS access to it', () => {
    for (const queue of ['deliveryQueue', 'deliveryDeadLetterQueue', 'fanOutDeadLetterQueue'] as const) {
      expect(resources('AWS::SQS::Queue')[queueId(queue)]!.Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('hides a delivery message ≥ 6× the delivery timeout and moves it to the DLQ only after every attempt plus a margin', () => {
    const queue = resources('AWS::SQS::Queue')[queueId('deliveryQueue')]!.Properties;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fnProps('deliver').Timeout);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt(queueId('deliveryDeadLetterQueue')), maxReceiveCount: DELIVERY_QUEUE.maxReceiveCount });
    expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(new RetryPolicy().maxAttempts + MIN_RECEIVE_MARGIN);
  });

  it('feeds the delivery function from the queue with partial batch responses and bounded concurrency', () => {
    const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      FunctionName: { Ref: fnId('deliver') },
      EventSourceArn: getAtt(queueId('deliveryQueue')),
      BatchSize: DELIVERY_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('runs the sweeper every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: getAtt(fnId('sweeper')) })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: getAtt(fnId('sweeper')),
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt(logicalId(stack, stack.pipeline.sweepSchedule)),
    });
  });
});

describe('operations', () => {
  const alarms = () => Object.values(resources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const dimension = (alarm: Record<string, any>) => alarm.Dimensions?.[0]?.Value;

  it('alarms on a message in either dead-letter queue', () => {
    for (const queue of ['deliveryDeadLetterQueue', 'fanOutDeadLetterQueue'] as const) {
      const alarm = alarms().find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(dimension(a)) === JSON.stringify(getAtt(queueId(queue), 'QueueName')));
      expect(alarm).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    }
  });

  it('alarms on API 5xx responses', () => {
    const alarm = alarms().find((a) => a.MetricName === '5xx');
    expect(alarm).toMatchObject({ Namespace: 'AWS/ApiGateway', Statistic: 'Sum', Dimensions: [{ Name: 'ApiId', Value: { Ref: logicalId(stack, stack.api.httpApi) } }] });
  });

  it('alarms on errors of every function', () => {
    const errorAlarms = alarms().filter((a) => a.MetricName === 'Errors');
    expect(errorAlarms.map((a) => dimension(a)).sort((a, b) => a.Ref.localeCompare(b.Ref))).toEqual(
      ALL_FUNCTIONS.map((n) => ({ Ref: fnId(n) })).sort((a, b) => a.Ref.localeCompare(b.Ref)),
    );
    for (const alarm of errorAlarms) expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1, AlarmDescription: expect.any(String) });
  });

  it('outputs the API URL, the bus name and every table name under the keys the CLIs read', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([...Object.values(STACK_OUTPUTS), ...Object.values(TABLE_OUTPUTS)].sort());
    for (const [name, key] of Object.entries(TABLE_OUTPUTS)) expect(outputs[key]!.Value).toEqual({ Ref: tableId(name as TableName) });
    expect(outputs[STACK_OUTPUTS.eventBusName]!.Value).toEqual({ Ref: logicalId(stack, stack.state.eventBus) });
    expect(JSON.stringify(outputs[STACK_OUTPUTS.apiUrl]!.Value)).toContain(logicalId(stack, stack.api.httpApi));
  });
});

describe('stage context in the template', () => {
  it('sandbox: tables, key and logs go with the stack', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(template.findResources(type))) expect(resource.DeletionPolicy).toBe('Delete');
    }
    template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  describe('live', () => {
    let live: ReturnType<typeof synth>;
    beforeAll(() => {
      live = synth({
        context: { environment: 'live', retrySchedule: '60,120', logRetentionDays: 90, eventBusName: 'platform-events', stackName: 'WebhooksLive', logLevel: 'warn' },
      });
    });

    it('keeps deletion protection on the tables, and retains them and the key when the stack goes', () => {
      expect(live.stack.stackName).toBe('WebhooksLive');
      for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key']) {
        const found = Object.values(live.template.findResources(type));
        expect(found.length).toBeGreaterThan(0);
        for (const resource of found) expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
      live.template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    });

    it('passes the stage parameters on to the functions, the bus, the logs and the alarm names', () => {
      live.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
      live.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'platform-events' });
      const deliver = live.template.findResources('AWS::Lambda::Function')[logicalId(live.stack, live.stack.functionNamed('deliver').fn)]!;
      expect(deliver.Properties.Environment.Variables).toMatchObject({ ENVIRONMENT: 'live', RETRY_SCHEDULE_SECONDS: '60,120', LOG_LEVEL: 'warn' });
      live.template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'WebhooksLive-delivery-dlq-depth' });
    });

    it('passes cdk-nag too', () => {
      expect(nagFindings(live.app)).toEqual([]);
    });
  });

  it('sends alarms (and their recovery) to the topic given, and has no alarm actions otherwise', () => {
    const topic = 'arn:aws:sns:eu-west-1:111122223333:ops-pager';
    const withTopic = Object.values(synth({ context: { alarmTopicArn: topic } }).template.findResources('AWS::CloudWatch::Alarm'));
    expect(withTopic.length).toBeGreaterThan(0);
    for (const alarm of withTopic) expect(alarm.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });
});

/** Unacknowledged AWS Solutions findings of a synthesized app, one line each: rule and construct. */
function nagFindings(synthesized: App): string[] {
  const report = new AwsSolutionsChecks(synthesized).validateScope(synthesized);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath ?? r.resourceLogicalId}`));
}

describe('cdk-nag (AwsSolutionsChecks)', () => {
  it('finds nothing unacknowledged in the stack', () => {
    expect(nagFindings(app)).toEqual([]);
  });

  it('runs during synthesis (as `cdk synth` does) and fails it on a finding nobody acknowledged', () => {
    const withNag = buildApp({ nag: true });
    new sqs.Queue(withNag.stack, 'UnreviewedQueue');
    let report = '';
    try {
      withNag.app.synth();
    } catch (error) {
      report = (error as Error).message;
    }
    expect(report).toMatch(/not used as a dead-letter queue[\s\S]*UnreviewedQueue[\s\S]*AwsSolutions-SQS3/);
    expect(report).toMatch(/does not require requests to use SSL[\s\S]*UnreviewedQueue[\s\S]*AwsSolutions-SQS4/);
    // Only the unreviewed queue: the service's own resources are all clean or acknowledged.
    expect(report.match(/ERROR/g)).toHaveLength(2);
  });
});
