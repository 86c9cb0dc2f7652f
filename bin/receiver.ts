// `npm run receiver -- [--port 4999] [--secret whsec_…] [--fail 503,503]`: a webhook endpoint for
// trying the service locally. Prints each delivery and, given the secret, checks both signatures
// (X-TAPP-Signature and Standard Webhooks). --fail answers those statuses first, to watch retries.
import { parseArgs } from 'node:util';
import { checkSignatures, header, startReceiver } from '../local/receiver.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '4999' }, secret: { type: 'string' }, fail: { type: 'string', default: '' } },
});
const failures = values.fail ? values.fail.split(',').map(Number) : [];
let received = 0;

const valid = (ok: boolean) => (ok ? 'valid' : 'INVALID');

await startReceiver({
  port: Number(values.port),
  log: false,
  behaviour: () => ({
    decide: () => {
      const status = failures[received++] ?? 200;
      return { status, body: status < 300 ? 'ok' : 'failing on purpose' };
    },
  }),
  onRequest: ({ method, path, headers, body, status }) => {
    const signatures = values.secret ? checkSignatures(values.secret, body, headers) : undefined;
    const checks = signatures ? `X-TAPP-Signature ${valid(signatures.tapp)}, Standard Webhooks ${valid(signatures.standard)}` : 'signatures not checked (pass --secret)';
    process.stdout.write(`\n#${received} ${method} ${path} → answering ${status}; ${checks}\n`);
    process.stdout.write(`  event ${header(headers, 'x-tapp-event-type')} ${header(headers, 'x-tapp-event-id')}\n  ${body}\n`);
  },
});
process.stdout.write(`Receiving webhooks on http://127.0.0.1:${values.port}/ (Ctrl-C to stop)\n`);
