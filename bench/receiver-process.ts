// The webhook receivers, in their own process (started by receiver.ts over IPC): one loopback
// HTTP server per webhook, as partners have distinct hosts. Every request is verified — the
// X-TAPP-Signature (HMAC-SHA256, key = the whole secret string) and Standard Webhooks with the
// `standardwebhooks` package — and answered 200 (verified) or 401. While recording, each receipt
// is reported to the parent as [event_id, webhook index, received at (epoch ms), verified 0/1].
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { epochMs } from './stats.js';

export type Receipt = [eventId: string, webhook: number, receivedAt: number, verified: 0 | 1];

export type ToReceiver =
  | { type: 'listen'; count: number }
  | { type: 'secrets'; secrets: string[] }
  | { type: 'record'; on: boolean }
  | { type: 'stats' }
  | { type: 'flush' }
  | { type: 'close' };

export type ReceiverStats = {
  received: number;
  verified: number;
  rejected: number;
  cpu_seconds: number;
  /** HTTP/1.1 request bytes received (request line + headers as sent + body): what a delivery sends out, before TCP/TLS framing. */
  request_bytes: number;
};

export type FromReceiver =
  | { type: 'ready'; ports: number[] }
  | { type: 'receipts'; items: Receipt[] }
  | ({ type: 'stats' } & ReceiverStats)
  | { type: 'flushed' }
  | { type: 'closed' };

const send = (message: FromReceiver) => process.send!(message);

let secrets: string[] = [];
let verifiers: Webhook[] = [];
let recording = false;
let pending: Receipt[] = [];
const counts = { received: 0, verified: 0, rejected: 0, request_bytes: 0 };
const servers: Server[] = [];

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function verify(index: number, body: Buffer, headers: IncomingHttpHeaders): boolean {
  const secret = secrets[index];
  const verifier = verifiers[index];
  if (secret === undefined || verifier === undefined) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const actual = Buffer.from(header(headers, 'x-tapp-signature'));
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return false;
  try {
    const payload = verifier.verify(body.toString('utf8'), {
      'webhook-id': header(headers, 'webhook-id'),
      'webhook-timestamp': header(headers, 'webhook-timestamp'),
      'webhook-signature': header(headers, 'webhook-signature'),
    }) as { event_id?: string };
    return payload.event_id === header(headers, 'webhook-id') && payload.event_id === header(headers, 'x-tapp-event-id');
  } catch {
    return false;
  }
}

/** Request line + header lines (as received, names and values) + blank line + body. */
function requestBytes(req: IncomingMessage, body: Buffer[]): number {
  let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`) + 2;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) n += Buffer.byteLength(req.rawHeaders[i]!) + 2 + Buffer.byteLength(req.rawHeaders[i + 1]!) + 2;
  return n + body.reduce((a, c) => a + c.length, 0);
}

function listen(index: number): Promise<number> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const receivedAt = epochMs();
      const ok = verify(index, Buffer.concat(chunks), req.headers);
      counts.received++;
      counts.request_bytes += requestBytes(req, chunks);
      if (ok) counts.verified++;
      else counts.rejected++;
      if (recording) pending.push([header(req.headers, 'x-tapp-event-id'), index, receivedAt, ok ? 1 : 0]);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain', 'content-length': '2' }).end(ok ? 'ok' : 'no');
    });
  });
  // Longer than any idle gap in the bench, so a reused keep-alive socket is never closed under a
  // request (a common 60 s+ server setting; Node's default is 5 s).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function flush(): void {
  if (pending.length === 0) return;
  const items = pending;
  pending = [];
  send({ type: 'receipts', items });
}

setInterval(flush, 100).unref();

process.on('message', (message: ToReceiver) => {
  switch (message.type) {
    case 'listen':
      void Promise.all(Array.from({ length: message.count }, (_, i) => listen(i))).then((ports) => send({ type: 'ready', ports }));
      break;
    case 'secrets':
      secrets = message.secrets;
      verifiers = secrets.map((s) => new Webhook(s));
      break;
    case 'record':
      flush();
      recording = message.on;
      break;
    case 'stats': {
      const cpu = process.cpuUsage();
      send({ type: 'stats', ...counts, cpu_seconds: (cpu.user + cpu.system) / 1e6 });
      break;
    }
    case 'flush':
      flush();
      send({ type: 'flushed' });
      break;
    case 'close':
      for (const server of servers) {
        server.close();
        server.closeAllConnections();
      }
      send({ type: 'closed' });
      process.disconnect();
      break;
  }
});
process.on('disconnect', () => process.exit(0));
