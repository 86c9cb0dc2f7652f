// `npm run receiver -- [--port 4999] [--secret whsec_…] [--fail 503,503]`: a webhook endpoint for
// trying the service locally. Prints each delivery and, given the secret, checks both signatures
// (X-TAPP-Signature and Standard Webhooks). --fail answers those statuses first, to watch retries.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '4999' }, secret: { type: 'string' }, fail: { type: 'string', default: '' } },
});
const failures = values.fail ? values.fail.split(',').map(Number) : [];
let received = 0;

function tappValid(secret: string, body: string, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const actual = Buffer.from(header ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function standardValid(secret: string, body: string, headers: Record<string, string | string[] | undefined>): boolean {
  try {
    new Webhook(secret).verify(body, {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  }
}

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const status = failures[received++] ?? 200;
    const checks = values.secret
      ? `X-TAPP-Signature ${tappValid(values.secret, body, req.headers['x-tapp-signature'] as string) ? 'valid' : 'INVALID'}, ` +
        `Standard Webhooks ${standardValid(values.secret, body, req.headers) ? 'valid' : 'INVALID'}`
      : 'signatures not checked (pass --secret)';
    process.stdout.write(`\n#${received} ${req.method} ${req.url} → answering ${status}; ${checks}\n`);
    process.stdout.write(`  event ${String(req.headers['x-tapp-event-type'])} ${String(req.headers['x-tapp-event-id'])}\n  ${body}\n`);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'failing on purpose');
  });
}).listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`Receiving webhooks on http://127.0.0.1:${values.port}/ (Ctrl-C to stop)\n`);
});
