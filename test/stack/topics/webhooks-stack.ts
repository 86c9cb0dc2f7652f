// The synthesized template, asserted resource by resource (default sandbox stage, then what the
// live stage and other context change), and what `cdk synth` checks beside it: cdk-nag's AWS
// Solutions rules and CloudFormation's validation. esbuild bundling is skipped here (bundling.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FAN_OUT_RULE_PATTERN } from '../../../lambdas/domain/event-rule.js';
import { RetryPolicy } from '../../../lambdas/domain/retry-policy.js';
import { FALLBACK_HANDLER, ROUTE_LIST } from '../../../lambdas/routes.js';
import { parseConfig } from '../../../lambdas/shared/config.js';
import type { Lane } from '../../../lambdas/domain/delivery.js';
import { DELIVERY_QUEUES } from '../../../lambdas/stores/queue-definitions.js';
import { PER_DELIVERY_TABLES, TABLES, type TableDefinition, type TableName } from '../../../lambdas/stores/table-definitions.js';
import { STACK_OUTPUTS, TABLE_OUTPUTS } from '../../../lib/stack-outputs.js';
import { MIN_RECEIVE_MARGIN } from '../../../lib/stage-config.js';
import {
  AT_CAP_AGE_SECONDS,
  DELIVERY_ERRORS_THRESHOLD,
  DYNAMODB_THROTTLES_THRESHOLD,
  IN_FLIGHT_THRESHOLD,
  SWEEP_LAG_THRESHOLD_MINUTES,
} from '../../../lib/webhooks-alarms.js';
import { DELIVERY_FUNCTIONS } from '../../../lib/function-access.js';
import { PROJECT_ROOT } from '../../../lib/webhook-function.js';
import type { WebhooksStack } from '../../../lib/webhooks-stack.js';
import { actionsOf, buildApp, defaultStage, logicalId, nagFindings, PRODUCER, roleStatements, type Statement, synth, TOPIC } from '../synth.js';

let app: App;
let stack: WebhooksStack;
let template: Template;

beforeAll(() => {
  ({ app, stack, template } = defaultStage());
});

const NON_HTTP_FUNCTIONS = ['fan-out', 'deliver', 'deliver-slow', 'sweeper'];
const LANES: Lane[] = ['fast', 'slow'];
const DELIVERERS: Record<Lane, string> = { fast: 'deliver', slow: 'deliver-slow' };
const ALL_FUNCTIONS = [...new Set(ROUTE_LIST.map((r) => r.name)), FALLBACK_HANDLER, ...NON_HTTP_FUNCTIONS];

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
const fnId = (name: string) => logicalId(stack, stack.functionNamed(name).fn);
const fnProps = (name: string) => resources('AWS::Lambda::Function')[fnId(name)]!.Properties;
const tableId = (name: TableName) => logicalId(stack, stack.state.tables[name]);
const queueId = (queue: 'deliveryQueue' | 'deliveryDeadLetterQueue' | 'fanOutDeadLetterQueue') => logicalId(stack, stack.state[queue]);
const laneQueueId = (lane: Lane) => logicalId(stack, stack.state.deliveryQueues[lane]);
const laneDlqId = (lane: Lane) => logicalId(stack, stack.state.deliveryDeadLetterQueues[lane]);
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

/** Reserved concurrency for every function kind that takes it (well under an account's 1,000). */
const RESERVED_CONCURRENCY = {
  fanOutReservedConcurrency: 50,
  deliveryReservedConcurrency: 30,
  deliveryMaxConcurrency: 30,
  slowDeliveryReservedConcurrency: 10,
  apiReservedConcurrency: 10,
};
/** A second producer for the bus policy, beside the live stage's (of another account). */
const OTHER_PRODUCER = 'arn:aws:iam::444455556666:role/billing';
/**
 * One sandbox synth with the stage parameters whose effects are independent of each other, each
 * read by its own test below (a synth is ~0.5 s of CPU): reserved concurrency, the fast lane's age
 * alarm, an alarm topic, the archive's retention and named producers.
 */
let tunedSynth: ReturnType<typeof synth> | undefined;
const tuned = () =>
  (tunedSynth ??= synth({
    context: {
      ...RESERVED_CONCURRENCY,
      fastQueueAgeAlarmMinutes: 5,
      alarmTopicArn: TOPIC,
      eventArchiveRetentionDays: 400,
      producerPrincipals: `${PRODUCER},${OTHER_PRODUCER}`,
    },
  }));

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

  it('runs every function on nodejs24.x, arm64, without source maps enabled, logging JSON to its own log group with the stage retention', () => {
    for (const name of ALL_FUNCTIONS) {
      const props = fnProps(name);
      expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(props.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: logicalId(stack, stack.functionNamed(name).logGroup) } });
      // No --enable-source-maps (slower imports, measured by `npm run bench`) and no compile cache.
      expect(props.Environment.Variables.NODE_OPTIONS).toBeUndefined();
      expect(props.Environment.Variables.NODE_COMPILE_CACHE).toBeUndefined();
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
    expect(deliver.queueUrls.fast).toBe(JSON.stringify({ Ref: queueId('deliveryQueue') }));
    // Functions that queue or consume deliveries know every lane's URL (DeliveryQueue resolves
    // them together); what they may do with each is the IAM test below.
    const urls = { fast: JSON.stringify({ Ref: laneQueueId('fast') }), slow: JSON.stringify({ Ref: laneQueueId('slow') }) };
    const queueing = ['deliver', 'deliver-slow', 'fan-out', 'test-webhook', 'sweeper', 'redeliver-event', 'recover-events'];
    for (const name of queueing) {
      expect([name, parseConfig(environmentOf(name)).queueUrls]).toEqual([name, urls]);
    }
    for (const name of ALL_FUNCTIONS.filter((n) => !queueing.includes(n))) {
      expect([name, parseConfig(environmentOf(name)).queueUrls]).toEqual([name, { fast: undefined, slow: undefined }]);
    }
    expect(parseConfig(environmentOf('deliver-slow')).retryPolicy.scheduleSeconds).toEqual([300, 1800, 7200, 18000, 36000]);
  });

  it('reserves no concurrency by default (a new account may have a quota of 10)', () => {
    for (const name of ALL_FUNCTIONS) expect([name, fnProps(name).ReservedConcurrentExecutions]).toEqual([name, undefined]);
  });

  it('reserves the concurrency the stage asks for: fan-out, each delivery lane, each route function', () => {
    const reserved = tuned();
    const props = (name: string) => reserved.template.findResources('AWS::Lambda::Function')[logicalId(reserved.stack, reserved.stack.functionNamed(name).fn)]!.Properties;
    const expected: Record<string, number | undefined> = { 'fan-out': 50, deliver: 30, 'deliver-slow': 10, sweeper: undefined, [FALLBACK_HANDLER]: undefined };
    for (const route of ROUTE_LIST) expected[route.name] = 10;
    for (const name of ALL_FUNCTIONS) expect([name, props(name).ReservedConcurrentExecutions]).toEqual([name, expected[name]]);
    const mappings = Object.values(reserved.template.findResources('AWS::Lambda::EventSourceMapping')).map((m) => m.Properties.ScalingConfig);
    expect(mappings).toEqual(expect.arrayContaining([{ MaximumConcurrency: 30 }, { MaximumConcurrency: 5 }]));
  });
});

describe('API', () => {
  it('gives each route function 10 s, and recover 29 s (its re-queue budget, then counting the rest), within the 30 s integration limit', () => {
    for (const route of ROUTE_LIST) expect([route.name, fnProps(route.name).Timeout]).toEqual([route.name, route.name === 'recover-events' ? 29 : 10]);
  });

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
    // Every other route authenticates: the portal's and the OpenAPI document are the only public ones.
    expect(ROUTE_LIST.filter((r) => r.scope === null).map((r) => r.name)).toEqual(['get-openapi', 'portal', 'portal']);
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
  it('declares each table of the shared definitions: keys, on-demand, TTL', () => {
    const tables = resources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(Object.keys(TABLES).length);
    for (const [name, def] of Object.entries(TABLES) as [TableName, TableDefinition][]) {
      const props = tables[tableId(name)]!.Properties;
      expect(props).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: def.partitionKey, KeyType: 'HASH' },
          ...(def.sortKey ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' }] : []),
        ],
      });
      expect(props.TimeToLiveSpecification).toEqual(
        def.timeToLiveAttribute ? { AttributeName: def.timeToLiveAttribute, Enabled: true } : undefined,
      );
      expect(
        (props.GlobalSecondaryIndexes ?? []).map((i: any) => [i.IndexName, i.KeySchema.map((k: any) => k.AttributeName), i.Projection.ProjectionType]),
      ).toEqual((def.indexes ?? []).map((i) => [i.name, [i.partitionKey, i.sortKey], i.projection]));
    }
    expect(tables[tableId('deliveries')]!.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
    // The data model of SPEC §9: events and endpoint health tables; the due index keys only.
    for (const name of ['events', 'endpoints'] as const) expect(tables[tableId(name)]!.Properties.TimeToLiveSpecification).toBeDefined();
    expect(tables[tableId('jobs')]!.Properties.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({ IndexName: 'due-index', Projection: { ProjectionType: 'KEYS_ONLY' } }),
      // SPEC §7 recover: failed and dropped jobs by webhook and end time.
      expect.objectContaining({ IndexName: 'ended-index', Projection: { ProjectionType: 'KEYS_ONLY' } }),
    ]);
  });

  it('keeps point-in-time recovery only for the tables whose items outlive 35 days and cannot be rebuilt: webhooks and API keys', () => {
    const tables = resources('AWS::DynamoDB::Table');
    const withPitr = (Object.keys(TABLES) as TableName[]).filter((name) => tables[tableId(name)]!.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled);
    expect(withPitr.sort()).toEqual(['apiKeys', 'webhooks']);
    // Every other table expires its items (TTL) within the 30 days of SPEC §4, or is rebuilt by the service.
    for (const name of Object.keys(TABLES) as TableName[]) {
      if (!withPitr.includes(name)) expect([name, 'timeToLiveAttribute' in TABLES[name]]).toEqual([name, true]);
    }
  });
});

describe('DynamoDB billing', () => {
  const SCALABLE_TARGET = 'AWS::ApplicationAutoScaling::ScalableTarget';

  it('provisions nothing and scales nothing by default: every table on-demand', () => {
    for (const table of Object.values(resources('AWS::DynamoDB::Table'))) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.ProvisionedThroughput).toBeUndefined();
    }
    expect(template.findResources(SCALABLE_TARGET)).toEqual({});
    expect(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).toEqual({});
  });

  it('switches only tables without indexes: a provisioned index would need capacity of its own', () => {
    expect([...PER_DELIVERY_TABLES].sort()).toEqual(['deliveries', 'events']);
    for (const name of PER_DELIVERY_TABLES) expect([name, (TABLES[name] as TableDefinition).indexes]).toEqual([name, undefined]);
  });

  describe('provisioned', () => {
    let p: ReturnType<typeof synth>;
    const capacity = { write: { min: 7, max: 700 }, read: { min: 3, max: 90 }, target: 60 };
    beforeAll(() => {
      p = synth({
        context: {
          dynamoDbBilling: 'provisioned',
          provisionedWriteCapacityMin: String(capacity.write.min),
          provisionedWriteCapacityMax: String(capacity.write.max),
          provisionedReadCapacityMin: capacity.read.min,
          provisionedReadCapacityMax: capacity.read.max,
          provisionedTargetUtilization: capacity.target,
        },
      });
    });
    const idOf = (name: TableName) => logicalId(p.stack, p.stack.state.tables[name]);
    const tableProps = (name: TableName) => (p.template.findResources('AWS::DynamoDB::Table') as Record<string, Resource>)[idOf(name)]!.Properties;

    it('provisions the deliveries and events tables at the minimum capacities, everything else as before', () => {
      for (const name of PER_DELIVERY_TABLES) {
        // CloudFormation's default billing mode is PROVISIONED, and CDK leaves the default out.
        expect([name, tableProps(name).BillingMode ?? 'PROVISIONED']).toEqual([name, 'PROVISIONED']);
        expect([name, tableProps(name)]).toEqual([
          name,
          expect.objectContaining({
            ProvisionedThroughput: { ReadCapacityUnits: capacity.read.min, WriteCapacityUnits: capacity.write.min },
            DeletionProtectionEnabled: false,
            TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
          }),
        ]);
      }
      const others = (Object.keys(TABLES) as TableName[]).filter((t) => !(PER_DELIVERY_TABLES as readonly TableName[]).includes(t));
      expect(others).toHaveLength(Object.keys(TABLES).length - 2);
      for (const name of others) {
        expect([name, tableProps(name).BillingMode, tableProps(name).ProvisionedThroughput]).toEqual([name, 'PAY_PER_REQUEST', undefined]);
      }
    });

    it('auto scales reads and writes of both tables between the stage bounds, tracking the target utilization', () => {
      const targets = p.template.findResources(SCALABLE_TARGET) as Record<string, Resource>;
      const policies = Object.values(p.template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy') as Record<string, Resource>);
      const found = Object.entries(targets).map(([id, t]) => {
        const table = PER_DELIVERY_TABLES.find((n) => JSON.stringify(t.Properties.ResourceId).includes(`"Ref":"${idOf(n)}"`));
        const dimension = t.Properties.ScalableDimension as string;
        const tracking = policies.filter((pol) => pol.Properties.ScalingTargetId?.Ref === id).map((pol) => pol.Properties);
        return { table, dimension, namespace: t.Properties.ServiceNamespace, min: t.Properties.MinCapacity, max: t.Properties.MaxCapacity, tracking };
      });
      const policy = (metric: string) => [
        expect.objectContaining({
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: expect.objectContaining({ TargetValue: capacity.target, PredefinedMetricSpecification: { PredefinedMetricType: metric } }),
        }),
      ];
      const expected = PER_DELIVERY_TABLES.flatMap((table) => [
        { table, dimension: 'dynamodb:table:ReadCapacityUnits', namespace: 'dynamodb', ...capacity.read, tracking: policy('DynamoDBReadCapacityUtilization') },
        { table, dimension: 'dynamodb:table:WriteCapacityUnits', namespace: 'dynamodb', ...capacity.write, tracking: policy('DynamoDBWriteCapacityUtilization') },
      ]);
      const order = (a: { table?: string; dimension: string }, b: { table?: string; dimension: string }) => `${a.table}${a.dimension}`.localeCompare(`${b.table}${b.dimension}`);
      expect(found.sort(order)).toEqual(expected.sort(order));
    });
  });

  it('fails the synthesis on a capacity range whose minimum is above its maximum, naming the key', () => {
    expect(() => synth({ context: { dynamoDbBilling: 'provisioned', provisionedWriteCapacityMin: 10, provisionedWriteCapacityMax: 5 } })).toThrow(
      /provisionedWriteCapacityMin: 10 is above provisionedWriteCapacityMax \(5\)/,
    );
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
    expect(readRoutes.map((r) => r.name).sort()).toEqual(['get-egress-ips', 'get-webhook', 'list-deliveries', 'list-event-types', 'list-webhooks']);
    for (const route of readRoutes) {
      const { rateLimits, ...data } = dynamoAccess(route.name);
      expect(rateLimits).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
      // BatchGetItem: the webhooks list reads its page's endpoint health in one call (SPEC §7).
      for (const actions of Object.values(data)) expect(actions.filter((a) => !['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'].includes(a))).toEqual([]);
      const other = roleStatements(template, stack, route.name).flatMap(actionsOf).filter((a) => !/^(dynamodb|logs):/.test(a));
      expect(other).toEqual([]);
    }
  });

  it('grants each function exactly the table actions its handler needs', () => {
    const read = ['dynamodb:GetItem', 'dynamodb:Query'];
    const auth = { apiKeys: read, rateLimits: [...read, 'dynamodb:UpdateItem'] };
    // The counter's self-repair at the limit reads the counter and counts the webhooks (GetItem, Query).
    expect(dynamoAccess('create-webhook')).toEqual({ ...auth, webhooks: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'] });
    // The webhook object's health (SPEC §7) is the endpoint item: GetItem, or BatchGetItem for a list page.
    // A PATCH to active half-opens the circuit (SPEC §9): a consistent GetItem and a conditional PutItem.
    expect(dynamoAccess('update-webhook')).toEqual({ ...auth, webhooks: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], endpoints: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'] });
    expect(dynamoAccess('get-webhook')).toEqual({ ...auth, webhooks: read, endpoints: read });
    expect(dynamoAccess('list-webhooks')).toEqual({ ...auth, webhooks: read, endpoints: ['dynamodb:BatchGetItem'] });
    expect(dynamoAccess('delete-webhook')).toEqual({ ...auth, webhooks: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'] });
    // The event's lease (claim, release, end early), then the event (stored, or read back with its chunks to finish it).
    const fanOutPath = {
      webhooks: read,
      fanOuts: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      events: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      jobs: ['dynamodb:PutItem'],
      // SPEC §11 per_entity ordering: the job put in its line; out of it again if the queue refuses it.
      orderedJobs: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
      deliveries: ['dynamodb:BatchWriteItem'],
      // The lane serving each target endpoint: slow-lane endpoints' jobs go there directly.
      endpoints: ['dynamodb:BatchGetItem'],
    };
    // Like every partner action, the test route half-opens an open circuit (SPEC §9).
    expect(dynamoAccess('test-webhook')).toEqual({ ...auth, ...fanOutPath, endpoints: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'] });
    expect(dynamoAccess('list-deliveries')).toEqual({ ...auth, webhooks: read, deliveries: read });
    expect(dynamoAccess(FALLBACK_HANDLER)).toEqual({});
    expect(dynamoAccess('list-event-types')).toEqual(auth);
    expect(dynamoAccess('get-openapi')).toEqual({});
    expect(dynamoAccess('fan-out')).toEqual({ ...fanOutPath, rejectedEvents: ['dynamodb:PutItem'] });
    for (const name of ['deliver', 'deliver-slow']) {
      expect(dynamoAccess(name)).toEqual({
        // The slow lane also runs recover tasks (SPEC §7): the jobs' ended-index, and each re-queued job's lease ended.
        jobs: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', ...(name === 'deliver-slow' ? ['dynamodb:UpdateItem'] : [])],
        ...(name === 'deliver-slow' ? { 'jobs/index': ['dynamodb:Query'] } : {}),
        events: ['dynamodb:BatchGetItem', ...read],
        // SPEC §11 per_entity ordering: the head of the job's line, and the job out of it once ended.
        orderedJobs: ['dynamodb:DeleteItem', ...read],
        // Auto-disable (410 Gone, failing too long): a conditional UpdateItem of the webhook.
        webhooks: [...read, 'dynamodb:UpdateItem'],
        endpoints: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        deliveries: ['dynamodb:BatchWriteItem'],
        // SPEC §11: a rate-limited webhook's slot schedule.
        rateLimits: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      });
    }
    // Parked jobs (due index, lease), and the fan-out's path for events whose fan-out stopped midway (the leases' shards by Query).
    expect(dynamoAccess('sweeper')).toEqual({
      ...fanOutPath,
      fanOuts: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      'jobs/index': ['dynamodb:Query'],
      jobs: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    });
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
      BatchGetCommand: 'dynamodb:BatchGetItem',
      SendMessageBatchCommand: 'sqs:SendMessage',
      ChangeMessageVisibilityBatchCommand: 'sqs:ChangeMessageVisibility',
      // A delivery function filling its batch's free slots from its own lane's queue (batch-refill.ts).
      ReceiveMessageCommand: 'sqs:ReceiveMessage',
      DeleteMessageBatchCommand: 'sqs:DeleteMessage',
      GenerateDataKeyCommand: 'kms:GenerateDataKey',
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

  it('lets only the functions that queue deliveries send to each lane, and only that lane\'s delivery function consume it', () => {
    const consume = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
    const senders: Record<Lane, string[]> = { fast: ['test-webhook', 'fan-out', 'deliver', 'deliver-slow', 'redeliver-event', 'sweeper'], slow: ['fan-out', 'sweeper', 'deliver', 'deliver-slow', 'recover-events'] };
    const ENV: Record<Lane, string> = { fast: 'DELIVERY_QUEUE_URL', slow: 'SLOW_DELIVERY_QUEUE_URL' };
    for (const lane of LANES) {
      const arn = JSON.stringify(getAtt(laneQueueId(lane)));
      const sqsActions = (name: string) =>
        roleStatements(template, stack, name)
          .filter((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).some((r) => JSON.stringify(r) === arn))
          .flatMap(actionsOf)
          .sort();
      for (const name of ALL_FUNCTIONS) {
        const expected = [...(senders[lane].includes(name) ? ['sqs:SendMessage'] : []), ...(name === DELIVERERS[lane] ? consume : [])].sort();
        expect([lane, name, sqsActions(name)]).toEqual([lane, name, expected]);
        if (expected.length > 0) expect([lane, name, ENV[lane] in fnProps(name).Environment.Variables]).toEqual([lane, name, true]);
      }
    }
    // Nobody touches the DLQs (SQS moves messages there itself).
    for (const lane of LANES) {
      const dlq = JSON.stringify(getAtt(laneDlqId(lane)));
      for (const name of ALL_FUNCTIONS) expect(roleStatements(template, stack, name).filter((s) => JSON.stringify(s.Resource).includes(dlq))).toEqual([]);
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

  it('lets only the create, update (custom headers) and rotate-secret functions generate data keys and only the delivery functions unwrap them, with the data keys\' context', () => {
    const usage = keyStatements().filter((s) => actionsOf(s).some((a) => USAGE.test(a)));
    const dataKeys = {
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose'] },
      StringEquals: { 'kms:EncryptionContext:purpose': 'webhook-secrets' },
    };
    // Secrets stored before data keys (kms1) were encrypted with their own context: delivery still decrypts them.
    const kms1 = {
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['context'] },
      Null: { 'kms:EncryptionContext:context': 'false' },
    };
    const roleArn = (name: string) => getAtt(logicalId(stack, stack.functionNamed(name).role));
    expect(usage).toHaveLength(7);
    expect(usage).toEqual(expect.arrayContaining([
      // Decrypt too: to adopt the current data key another instance stored (lambdas/stores/data-key-store.ts).
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Principal: { AWS: roleArn('create-webhook') }, Condition: dataKeys }),
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Principal: { AWS: roleArn('update-webhook') }, Condition: dataKeys }),
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Principal: { AWS: roleArn('rotate-secret') }, Condition: dataKeys }),
      ...['deliver', 'deliver-slow'].flatMap((name) => [
        expect.objectContaining({ Effect: 'Allow', Action: 'kms:Decrypt', Principal: { AWS: roleArn(name) }, Condition: dataKeys }),
        expect.objectContaining({ Effect: 'Allow', Action: 'kms:Decrypt', Principal: { AWS: roleArn(name) }, Condition: kms1 }),
      ]),
    ]));
    // Nobody may encrypt directly any more: every new secret is under a data key.
    expect(usage.flatMap(actionsOf)).not.toContain('kms:Encrypt');
  });

  it('gives no other function KMS permissions or the key id', () => {
    for (const name of ALL_FUNCTIONS) {
      const kms = [...new Set(roleStatements(template, stack, name).flatMap(actionsOf).filter((a) => a.startsWith('kms:')))];
      const expected = name === 'create-webhook' || name === 'update-webhook' || name === 'rotate-secret' ? ['kms:Decrypt', 'kms:GenerateDataKey'] : name === 'deliver' || name === 'deliver-slow' ? ['kms:Decrypt'] : [];
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
    const ids = [queueId('fanOutDeadLetterQueue'), ...LANES.flatMap((lane) => [laneQueueId(lane), laneDlqId(lane)])];
    expect(Object.keys(resources('AWS::SQS::Queue')).sort()).toEqual([...ids].sort());
    expect(ids).toContain(queueId('deliveryQueue'));
    expect(ids).toContain(queueId('deliveryDeadLetterQueue'));
    for (const id of ids) {
      expect(resources('AWS::SQS::Queue')[id]!.Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('hides a delivery message ≥ 6× the delivery timeout and moves it to the DLQ only after every attempt plus a margin, on each lane', () => {
    for (const lane of LANES) {
      const queue = resources('AWS::SQS::Queue')[laneQueueId(lane)]!.Properties;
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fnProps(DELIVERERS[lane]).Timeout);
      expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt(laneDlqId(lane)), maxReceiveCount: DELIVERY_QUEUES[lane].maxReceiveCount });
      expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(new RetryPolicy().maxAttempts + MIN_RECEIVE_MARGIN);
    }
  });

  it('feeds each lane\'s delivery function from its queue with partial batch responses and its own bounded concurrency', () => {
    const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping')).map((m) => m.Properties);
    expect(mappings).toHaveLength(2);
    const maximum: Record<Lane, number> = { fast: 10, slow: 5 };
    for (const lane of LANES) {
      expect(mappings.find((m) => JSON.stringify(m.FunctionName) === JSON.stringify({ Ref: fnId(DELIVERERS[lane]) }))).toEqual(
        expect.objectContaining({
          EventSourceArn: getAtt(laneQueueId(lane)),
          BatchSize: DELIVERY_QUEUES[lane].batchSize,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: maximum[lane] },
        }),
      );
    }
    expect(DELIVERY_QUEUES.slow.batchSize).toBe(10);
  });

  it('runs the sweeper every minute, one invocation per part of the due shards (sweeperParts, 4)', () => {
    const rule = template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'rate(1 minute)' } });
    const targets = Object.values(rule)[0]!.Properties.Targets as { Arn: unknown; Input: string }[];
    expect(targets.map((t) => t.Arn)).toEqual(Array(4).fill(getAtt(fnId('sweeper'))));
    // Every due shard in exactly one part.
    const parts = targets.map((t) => JSON.parse(t.Input) as { part: number; parts: number });
    expect(parts).toEqual([0, 1, 2, 3].map((part) => ({ part, parts: 4 })));
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

  const queueAlarm = (metric: string, id: string) =>
    alarms().filter((a) => a.MetricName === metric && JSON.stringify(dimension(a)) === JSON.stringify(getAtt(id, 'QueueName')));

  describe('dashboard', () => {
    const dashboards = () => Object.values(resources('AWS::CloudWatch::Dashboard')).map((d) => d.Properties);
    /** The dashboard body parsed, each CloudFormation reference in it as `ref:<its JSON with ' for ">`. */
    const ref = (token: unknown) => `ref:${JSON.stringify(token).replace(/"/g, "'")}`;
    const widgets = (): { properties: { title: string; metrics: unknown[][] } }[] => {
      const parts = dashboards()[0]!.DashboardBody['Fn::Join'][1] as unknown[];
      return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : ref(p))).join('')).widgets;
    };
    const widget = (title: string) => {
      const found = widgets().filter((w) => w.properties.title.startsWith(title));
      expect(found).toHaveLength(1);
      return found[0]!.properties;
    };
    /** A widget's metric rows without their options (the trailing object). */
    const rows = (title: string) => widget(title).metrics.map((m) => m.filter((x) => typeof x === 'string'));
    const stats = (title: string) => widget(title).metrics.map((m) => (m.at(-1) as { stat?: string; expression?: string }));
    const namespace = () => `BuildmarketsWebhooks/${stack.stage.stackName}`;

    it('has one dashboard showing deliveries/s, failure rate, p99 attempt latency, queue lag, in-flight messages and DLQ depth', () => {
      expect(dashboards()).toHaveLength(1);
      expect(dashboards()[0]!.DashboardName).toBe(`${stack.stage.stackName}-deliveries`);
      const lanes = (metric: string) => LANES.map((lane) => [namespace(), metric, 'Lane', lane]);
      expect(rows('Deliveries per second')).toEqual(expect.arrayContaining(lanes('Attempts')));
      expect(stats('Deliveries per second')[0]!.expression).toBe('(FILL(attempts_fast, 0) + FILL(attempts_slow, 0)) / PERIOD(attempts_fast)');
      expect(rows('Failure rate')).toEqual(expect.arrayContaining([...lanes('Failed'), ...lanes('Attempts')]));
      expect(stats('Failure rate')[0]!.expression).toMatch(/^100 \* \(FILL\(failed_fast, 0\) \+ FILL\(failed_slow, 0\)\) \/ /);
      expect(rows('Attempt latency p99')).toEqual(lanes('AttemptLatency'));
      expect(stats('Attempt latency p99').map((m) => m.stat)).toEqual(['p99', 'p99']);
      expect(rows('Queue lag')).toEqual(expect.arrayContaining(lanes('QueueLag')));
      expect(stats('Queue lag').map((m) => m.stat)).toContain('p99');
      const queueName = (id: string) => ref(getAtt(id, 'QueueName'));
      expect(rows('In-flight messages')).toEqual(LANES.map((lane) => ['AWS/SQS', 'ApproximateNumberOfMessagesNotVisible', 'QueueName', queueName(laneQueueId(lane))]));
      expect(rows('DLQ depth')).toEqual(
        [...LANES.map(laneDlqId), queueId('fanOutDeadLetterQueue')].map((id) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queueName(id)]),
      );
    });

    it('lets the delivery functions and the sweeper write their metrics as EMF log lines only: namespace in the environment, no CloudWatch permission', () => {
      for (const lane of LANES) {
        const env = fnProps(DELIVERERS[lane]).Environment.Variables;
        expect(env).toMatchObject({ METRICS_ENABLED: '1', METRICS_NAMESPACE: namespace() });
        expect(parseConfig({ METRICS_ENABLED: env.METRICS_ENABLED, METRICS_NAMESPACE: env.METRICS_NAMESPACE }).metrics).toEqual({ enabled: true, namespace: namespace() });
      }
      expect(fnProps('sweeper').Environment.Variables).toMatchObject({ METRICS_ENABLED: '1', METRICS_NAMESPACE: namespace() });
      for (const name of ALL_FUNCTIONS) {
        const actions = roleStatements(template, stack, name).flatMap(actionsOf);
        expect(actions.filter((a) => a.startsWith('cloudwatch:'))).toEqual([]);
        if (!['deliver', 'deliver-slow', 'sweeper'].includes(name)) expect(fnProps(name).Environment?.Variables?.METRICS_ENABLED).toBeUndefined();
      }
    });
  });

  it('alarms on a message in any dead-letter queue', () => {
    for (const id of [queueId('fanOutDeadLetterQueue'), laneDlqId('fast'), laneDlqId('slow')]) {
      expect(queueAlarm('ApproximateNumberOfMessagesVisible', id)).toEqual([
        expect.objectContaining({ Namespace: 'AWS/SQS', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' }),
      ]);
    }
  });

  it('alarms on each lane queue: 60,000 messages in flight, and the age of its oldest message (stage thresholds)', () => {
    const ageSeconds: Record<Lane, number> = { fast: 15 * 60, slow: 60 * 60 };
    for (const lane of LANES) {
      expect(queueAlarm('ApproximateNumberOfMessagesNotVisible', laneQueueId(lane))).toEqual([
        expect.objectContaining({ Statistic: 'Maximum', Threshold: IN_FLIGHT_THRESHOLD, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
      ]);
      expect(queueAlarm('ApproximateAgeOfOldestMessage', laneQueueId(lane))).toEqual([
        expect.objectContaining({ Statistic: 'Maximum', Threshold: ageSeconds[lane], ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
      ]);
    }
    expect(IN_FLIGHT_THRESHOLD).toBe(60_000);
    const ageAlarm = Object.values(tuned().template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.AlarmName === `${tuned().stack.stackName}-delivery-oldest-message`,
    );
    expect(ageAlarm!.Properties.Threshold).toBe(300);
  });

  it('alarms on throttles of every function that can be throttled: all but the delivery functions, capped by their event source instead', () => {
    const throttleAlarms = alarms().filter((a) => a.MetricName === 'Throttles');
    const deliverers: string[] = Object.values(DELIVERY_FUNCTIONS);
    expect(throttleAlarms.map((a) => dimension(a).Ref).sort()).toEqual(ALL_FUNCTIONS.filter((n) => !deliverers.includes(n)).map((n) => fnId(n)).sort());
    for (const alarm of throttleAlarms) expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1 });
  });

  const named = (suffix: string) => alarms().find((a) => a.AlarmName === `${stack.stage.stackName}-${suffix}`);
  const mathMetrics = (alarm: Record<string, any> | undefined) => ((alarm?.Metrics ?? []) as any[]).filter((m) => m.MetricStat).map((m) => ({ id: m.Id, ...m.MetricStat.Metric, stat: m.MetricStat.Stat }));

  it('alarms when a delivery lane is at its event source\'s maximum concurrency with its oldest message waiting', () => {
    const caps: Record<Lane, [string, number]> = { fast: ['delivery', stack.stage.deliveryMaxConcurrency], slow: ['slow-delivery', stack.stage.slowDeliveryMaxConcurrency] };
    for (const [lane, [prefix, cap]] of Object.entries(caps) as [Lane, [string, number]][]) {
      const alarm = named(`${prefix}-at-max-concurrency`);
      const expression = (alarm!.Metrics as any[]).find((m) => m.Expression).Expression as string;
      expect(expression).toBe(`IF(running >= ${cap} AND age >= ${AT_CAP_AGE_SECONDS}, 1, 0)`);
      const metrics = mathMetrics(alarm);
      expect(metrics.find((m) => m.id === 'running')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'ConcurrentExecutions', stat: 'Maximum', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(DELIVERY_FUNCTIONS[lane]) } }] });
      expect(metrics.find((m) => m.id === 'age')).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: getAtt(laneQueueId(lane), 'QueueName') }] });
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  it('alarms on our own delivery errors of every kind on both lanes (the DeliveryErrors EMF metric)', () => {
    const alarm = named('delivery-errors');
    const metrics = mathMetrics(alarm);
    expect(metrics.map((m) => `${m.Dimensions.find((d: any) => d.Name === 'Lane').Value}/${m.Dimensions.find((d: any) => d.Name === 'Kind').Value}`).sort()).toEqual(
      ['fast/other', 'fast/throttle', 'fast/timeout', 'slow/other', 'slow/throttle', 'slow/timeout'],
    );
    for (const m of metrics) expect(m).toMatchObject({ Namespace: `BuildmarketsWebhooks/${stack.stage.stackName}`, MetricName: 'DeliveryErrors', stat: 'Sum' });
    expect(alarm).toMatchObject({ Threshold: DELIVERY_ERRORS_THRESHOLD, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('alarms on the sweeper\'s lag, and when it reports nothing', () => {
    expect(named('sweeper-lag')).toMatchObject({
      Namespace: `BuildmarketsWebhooks/${stack.stage.stackName}`,
      MetricName: 'SweepLag',
      Statistic: 'Maximum',
      Threshold: SWEEP_LAG_THRESHOLD_MINUTES * 60_000,
      TreatMissingData: 'breaching',
    });
  });

  it('says in the DLQ alarm that a first attempt has no job behind it and must be redriven', () => {
    expect(named('delivery-dlq-depth')!.AlarmDescription).toMatch(/first attempt has no job item.*redrive/);
  });

  it('alarms on DynamoDB throttling of every table, its indexes included', () => {
    const tableAlarms = alarms().filter((a) => (a.Metrics as any[] | undefined)?.some((m) => m.MetricStat?.Metric.Dimensions.some((d: any) => d.Name === 'TableName')));
    const tablesOf = (alarm: Record<string, any>) =>
      new Set((alarm.Metrics as any[]).filter((m) => m.MetricStat).map((m) => JSON.stringify(m.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'TableName').Value)));
    for (const name of Object.keys(TABLES) as TableName[]) {
      const found = tableAlarms.filter((a) => tablesOf(a).has(JSON.stringify({ Ref: tableId(name) })));
      expect([name, found.length]).toEqual([name, 1]);
      const metrics = (found[0]!.Metrics as any[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);
      const names = metrics.map((m) => `${m.MetricName}${m.Dimensions.some((d: any) => d.Name === 'GlobalSecondaryIndexName') ? '/index' : ''}`).sort();
      const indexes = (TABLES[name] as TableDefinition).indexes?.length ?? 0;
      expect(names).toEqual(
        ['ReadThrottleEvents', 'WriteThrottleEvents', ...Array.from({ length: indexes }, () => ['ReadThrottleEvents/index', 'WriteThrottleEvents/index']).flat()].sort(),
      );
      expect(found[0]).toMatchObject({ Threshold: DYNAMODB_THROTTLES_THRESHOLD, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
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
      // The live template with the most optional parts, a customer-managed data key (live's
      // default) and static egress among them (validated below: CloudFormation validation).
      live = synth({
        context: {
          environment: 'live',
          egress: 'static',
          retrySchedule: '60,120',
          logRetentionDays: 90,
          eventBusName: 'platform-events',
          stackName: 'WebhooksLive',
          logLevel: 'warn',
          alarmTopicArn: TOPIC,
          producerPrincipals: [PRODUCER],
          fanOutWebhookCacheMs: 500,
          deliveryWebhookCacheMs: 1000,
        },
      });
    });

    it('keeps deletion protection on the tables, and retains them, the key and every queue (delivery queues too) when the stack goes', () => {
      expect(live.stack.stackName).toBe('WebhooksLive');
      expect(Object.keys(live.template.findResources('AWS::SQS::Queue'))).toHaveLength(5);
      for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::SQS::Queue']) {
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
      // The webhook caches (docs/capacity.md, a partner at 1,000 events/s): the fan-out's list, each lane's per-delivery read.
      const variables = (name: string) => live.template.findResources('AWS::Lambda::Function')[logicalId(live.stack, live.stack.functionNamed(name).fn)]!.Properties.Environment.Variables;
      expect(variables('fan-out')).toMatchObject({ PARTNER_WEBHOOKS_CACHE_TTL_MS: '500' });
      for (const name of ['deliver', 'deliver-slow'] as const) expect(variables(name)).toMatchObject({ WEBHOOK_CACHE_TTL_MS: '1000' });
      live.template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'WebhooksLive-delivery-dlq-depth', AlarmActions: [TOPIC] });
    });
  });

  it('sends alarms (and their recovery) to the topic given, and has no alarm actions otherwise', () => {
    const topic = TOPIC;
    const withTopic = Object.values(tuned().template.findResources('AWS::CloudWatch::Alarm'));
    expect(withTopic.length).toBeGreaterThan(0);
    for (const alarm of withTopic) expect(alarm.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });
});

// What `cdk synth` checks beside building the template: cdk-nag's AWS Solutions rules (a finding
// nobody acknowledged fails the synth) and CloudFormation's validation (resource schemas and rules;
// cdk.json's validateAgainstDefaultRules makes its errors fail the synth). Each check is a walk over
// a whole template (nag ~1.4 s of CPU; validation ~4–6 s the first time in a process, while its
// engine starts, ~1 s after), so they run on a few templates that between them hold every kind of
// resource: the default stage, and a live stage with every optional part (every option only adds
// resources; none changes what is acknowledged). static-egress.ts walks a sandbox with static
// egress over one zone too: AWS owned keys and resources destroyed with the stack.
describe("cdk synth's checks: cdk-nag and CloudFormation validation", () => {
  /** Every optional part of a stage at once: each brings resources or settings of its own. */
  const EVERY_OPTION = {
    environment: 'live', // customer-managed data key, retained data, deletion protection
    egress: 'static', // over two zones: one has the same kinds of resources as three
    alarmTopicArn: TOPIC,
    producerPrincipals: [PRODUCER],
    fastQueueAgeAlarmMinutes: 5,
    dynamoDbBilling: 'provisioned', // auto scaling targets and policies
    ...RESERVED_CONCURRENCY,
    accountConcurrencyLimit: 1000,
  };

  // First: the validator's engine is built for the resource types of the first template it sees,
  // and the default stage's are a subset of these.
  it('passes both on a live stage with every optional part: data key, static egress, provisioned billing, reserved concurrency, alarms, producers', () => {
    const { app: everyOption, stack } = buildApp({ validate: true, context: EVERY_OPTION });
    const synthesized = everyOption.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
    const resources = Object.values(synthesized.Resources);
    const types = new Set(resources.map((r) => r.Type));
    // What the options bring, and everything the default stage has (so the validator's engine, built first for these types, serves it too).
    const optional = ['AWS::EC2::NatGateway', 'AWS::EC2::FlowLog', 'AWS::ApplicationAutoScaling::ScalableTarget', 'AWS::ApplicationAutoScaling::ScalingPolicy', 'AWS::Events::EventBusPolicy'];
    const defaults = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    for (const type of new Set([...optional, ...defaults])) expect([type, types.has(type)]).toEqual([type, true]);
    expect(resources.filter((r) => r.Type === 'AWS::KMS::Key')).toHaveLength(2); // the secrets key and the data key
    expect(resources.some((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.ReservedConcurrentExecutions !== undefined)).toBe(true);
    expect(resources.some((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.AlarmActions !== undefined)).toBe(true);
    expect(nagFindings(everyOption)).toEqual([]);
  });

  it('runs cdk-nag during synthesis and fails it on a finding nobody acknowledged: on the default stage, only the planted ones', () => {
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
    // Only the unreviewed queue's two findings: the service's own resources are all clean or
    // acknowledged, at every level (the report names each cdk-nag finding's rule, errors and
    // warnings alike, beside CDK's own annotations, which this leaves out).
    expect(report.match(/ERROR/g)).toHaveLength(2);
    const nagRules = [...report.matchAll(/Acknowledge with '(AwsSolutions::[^']+)'/g)].map((m) => m[1]);
    expect(nagRules.sort()).toEqual(['AwsSolutions::AwsSolutions-SQS3', 'AwsSolutions::AwsSolutions-SQS4']);
  });

  it('runs CloudFormation validation during synthesis and fails it on an error: on the default stage, only the planted one', () => {
    const planted = buildApp({ validate: true });
    new sqs.CfnQueue(planted.stack, 'PlantedQueue', { visibilityTimeout: 12 * 3600 + 1 });
    let report = '';
    try {
      planted.app.synth();
    } catch (error) {
      report = (error as Error).message;
    }
    expect(report).toMatch(/VisibilityTimeout: 43201 is greater than the maximum of 43200[\s\S]*PlantedQueue/);
    expect(report.match(/ERROR/g)).toHaveLength(1);
  });
});

describe('event archive (replay after a bug)', () => {
  it('archives every buildmarkets.* event published on the bus, for the stage retention (30 days by default)', () => {
    const archives = Object.values(template.findResources('AWS::Events::Archive'));
    expect(archives).toHaveLength(1);
    const bus = Object.keys(template.findResources('AWS::Events::EventBus'))[0]!;
    expect(archives[0]!.Properties).toMatchObject({
      SourceArn: { 'Fn::GetAtt': [bus, 'Arn'] },
      EventPattern: { source: [{ prefix: 'buildmarkets.' }] },
      RetentionDays: 30,
    });
  });

  it('takes its retention from the stage, and never keeps events forever (0 fails the synthesis, naming the key)', () => {
    tuned().template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 400 });
    expect(() => synth({ context: { eventArchiveRetentionDays: 0 } })).toThrow(/eventArchiveRetentionDays: 0 would keep every event/);
  });
});

describe('producers (who may publish)', () => {
  it('sandbox without producerPrincipals: no bus policy', () => {
    expect(Object.keys(resources('AWS::Events::EventBusPolicy'))).toEqual([]);
  });

  it('denies PutEvents on the bus to every principal but the named producers (AWS services excepted), and allows those', () => {
    const other = OTHER_PRODUCER;
    const { stack: s, template: t } = tuned();
    const busArn = { 'Fn::GetAtt': [logicalId(s, s.state.eventBus), 'Arn'] };
    const statements = Object.values(t.findResources('AWS::Events::EventBusPolicy')).map((p: any) => p.Properties.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      {
        Sid: 'cdk-OnlyNamedProducersPutEvents',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [PRODUCER, other] }, Bool: { 'aws:PrincipalIsAWSService': 'false' } },
      },
      { Sid: 'cdk-NamedProducersPutEvents', Effect: 'Allow', Principal: { AWS: [PRODUCER, other] }, Action: 'events:PutEvents', Resource: busArn },
    ]));
    expect(statements).toHaveLength(2);
  });
});
