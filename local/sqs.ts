// SQS for the local runtime: the fauxqs emulator in-process (memory only), bound to loopback,
// with the delivery queue and its DLQ as DELIVERY_QUEUE describes them.
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { DELIVERY_QUEUE } from '../lambdas/stores/queue-definitions.js';

export type LocalSqs = { endpoint: string; deliveryQueueUrl: string; deadLetterQueueUrl: string; stop(): Promise<void> };

export async function startSqs(port: number, region: string): Promise<LocalSqs> {
  // fauxqs's startFauxqs() listens on 0.0.0.0; buildApp() lets us bind to loopback only.
  const app = buildApp({ logger: false, defaultRegion: region });
  await app.listen({ port, host: '127.0.0.1' });
  const { port: actual } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${actual}`;

  const sqs = new SQSClient({ region, endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: DELIVERY_QUEUE.deadLetterQueueName }));
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))
    ).Attributes!.QueueArn!;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: DELIVERY_QUEUE.name,
        Attributes: {
          VisibilityTimeout: String(DELIVERY_QUEUE.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: DELIVERY_QUEUE.maxReceiveCount }),
        },
      }),
    );
    return {
      endpoint,
      deliveryQueueUrl: queue.QueueUrl!,
      deadLetterQueueUrl: dlq.QueueUrl!,
      stop: async () => {
        await app.close();
      },
    };
  } finally {
    sqs.destroy();
  }
}
