// `--stack <name>`: the CLIs find a deployed stack's tables and bus through its outputs (the keys
// the stack test asserts the template declares). CloudFormation is faked: no account here.
import { DescribeStacksCommand, type DescribeStacksCommandOutput, type Output } from '@aws-sdk/client-cloudformation';
import { resolveTarget, type StackDescriber, stackQueueTarget, stackTarget, targetFromStackOutputs } from '../../bin/cli-target.js';
import { STACK_OUTPUTS, TABLE_OUTPUTS } from '../../lib/stack-outputs.js';

const OUTPUTS: Output[] = [
  ...Object.values(STACK_OUTPUTS).map((key) => ({ OutputKey: key, OutputValue: `value-of-${key}` })),
  ...Object.values(TABLE_OUTPUTS).map((key) => ({ OutputKey: key, OutputValue: `table-${key}` })),
];

class FakeCloudFormation implements StackDescriber {
  readonly requests: unknown[] = [];
  constructor(private readonly stacks: DescribeStacksCommandOutput['Stacks']) {}
  async send(command: DescribeStacksCommand): Promise<DescribeStacksCommandOutput> {
    expect(command).toBeInstanceOf(DescribeStacksCommand);
    this.requests.push(command.input);
    return { Stacks: this.stacks, $metadata: {} };
  }
}

/** The stack as DescribeStacks returns it once deployed in eu-west-1, with OUTPUTS. */
const deployedStack = () => ({
  StackName: 'BuildmarketsWebhooks',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/BuildmarketsWebhooks/0f4c2d20-0000-11ef-0000-0a1b2c3d4e5f',
  Outputs: OUTPUTS,
  CreationTime: new Date(),
  StackStatus: 'CREATE_COMPLETE' as const,
});

describe('CLI stack target', () => {
  it('reads the API keys table and the bus from the stack outputs, in the stack region, with the default credential chain', async () => {
    const cloudFormation = new FakeCloudFormation([deployedStack()]);
    const target = await stackTarget('BuildmarketsWebhooks', cloudFormation);
    expect(cloudFormation.requests).toEqual([{ StackName: 'BuildmarketsWebhooks' }]);
    expect(target).toEqual({
      region: 'eu-west-1',
      tables: { apiKeys: 'table-ApiKeysTableName' },
      eventBusName: 'value-of-EventBusName',
    });
    expect(target.credentials).toBeUndefined();
    expect(target.dynamodbEndpoint).toBeUndefined();
  });

  it('names the output a stack lacks', () => {
    const outputs = OUTPUTS.filter((o) => o.OutputKey !== TABLE_OUTPUTS.apiKeys);
    expect(() => targetFromStackOutputs('Other', outputs, 'eu-west-1')).toThrow('stack Other has no output ApiKeysTableName');
  });

  it('says so when the stack does not exist', async () => {
    await expect(stackTarget('Missing', new FakeCloudFormation([]))).rejects.toThrow('stack Missing not found');
  });

  it('uses the local runtime without --stack', async () => {
    await expect(resolveTarget({ dataDir: '/nonexistent-data-dir' })).rejects.toThrow(/No local runtime state at \/nonexistent-data-dir/);
  });
});

describe('dlq CLI stack target', () => {
  it('reads each lane\'s queue and DLQ URLs from the stack outputs, in the stack region', async () => {
    const cloudFormation = new FakeCloudFormation([deployedStack()]);
    expect(await stackQueueTarget('BuildmarketsWebhooks', cloudFormation)).toEqual({
      region: 'eu-west-1',
      lanes: {
        fast: { queueUrl: 'value-of-DeliveryQueueUrl', deadLetterQueueUrl: 'value-of-DeliveryDeadLetterQueueUrl' },
        slow: { queueUrl: 'value-of-SlowDeliveryQueueUrl', deadLetterQueueUrl: 'value-of-SlowDeliveryDeadLetterQueueUrl' },
      },
    });
  });

  it('says which output a stack lacks', async () => {
    const outputs = OUTPUTS.filter((o) => o.OutputKey !== STACK_OUTPUTS.slowDeliveryDeadLetterQueueUrl);
    const stack = { StackName: 'Other', StackId: 'arn:aws:cloudformation:eu-west-1:1:stack/Other/x', Outputs: outputs, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE' as const };
    await expect(stackQueueTarget('Other', new FakeCloudFormation([stack]))).rejects.toThrow('stack Other has no output SlowDeliveryDeadLetterQueueUrl');
  });
});
