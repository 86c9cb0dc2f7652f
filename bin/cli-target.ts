// Where the CLIs act: the running local runtime (from `$DATA_DIR/local.json`), or — with
// `--stack <name>` — a deployed stack, found through its CloudFormation outputs in the account
// and region of the usual AWS environment (AWS_PROFILE / AWS_REGION …; see docs/deploy.md).
import { resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, type DescribeStacksCommandOutput, type Output } from '@aws-sdk/client-cloudformation';
import { STACK_OUTPUTS, TABLE_OUTPUTS } from '../lib/stack-outputs.js';
import { readLocalState } from '../local/state-file.js';
import type { Lane } from '../lambdas/domain/delivery.js';

export type CliTarget = {
  region?: string;
  dynamodbEndpoint?: string;
  eventsEndpoint?: string;
  tables: { apiKeys: string };
  eventBusName: string;
  /** Static credentials for the local emulators; undefined = the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
};

export function localTarget(dataDir = process.env.DATA_DIR ?? '.data'): CliTarget {
  const state = readLocalState(resolve(dataDir));
  return {
    region: state.region,
    dynamodbEndpoint: state.dynamodb_endpoint,
    eventsEndpoint: state.events_url,
    tables: { apiKeys: state.tables.apiKeys },
    eventBusName: state.event_bus_name,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** The slice of CloudFormationClient the stack target uses (a test fakes it). */
export type StackDescriber = { send(command: DescribeStacksCommand): Promise<DescribeStacksCommandOutput> };

/** A deployed stack's outputs, read by key (a missing one is an error naming it), and its region. */
type DeployedStack = { region?: string; output(key: string): string };

/** DescribeStacks once; `use` reads what it needs from the stack (the client is closed after). */
async function withStack<T>(stackName: string, cloudFormation: StackDescriber | undefined, use: (stack: DeployedStack) => T): Promise<T> {
  const client = cloudFormation ?? new CloudFormationClient({});
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    if (!stack?.StackId) throw new Error(`stack ${stackName} not found`);
    // arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
    return use(stackOutputs(stackName, stack.Outputs ?? [], stack.StackId.split(':')[3]));
  } finally {
    if (!cloudFormation) (client as CloudFormationClient).destroy();
  }
}

function stackOutputs(stackName: string, outputs: Output[], region: string | undefined): DeployedStack {
  return {
    ...(region ? { region } : {}),
    output: (key) => {
      const value = outputs.find((o) => o.OutputKey === key)?.OutputValue;
      if (!value) throw new Error(`stack ${stackName} has no output ${key}: is it a Buildmarkets Webhooks stack?`);
      return value;
    },
  };
}

/** A deployed stack: table and bus names from its outputs, in the stack's region. */
export async function stackTarget(stackName: string, cloudFormation?: StackDescriber): Promise<CliTarget> {
  return withStack(stackName, cloudFormation, (stack) => targetOf(stack));
}

export function targetFromStackOutputs(stackName: string, outputs: Output[], region: string | undefined): CliTarget {
  return targetOf(stackOutputs(stackName, outputs, region));
}

function targetOf({ region, output }: DeployedStack): CliTarget {
  return {
    ...(region ? { region } : {}),
    tables: { apiKeys: output(TABLE_OUTPUTS.apiKeys) },
    eventBusName: output(STACK_OUTPUTS.eventBusName),
  };
}

/** The delivery queues and their DLQs, for `npm run dlq` (bin/dlq.ts). */
export type QueueTarget = {
  region?: string;
  sqsEndpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  lanes: Record<Lane, { queueUrl: string; deadLetterQueueUrl: string }>;
};

export function localQueueTarget(dataDir = process.env.DATA_DIR ?? '.data'): QueueTarget {
  const state = readLocalState(resolve(dataDir));
  return {
    region: state.region,
    sqsEndpoint: state.sqs_endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    lanes: {
      fast: { queueUrl: state.delivery_queue_url, deadLetterQueueUrl: state.delivery_dlq_url },
      slow: { queueUrl: state.slow_delivery_queue_url, deadLetterQueueUrl: state.slow_delivery_dlq_url },
    },
  };
}

export async function stackQueueTarget(stackName: string, cloudFormation?: StackDescriber): Promise<QueueTarget> {
  return withStack(stackName, cloudFormation, ({ region, output }) => ({
    ...(region ? { region } : {}),
    lanes: {
      fast: { queueUrl: output(STACK_OUTPUTS.deliveryQueueUrl), deadLetterQueueUrl: output(STACK_OUTPUTS.deliveryDeadLetterQueueUrl) },
      slow: { queueUrl: output(STACK_OUTPUTS.slowDeliveryQueueUrl), deadLetterQueueUrl: output(STACK_OUTPUTS.slowDeliveryDeadLetterQueueUrl) },
    },
  }));
}

/** `--stack <name>` → that stack; otherwise the running local runtime. */
export async function resolveTarget(options: { stack?: string; dataDir?: string }): Promise<CliTarget> {
  return options.stack ? stackTarget(options.stack) : localTarget(options.dataDir);
}

/** Prints one JSON document on stdout (the CLIs' output contract) . */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
