// The delivery queue's sends: every message names its tenant (the webhook) as MessageGroupId, which
// makes each lane an SQS fair queue. The local emulator accepts the field but does not schedule by
// it, so this checks what is sent, through the SDK's own middleware stack.
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deliverMessage, recoverMessage } from '../../lambdas/domain/delivery.js';
import { DeliveryQueue } from '../../lambdas/stores/delivery-queue.js';
import { jobFixture } from '../support/delivery-fakes.js';

function capturingSqs() {
  const sent: SendMessageBatchCommand['input'][] = [];
  const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  // The request stops before the network: the SDK answers with what SQS would for a full success.
  sqs.middlewareStack.add(
    () => async (args: { input: unknown }) => {
      const input = args.input as SendMessageBatchCommand['input'];
      sent.push(input);
      return { output: { Successful: input.Entries!.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })), Failed: [], $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'captureSends' },
  );
  return { sqs, sent };
}

describe('DeliveryQueue', () => {
  it('sends each message with its webhook as MessageGroupId (a recover task as its own group)', async () => {
    const { sqs, sent } = capturingSqs();
    const queue = new DeliveryQueue(sqs, (lane) => `https://sqs.example/${lane}`);
    const results = await queue.send('slow', [
      { message: deliverMessage(jobFixture({ webhookId: 'w1', eventId: 'e1' })) },
      { message: deliverMessage(jobFixture({ webhookId: 'w2', eventId: 'e2' })) },
      { message: recoverMessage({ partner_id: 'p', webhook_id: 'w1', since: '2026-06-01T00:00:00Z', until: '2026-06-02T00:00:00Z' }) },
    ]);
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(sent.map((s) => s.QueueUrl)).toEqual(['https://sqs.example/slow']);
    expect(sent[0]!.Entries!.map((e) => e.MessageGroupId)).toEqual(['w1', 'w2', 'recover:w1']);
    sqs.destroy();
  });
});
