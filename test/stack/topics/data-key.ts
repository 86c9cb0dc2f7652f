// The stage option `dataKey` in the synthesized template (lib/data-key.ts): AWS owned keys by
// default on sandbox; with `customer-managed` (the live default) one KMS key of the stack's
// encrypts every table, queue and log group, the bus and its archive, and its policy admits the
// stack's roles and the AWS services only for this stack's use. (cdk-nag and CloudFormation's
// validation of a customer-managed key: the every-option stage in webhooks-stack.ts.)
import type { Template } from 'aws-cdk-lib/assertions';
import { FUNCTION_ACCESS, type FunctionName } from '../../../lib/function-access.js';
import { DATA_KEY_OUTPUT } from '../../../lib/stack-outputs.js';
import type { WebhooksStack } from '../../../lib/webhooks-stack.js';
import { actionsOf, defaultStage, logicalId, PRODUCER, roleStatements, type Statement, synth, TOPIC } from '../synth.js';

const LIVE = { environment: 'live', alarmTopicArn: TOPIC, producerPrincipals: [PRODUCER] };

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const resourcesOf = (template: Template, type: string) => template.findResources(type) as Record<string, Resource>;
const keyArn = (stack: WebhooksStack) => ({ 'Fn::GetAtt': [logicalId(stack, stack.state.dataKey!.key), 'Arn'] });
/** Actions that use a key (not administer or describe it), wildcards included. */
const USAGE = /^kms:(\*|Encrypt.*|Decrypt.*|ReEncrypt.*|GenerateDataKey.*|CreateGrant)$/;
const region = { Ref: 'AWS::Region' };
const via = (service: string) => ({ 'Fn::Join': ['', [`${service}.`, region, '.amazonaws.com']] });

describe('dataKey: aws-owned (the sandbox default)', () => {
  const { stack, template } = defaultStage();

  it('keeps each service\'s AWS owned key: no data key, SSE-SQS queues, no key on tables, log groups, bus or archive', () => {
    expect(stack.stage.dataKey).toBe('aws-owned');
    expect(stack.state.dataKey).toBeUndefined();
    // The secrets key only.
    expect(Object.keys(resourcesOf(template, 'AWS::KMS::Key'))).toEqual([logicalId(stack, stack.state.secretsKey)]);
    for (const table of Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))) expect(table.Properties.SSESpecification).toBeUndefined();
    for (const queue of Object.values(resourcesOf(template, 'AWS::SQS::Queue'))) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
    }
    for (const group of Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'))) expect(group.Properties.KmsKeyId).toBeUndefined();
    for (const type of ['AWS::Events::EventBus', 'AWS::Events::Archive']) {
      for (const resource of Object.values(resourcesOf(template, type))) expect(resource.Properties.KmsKeyIdentifier || undefined).toBeUndefined();
    }
    expect(Object.keys(template.toJSON().Outputs)).not.toContain(DATA_KEY_OUTPUT);
  });
});

describe('dataKey: customer-managed', () => {
  // Static egress too: its VPC flow logs are one more log group.
  const { stack, template } = synth({ context: { dataKey: 'customer-managed', egress: 'static' } });
  const key = () => resourcesOf(template, 'AWS::KMS::Key')[logicalId(stack, stack.state.dataKey!.key)]!;
  const keyStatements = () => key().Properties.KeyPolicy.Statement as Statement[];
  const statement = (sid: string) => keyStatements().find((s) => s.Sid === sid)!;
  const roleArn = (name: FunctionName) => ({ 'Fn::GetAtt': [logicalId(stack, stack.functionNamed(name).role), 'Arn'] });
  const principalsOf = (s: Statement) => [((s.Principal as { AWS: unknown }).AWS)].flat();
  const functionNames = () => stack.functions.map((f) => f.name);

  it('creates one more KMS key, rotated, beside the secrets key, and outputs its ARN', () => {
    expect(Object.keys(resourcesOf(template, 'AWS::KMS::Key')).sort()).toEqual(
      [logicalId(stack, stack.state.secretsKey), logicalId(stack, stack.state.dataKey!.key)].sort(),
    );
    expect(key().Properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
    expect(resourcesOf(template, 'AWS::KMS::Alias')[logicalId(stack, stack.state.dataKey!.key.node.findChild('Alias') as never)]!.Properties.AliasName).toBe(
      `alias/${stack.stage.stackName}/data`,
    );
    expect(template.toJSON().Outputs[DATA_KEY_OUTPUT].Value).toEqual(keyArn(stack));
  });

  it('encrypts every table under it', () => {
    const tables = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(Object.keys(stack.state.tables).length);
    for (const table of tables) expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn(stack) });
  });

  it('encrypts every queue under it (DLQs too), SQS reusing a data key for 5 minutes', () => {
    const queues = Object.values(resourcesOf(template, 'AWS::SQS::Queue'));
    expect(queues).toHaveLength(5);
    for (const queue of queues) {
      expect(queue.Properties).toMatchObject({ KmsMasterKeyId: keyArn(stack), KmsDataKeyReusePeriodSeconds: 300 });
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
  });

  it('encrypts the event bus and its archive under it', () => {
    const bus = Object.values(resourcesOf(template, 'AWS::Events::EventBus'));
    const archive = Object.values(resourcesOf(template, 'AWS::Events::Archive'));
    expect([bus.length, archive.length]).toEqual([1, 1]);
    expect(bus[0]!.Properties.KmsKeyIdentifier).toEqual(keyArn(stack));
    expect(archive[0]!.Properties).toMatchObject({ KmsKeyIdentifier: keyArn(stack), SourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.state.eventBus), 'Arn'] } });
  });

  it('encrypts every log group under it: each function\'s, the API access logs, the VPC flow logs', () => {
    const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
    const expected = [...stack.functions.map((f) => f.logGroup), stack.api.accessLogs, stack.egress!.flowLogs].map((g) => logicalId(stack, g));
    expect(Object.keys(groups).sort()).toEqual(expected.sort());
    for (const group of Object.values(groups)) expect(group.Properties.KmsKeyId).toEqual(keyArn(stack));
  });

  it('has no kms:* and no open principal; every statement that lets a principal use the key has a condition', () => {
    const statements = keyStatements();
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(actionsOf(s)).not.toContain('kms:*');
      expect(JSON.stringify(s.Principal)).not.toMatch(/^"\*"$|"AWS":"\*"/);
      if (actionsOf(s).some((a) => USAGE.test(a))) expect([s.Sid, s.Condition]).toEqual([s.Sid, expect.anything()]);
    }
    // Unconditioned: administration (the account) and key metadata (EventBridge, DynamoDB), nothing else.
    expect(statements.filter((s) => !s.Condition).map((s) => s.Sid).sort()).toEqual(['AccountAdministersKeyButCannotUseIt', 'DynamoDbReadsKeyMetadata', 'EventBridgeDescribesKey']);
    for (const sid of ['DynamoDbReadsKeyMetadata', 'EventBridgeDescribesKey']) expect(actionsOf(statement(sid)).every((a) => /^kms:(Describe|Get|List)/.test(a))).toBe(true);
  });

  it('lets the account administer the key, and use it only through DynamoDB and SQS (deployment role, operators\' CLIs)', () => {
    const account = keyStatements().filter((s) => JSON.stringify(s.Principal).includes(':root'));
    expect(account.map((s) => s.Sid).sort()).toEqual(['AccountAdministersKeyButCannotUseIt', 'AccountUsesKeyOnlyThroughDynamoDbAndSqs']);
    expect(actionsOf(statement('AccountAdministersKeyButCannotUseIt')).filter((a) => USAGE.test(a))).toEqual([]);
    expect(statement('AccountUsesKeyOnlyThroughDynamoDbAndSqs').Condition).toEqual({
      StringEquals: { 'kms:ViaService': [via('dynamodb'), via('sqs')], 'kms:CallerAccount': { Ref: 'AWS::AccountId' } },
    });
  });

  it('names each role that uses a table or a queue, through that service only, and no other role', () => {
    const uses = {
      StackRolesUseTables: { service: 'dynamodb', roles: functionNames().filter((n) => Object.keys(FUNCTION_ACCESS[n].tables ?? {}).length > 0) },
      // fan-out: its failed invocations' records go to its DLQ too.
      StackRolesSendToQueues: { service: 'sqs', roles: functionNames().filter((n) => (FUNCTION_ACCESS[n].queues?.send ?? []).length > 0 || n === 'fan-out') },
      StackRolesReceiveFromQueues: { service: 'sqs', roles: functionNames().filter((n) => FUNCTION_ACCESS[n].queues?.consume) },
    };
    expect(uses.StackRolesReceiveFromQueues.roles.sort()).toEqual(['deliver', 'deliver-slow']);
    for (const [sid, { service, roles }] of Object.entries(uses)) {
      const s = statement(sid);
      expect([sid, principalsOf(s).map((p) => JSON.stringify(p)).sort()]).toEqual([sid, roles.map((n) => JSON.stringify(roleArn(n))).sort()]);
      expect([sid, s.Condition]).toEqual([sid, { StringEquals: { 'kms:ViaService': via(service) } }]);
    }
    expect(actionsOf(statement('StackRolesSendToQueues')).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(actionsOf(statement('StackRolesReceiveFromQueues'))).toEqual(['kms:Decrypt']);
    expect(actionsOf(statement('StackRolesUseTables')).filter((a) => a.includes('*') || a === 'kms:CreateGrant')).toEqual([]);
    // The functions with no data access (portal, OpenAPI document, fallback) are named nowhere.
    const named = new Set(keyStatements().flatMap((s) => (JSON.stringify(s.Principal).includes('Fn::GetAtt') ? principalsOf(s).map((p) => JSON.stringify(p)) : [])));
    for (const name of ['portal', 'get-openapi', 'fallback'] as FunctionName[]) expect([name, named.has(JSON.stringify(roleArn(name)))]).toEqual([name, false]);
  });

  it('gives each role the same use in its own policy, through the service, and no wildcard action or resource', () => {
    const dataKey = JSON.stringify(keyArn(stack));
    for (const name of functionNames()) {
      const statements = roleStatements(template, stack, name);
      // Static egress's EC2 network-interface actions take no resource scope (static-egress.ts).
      for (const s of statements.filter((st) => st.Sid !== 'AttachToVpc')) {
        expect(actionsOf(s).filter((a) => a.includes('*'))).toEqual([]);
        expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|\/\*"|:\*"/);
      }
      const onKey = statements.filter((s) => JSON.stringify(s.Resource) === dataKey);
      const hasData = Object.keys(FUNCTION_ACCESS[name].tables ?? {}).length > 0 || FUNCTION_ACCESS[name].queues;
      expect([name, onKey.length > 0]).toEqual([name, Boolean(hasData)]);
      for (const s of onKey) {
        // The SQS event source's own grant (kms:Decrypt) carries no condition; the key policy admits it only through SQS.
        if (!s.Condition) expect([name, actionsOf(s)]).toEqual([name, ['kms:Decrypt']]);
        else expect(JSON.stringify(s.Condition)).toMatch(/"kms:ViaService"/);
      }
    }
    const fanOut = roleStatements(template, stack, 'fan-out');
    const dlq = { 'Fn::GetAtt': [logicalId(stack, stack.state.fanOutDeadLetterQueue), 'Arn'] };
    expect(fanOut.filter((s) => JSON.stringify(s.Resource).includes(JSON.stringify(dlq))).flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
  });

  it('admits CloudWatch Logs for log groups of this account and region, by encryption context', () => {
    expect(statement('CloudWatchLogsEncryptsLogGroups')).toMatchObject({
      Principal: { Service: { 'Fn::Join': ['', ['logs.', region, '.amazonaws.com']] } },
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', region, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']] },
        },
      },
    });
  });

  it('admits EventBridge for this bus and its archive (its encryption context), and for rules on this bus sending to the DLQ', () => {
    const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', region, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]] });
    expect(statement('EventBridgeEncryptsBusAndArchive')).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': arn('event-bus/buildmarkets-events') } },
    });
    expect(statement('EventBridgeRulesSendToDeadLetterQueue')).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Condition: { ArnLike: { 'aws:SourceArn': arn('rule/buildmarkets-events/*') } },
    });
    // The fan-out rule, whose target has the DLQ, is on that bus.
    const rule = resourcesOf(template, 'AWS::Events::Rule')[logicalId(stack, stack.pipeline.fanOutRule)]!;
    expect(rule.Properties.EventBusName).toEqual({ Ref: logicalId(stack, stack.state.eventBus) });
  });
});

describe('dataKey on live', () => {
  const live = synth({ context: LIVE });

  it('is customer-managed by default, and the key stays when the stack goes (retainData)', () => {
    const { stack, template } = live;
    expect(stack.stage.dataKey).toBe('customer-managed');
    const key = resourcesOf(template, 'AWS::KMS::Key')[logicalId(stack, stack.state.dataKey!.key)]!;
    expect(key).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    for (const table of Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))) expect(table.Properties.SSESpecification.KMSMasterKeyId).toEqual(keyArn(stack));
  });

  it('keeps the bus policy (named producers only) and the retention rules with the key on', () => {
    const { stack, template } = live;
    const busPolicies = Object.values(resourcesOf(template, 'AWS::Events::EventBusPolicy')).map((p) => p.Properties.Statement);
    expect(busPolicies).toEqual(expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Action: 'events:PutEvents', Condition: expect.objectContaining({ ArnNotEquals: { 'aws:PrincipalArn': [PRODUCER] } }) })]));
    expect(Object.values(resourcesOf(template, 'AWS::Events::Archive'))[0]!.Properties).toMatchObject({ RetentionDays: 30, KmsKeyIdentifier: keyArn(stack) });
    const tables = resourcesOf(template, 'AWS::DynamoDB::Table');
    const withPitr = Object.entries(stack.state.tables).filter(([, t]) => tables[logicalId(stack, t)]!.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled);
    expect(withPitr.map(([name]) => name).sort()).toEqual(['apiKeys', 'webhooks']);
    for (const queue of Object.values(resourcesOf(template, 'AWS::SQS::Queue'))) expect(queue).toMatchObject({ DeletionPolicy: 'Retain', Properties: { MessageRetentionPeriod: 14 * 86400 } });
  });

  it('can be turned off, back to AWS owned keys', () => {
    const { stack, template } = synth({ context: { ...LIVE, dataKey: 'aws-owned' } });
    expect(stack.state.dataKey).toBeUndefined();
    expect(Object.keys(resourcesOf(template, 'AWS::KMS::Key'))).toEqual([logicalId(stack, stack.state.secretsKey)]);
  });
});
