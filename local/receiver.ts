// The one loopback webhook receiver (`npm run receiver`, the tests, the bench): an HTTP(S) server on 127.0.0.1
// answering as scripted per path, optionally checking both signatures of each delivery.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { tappSignature } from '../lambdas/domain/signing.js';
import { http } from '../lambdas/shared/node-http.js';

export type Received = { method: string; path: string; headers: IncomingHttpHeaders; body: string; receivedAt: number; bytes: number; status?: number; verified?: boolean };

export type Behaviour = {
  /** Used in turn, the last one repeats. */
  statuses?: number[];
  delayMs?: number;
  redirectTo?: string;
  /** Read the request and never answer (a black hole). */
  hang?: boolean;
  /** Decides each answer from the request's body (its status and delay win over `statuses` and `delayMs`). */
  decide?: (body: string) => { status?: number; delayMs?: number; body?: string };
};

export type ReceiverOptions = {
  port?: number;
  tls?: { key: string; cert: string };
  /** The webhook's secret, read per request: then both signatures are checked, and a failure is answered 401. */
  secret?: () => string | undefined;
  /** How unscripted paths answer (default 200). */
  behaviour?: (path: string) => Behaviour;
  onRequest?: (r: Received) => void;
  /** false: keep no log (the bench's load). */
  log?: boolean;
  keepAliveMs?: number;
};

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export const header = (headers: IncomingHttpHeaders, name: string): string => [headers[name] ?? ''].flat().join(',');

/** Both signatures of a delivery, checked as a partner would: X-TAPP-Signature, and Standard Webhooks with its own library. */
export function checkSignatures(secret: string, body: string, headers: IncomingHttpHeaders): { tapp: boolean; standard: boolean; verified: boolean } {
  const expected = Buffer.from(tappSignature(secret, body));
  const actual = Buffer.from(header(headers, 'x-tapp-signature'));
  const tapp = actual.length === expected.length && timingSafeEqual(actual, expected);
  let eventId: unknown;
  try {
    const names = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;
    eventId = (new Webhook(secret).verify(body, Object.fromEntries(names.map((n) => [n, header(headers, n)]))) as { event_id?: unknown }).event_id;
  } catch {
    return { tapp, standard: false, verified: false };
  }
  return { tapp, standard: true, verified: tapp && eventId === header(headers, 'webhook-id') && eventId === header(headers, 'x-tapp-event-id') };
}

/** HTTP/1.1 bytes of a request: request line + header lines as received + blank line + body. */
function requestBytes(req: IncomingMessage, body: Buffer): number {
  let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`) + 2;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) n += Buffer.byteLength(req.rawHeaders[i]!) + 2 + Buffer.byteLength(req.rawHeaders[i + 1]!) + 2;
  return n + body.length;
}

export async function startReceiver(options: ReceiverOptions = {}) {
  const scripts = new Map<string, Behaviour>();
  const seen = new Map<string, number>();
  const log: Received[] = [];
  const counts = { connections: 0, handshakes: 0 };
  const answer = (r: Received, res: ServerResponse) => {
    const behaviour = scripts.get(r.path) ?? options.behaviour?.(r.path) ?? {};
    const n = seen.get(r.path) ?? 0;
    seen.set(r.path, n + 1);
    const statuses = behaviour.statuses ?? [200];
    const decided = behaviour.decide?.(r.body) ?? {};
    if (!behaviour.hang) r.status = r.verified === false ? 401 : behaviour.redirectTo ? 302 : (decided.status ?? statuses[Math.min(n, statuses.length - 1)]!);
    if (options.log !== false) log.push(r);
    options.onRequest?.(r);
    if (behaviour.hang) return;
    const send = () => {
      if (res.destroyed) return;
      if (behaviour.redirectTo) return void res.writeHead(302, { location: behaviour.redirectTo }).end();
      const text = decided.body ?? (r.status === 401 ? 'no' : 'ok');
      res.writeHead(r.status!, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)) }).end(text);
    };
    const delayMs = decided.delayMs ?? behaviour.delayMs;
    if (delayMs) setTimeout(send, delayMs).unref();
    else send();
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const r: Received = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body: raw.toString('utf8'), receivedAt: Date.now(), bytes: requestBytes(req, raw) };
      const secret = options.secret?.();
      if (secret !== undefined) r.verified = checkSignatures(secret, r.body, r.headers).verified;
      answer(r, res);
    });
  };
  const server = options.tls ? createTlsServer(options.tls, onRequest) : http.createServer(onRequest);
  server.on('connection', () => counts.connections++);
  server.on('secureConnection', () => counts.handshakes++);
  if (options.keepAliveMs) [server.keepAliveTimeout, server.headersTimeout] = [options.keepAliveMs, options.keepAliveMs + 1000];
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${origin}${path}`,
    script: (path: string, behaviour: Behaviour) => void scripts.set(path, behaviour),
    received: (path?: string) => (path === undefined ? [...log] : log.filter((r) => r.path === path)),
    /** TCP connections and TLS handshakes accepted so far. */
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
