// SQS for the local runtime: the fauxqs emulator in-process, bound to loopback, persisting to
// SQLite under DATA_DIR (so, as in AWS, an accepted message survives a crash), with one queue and
// DLQ per delivery lane as DELIVERY_QUEUES describes them.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { persistentStores } from './fauxqs-persistence.js';
import type { Lane } from '../lambdas/domain/delivery.js';
import { DELIVERY_QUEUES, type QueueDefinition } from '../lambdas/stores/queue-definitions.js';

export type LocalQueue = { url: string; arn: string; deadLetterQueueUrl: string };
export type LocalSqs = { endpoint: string; queues: Record<Lane, LocalQueue>; stop(): Promise<void> };

export async function startSqs(port: number, region: string, dataDir: string): Promise<LocalSqs> {
  const dir = join(dataDir, 'sqs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // fauxqs's startFauxqs() listens on 0.0.0.0; buildApp() lets us bind to loopback only.
  const persisted = await persistentStores(dir);
  const app = buildApp({ logger: false, defaultRegion: region, stores: persisted.stores as never });
  app.addHook('preClose', () => persisted.close());
  await app.listen({ port, host: '127.0.0.1' });
  const { port: actual } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${actual}`;

  const sqs = new SQSClient({ region, endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const arnOf = async (url: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const create = async (def: QueueDefinition): Promise<LocalQueue> => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: def.deadLetterQueueName }));
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: def.name,
        Attributes: {
          VisibilityTimeout: String(def.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq.QueueUrl!), maxReceiveCount: def.maxReceiveCount }),
        },
      }),
    );
    return { url: queue.QueueUrl!, arn: await arnOf(queue.QueueUrl!), deadLetterQueueUrl: dlq.QueueUrl! };
  };
  try {
    const queues = { fast: await create(DELIVERY_QUEUES.fast), slow: await create(DELIVERY_QUEUES.slow) };
    return { endpoint, queues, stop: async () => void (await app.close()) };
  } finally {
    sqs.destroy();
  }
}
